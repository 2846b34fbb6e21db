#pragma once

// Retention: records are kept only as long as their schedule says, then a
// purge job in every service deletes them. The first record type is the
// delivered outbox event: a sealed copy of a referral or a decision for
// each hop, kept after delivery only for an operator looking into a
// hand-off (undelivered events and dead letters are never purged). The
// others are erasure schedules (ErasureSchedule): a service's referrals
// past a date (returned referrals in intake-svc, closed cases in
// allocation-svc) have their personal data erased by crypto-shredding, as
// DataRights.Erase does, except those on legal hold, which are counted.
//
// Metrics (PurgeCollector):
//   frontdoor_retention_purged_total{record}       rows deleted
//   frontdoor_retention_overdue_seconds{record}    how long past its date
//                                                  the oldest row still
//                                                  held is (0: none)
//   frontdoor_retention_purge_errors_total         purges that failed
//   frontdoor_retention_held_rows{record}          rows past their date kept
//                                                  by a legal hold
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

#include "absl/base/thread_annotations.h"
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
inline constexpr char kRecordReturnedReferral[] = "returned_referral";
inline constexpr char kRecordClosedCase[] = "closed_case";

struct Schedule {
  absl::Duration delivered_outbox = kDefaultDeliveredOutbox;
  // notify-svc's acknowledged notifications; zero: kept (no schedule).
  absl::Duration acknowledged_notifications = absl::ZeroDuration();
  absl::Duration interval = kDefaultPurgeInterval;
  int batch_rows = kDefaultPurgeBatchRows;
  // The erasure schedules' periods (zero: keep, never erased).
  absl::Duration returned_referral = absl::ZeroDuration();
  absl::Duration closed_case = absl::ZeroDuration();
};

// A schedule that erases a referral's personal data some time after a date
// of the service's own (crypto-shredding: common/rights/data_keys.h).
struct ErasureSchedule {
  // The metrics' `record` label, e.g. kRecordClosedCase.
  std::string record;
  // How long after its date a referral is kept; zero: kept for ever (the
  // schedule does nothing).
  absl::Duration after = absl::ZeroDuration();
  // The candidates: an SQL query over the service's tables (its own
  // constant, never input) giving two columns, `reference` and `since_us`,
  // the time (Unix microseconds) the period runs from.
  std::string candidates_sql;
  // Erases one referral inside the purge's transaction and audits it
  // (rights::RightsCore::EraseOnSchedule).
  std::function<absl::Status(store::Tx&, const std::string& reference,
                             absl::Time now)>
      erase;
};

// The schedule `config` sets (0 or absent: the default; for the erasure
// periods, keep), or INVALID_ARGUMENT naming "server.retention.<field>" for
// a negative one.
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

// Erases the referrals `erasure` finds due at `now` (since_us at or before
// now - after), oldest first, `batch_rows` a transaction, until none is
// left: never one on legal hold (rights::NotHeldCondition) or already
// erased. Returns how many were erased; nothing when `after` is zero.
absl::StatusOr<int64_t> EraseDue(store::Store& store, absl::Time now,
                                 const ErasureSchedule& erasure,
                                 int batch_rows);

// What an erasure schedule has left past its date at `now`: how long past
// it the oldest referral not held is (zero: none), and how many are kept
// by a legal hold.
struct ErasureBacklog {
  absl::Duration overdue = absl::ZeroDuration();
  int64_t held = 0;
};
absl::StatusOr<ErasureBacklog> ErasureBacklogOf(store::Store& store,
                                                absl::Time now,
                                                const ErasureSchedule& erasure);

// Runs the purge (the delivered outbox events, then each erasure schedule)
// at start and then every schedule.interval on its own thread, until
// Stop().
class Purger {
 public:
  // `store` and `clock` must outlive the purger; so must what the
  // erasures' `erase` and the `more` record types' functions call. `more`
  // are the service's own record types, purged before the delivered outbox
  // events; `erasures` run after them.
  Purger(store::Store& store, const Clock& clock, Schedule schedule,
         std::vector<ErasureSchedule> erasures = {},
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
  const std::vector<ErasureSchedule>& erasures() const { return erasures_; }
  store::Store& store() const { return store_; }
  const Clock& clock() const { return clock_; }
  // Delivered outbox events deleted.
  int64_t purged_total() const { return purged_total_.load(); }
  // Rows deleted, or referrals an erasure schedule erased, of one record
  // type.
  int64_t purged_total(const std::string& record) const
      ABSL_LOCKS_EXCLUDED(totals_mu_);
  const std::vector<RecordPurge>& more() const { return more_; }
  int64_t errors_total() const { return errors_total_.load(); }

 private:
  void Loop();

  store::Store& store_;
  const Clock& clock_;
  const Schedule schedule_;
  const std::vector<ErasureSchedule> erasures_;
  const std::vector<RecordPurge> more_;
  std::atomic<int64_t> purged_total_{0};
  mutable absl::Mutex totals_mu_;
  std::map<std::string, int64_t> purged_by_record_ ABSL_GUARDED_BY(totals_mu_);
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
