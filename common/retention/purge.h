#pragma once

// Retention: records are kept only as long as their schedule says, then a
// purge job in every service deletes them. The first record type is the
// delivered outbox event: a sealed copy of a referral or a decision for
// each hop, kept after delivery only for an operator looking into a
// hand-off (undelivered events and dead letters are never purged).
//
// Metrics (PurgeCollector):
//   frontdoor_retention_purged_total{record}       rows deleted
//   frontdoor_retention_overdue_seconds{record}    how long past its date
//                                                  the oldest row still
//                                                  held is (0: none)
//   frontdoor_retention_purge_errors_total         purges that failed
// and the alert FrontdoorRetentionPurgeBehind when rows stay past their
// date.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/store/store.h"
#include "frontdoor/config/v1/config.pb.h"
#include "prometheus/collectable.h"

namespace frontdoor::retention {

// The defaults of config::v1::RetentionConfig.
inline constexpr absl::Duration kDefaultDeliveredOutbox = absl::Hours(7 * 24);
inline constexpr absl::Duration kDefaultPurgeInterval = absl::Hours(1);
inline constexpr int kDefaultPurgeBatchRows = 1000;

// The record types, as the metrics' `record` label names them.
inline constexpr char kRecordDeliveredOutbox[] = "outbox_delivered";

struct Schedule {
  absl::Duration delivered_outbox = kDefaultDeliveredOutbox;
  // notify-svc's acknowledged notifications; zero: kept (no schedule).
  absl::Duration acknowledged_notifications = absl::ZeroDuration();
  absl::Duration interval = kDefaultPurgeInterval;
  int batch_rows = kDefaultPurgeBatchRows;
};

// The schedule `config` sets (0 or absent: the default), or
// INVALID_ARGUMENT naming "server.retention.<field>" for a negative one.
absl::StatusOr<Schedule> ScheduleFor(const config::v1::RetentionConfig& config);

// A record type a service keeps beyond the shared ones (notify-svc's
// acknowledged notifications), purged by the same job, counted under the
// same metrics with its own `record` label.
struct RecordPurge {
  std::string record;
  // Deletes what is past its date at `now`; returns how many rows went.
  std::function<absl::StatusOr<int64_t>(store::Store&, absl::Time now)> purge;
  // How long past its date the oldest row still kept is (zero: none).
  std::function<absl::StatusOr<absl::Duration>(store::Store&, absl::Time now)>
      overdue;
};

// Runs `delete_sql` ($1 the date before which rows go, $2 the batch size;
// it must delete at most $2 rows) one transaction at a time until a batch
// deletes fewer than `batch_rows`; returns how many went.
absl::StatusOr<int64_t> DeleteInBatches(store::Store& store,
                                        std::string_view delete_sql,
                                        absl::Time before, int batch_rows);

// How long past `now - kept` the date `oldest_sql` selects (one row, one
// column of microseconds, NULL when none) is; zero when it is not.
absl::StatusOr<absl::Duration> OverdueOf(store::Store& store,
                                         std::string_view oldest_sql,
                                         absl::Duration kept, absl::Time now);

// Deletes the delivered outbox events whose delivery is older than
// `now - schedule.delivered_outbox`, `schedule.batch_rows` a transaction,
// until none is left; returns how many were deleted. Events of a referral
// on legal hold (common/rights) stay.
absl::StatusOr<int64_t> PurgeDeliveredOutbox(store::Store& store,
                                             absl::Time now,
                                             const Schedule& schedule);

// How long past its date the oldest delivered outbox event still held is
// at `now` (zero when none is past it).
absl::StatusOr<absl::Duration> DeliveredOutboxOverdue(store::Store& store,
                                                      absl::Time now,
                                                      const Schedule& schedule);

// Runs the purge at start and then every schedule.interval on its own
// thread, until Stop().
class Purger {
 public:
  // `store` and `clock` must outlive the purger. `more` are the service's
  // own record types, purged before the delivered outbox events.
  Purger(store::Store& store, const Clock& clock, Schedule schedule,
         std::vector<RecordPurge> more = {});
  ~Purger();
  Purger(const Purger&) = delete;
  Purger& operator=(const Purger&) = delete;

  void Start();
  // Idempotent; waits for a running purge to finish.
  void Stop();

  // One purge now, on the caller's thread (also what the thread runs).
  absl::Status PurgeOnce();

  const Schedule& schedule() const { return schedule_; }
  store::Store& store() const { return store_; }
  const Clock& clock() const { return clock_; }
  int64_t purged_total() const { return purged_total_.load(); }
  // Rows deleted of one record type.
  int64_t purged_total(const std::string& record) const;
  const std::vector<RecordPurge>& more() const { return more_; }
  int64_t errors_total() const { return errors_total_.load(); }

 private:
  void Loop();

  store::Store& store_;
  const Clock& clock_;
  const Schedule schedule_;
  const std::vector<RecordPurge> more_;
  std::atomic<int64_t> purged_total_{0};
  mutable absl::Mutex totals_mu_;
  std::map<std::string, int64_t> purged_by_record_
      ABSL_GUARDED_BY(totals_mu_);
  std::atomic<int64_t> errors_total_{0};
  absl::Notification stop_;
  absl::Mutex purge_mu_;  // one purge at a time
  std::thread thread_;
};

// The purger's metrics, read at scrape time (the overdue gauge asks the
// store, so that it grows even when the purge job does not run).
class PurgeCollector final : public prometheus::Collectable {
 public:
  explicit PurgeCollector(const Purger& purger) : purger_(purger) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const Purger& purger_;
};

}  // namespace frontdoor::retention
