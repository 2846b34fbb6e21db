#include "common/retention/purge.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging/logging.h"
#include "common/rights/rights.h"
#include "common/metrics/families.h"
#include "common/status/errors.h"

namespace frontdoor::retention {
namespace {

// Portable on both backends: DELETE has no LIMIT on PostgreSQL, so the
// batch is chosen by seq. Dead letters and undelivered events have a NULL
// delivered_at_us and never match; nor does an event of a referral on
// legal hold.
const std::string& DeleteDelivered() {
  static const std::string* const sql = new std::string(absl::StrCat(
      "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox "
      "WHERE delivered_at_us IS NOT NULL AND delivered_at_us < $1",
      rights::NotHeldCondition("reference"), " ORDER BY seq LIMIT $2)"));
  return *sql;
}
const std::string& OldestDelivered() {
  static const std::string* const sql = new std::string(absl::StrCat(
      "SELECT MIN(delivered_at_us) FROM outbox WHERE delivered_at_us IS NOT "
      "NULL",
      rights::NotHeldCondition("reference")));
  return *sql;
}

absl::Status Negative(const char* field) {
  const std::string name = absl::StrCat("server.retention.", field);
  return InvalidArgumentWithViolations(
      absl::StrCat("retention settings are not valid: ", name,
                   ": must not be negative (0 for the default)"),
      {{name, "must not be negative (0 for the default)"}});
}

}  // namespace

absl::StatusOr<Schedule> ScheduleFor(const config::v1::RetentionConfig& config) {
  if (config.delivered_outbox_hours() < 0) return Negative("delivered_outbox_hours");
  if (config.purge_interval_seconds() < 0) return Negative("purge_interval_seconds");
  if (config.purge_batch_rows() < 0) return Negative("purge_batch_rows");
  if (config.acknowledged_notifications_days() < 0) {
    return InvalidArgumentWithViolations(
        "retention settings are not valid: "
        "server.retention.acknowledged_notifications_days: must not be "
        "negative (0 to keep)",
        {{"server.retention.acknowledged_notifications_days",
          "must not be negative (0 to keep)"}});
  }
  Schedule s;
  if (config.delivered_outbox_hours() > 0) {
    s.delivered_outbox = absl::Hours(config.delivered_outbox_hours());
  }
  if (config.purge_interval_seconds() > 0) {
    s.interval = absl::Seconds(config.purge_interval_seconds());
  }
  if (config.purge_batch_rows() > 0) s.batch_rows = config.purge_batch_rows();
  s.acknowledged_notifications =
      absl::Hours(24) * config.acknowledged_notifications_days();
  return s;
}

absl::StatusOr<int64_t> DeleteInBatches(store::Store& store,
                                        std::string_view delete_sql,
                                        absl::Time before, int batch_rows) {
  const int64_t before_us = absl::ToUnixMicros(before);
  int64_t total = 0;
  absl::Status s = store::WriteInBatches(
      store, [&](store::Tx& tx) -> absl::StatusOr<bool> {
        absl::StatusOr<int64_t> n =
            tx.Exec(delete_sql, {before_us, int64_t{batch_rows}});
        if (!n.ok()) return n.status();
        total += *n;
        return *n < batch_rows;
      });
  if (!s.ok()) return s;
  return total;
}

absl::StatusOr<absl::Duration> OverdueOf(store::Store& store,
                                         std::string_view oldest_sql,
                                         absl::Duration kept, absl::Time now) {
  absl::Duration overdue = absl::ZeroDuration();
  absl::Status s = store.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(oldest_sql);
    if (!rows.ok()) return rows.status();
    if (rows->empty() || rows->front().IsNull(0)) return absl::OkStatus();
    const absl::Time due = absl::FromUnixMicros(rows->front().Int(0)) + kept;
    if (now > due) overdue = now - due;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return overdue;
}

absl::StatusOr<int64_t> PurgeDeliveredOutbox(store::Store& store,
                                             absl::Time now,
                                             const Schedule& schedule) {
  return DeleteInBatches(store, DeleteDelivered(),
                         now - schedule.delivered_outbox, schedule.batch_rows);
}

absl::StatusOr<absl::Duration> DeliveredOutboxOverdue(store::Store& store,
                                                      absl::Time now,
                                                      const Schedule& schedule) {
  return OverdueOf(store, OldestDelivered(), schedule.delivered_outbox, now);
}

Purger::Purger(store::Store& store, const Clock& clock, Schedule schedule,
               std::vector<RecordPurge> more)
    : store_(store),
      clock_(clock),
      schedule_(std::move(schedule)),
      more_(std::move(more)) {}

int64_t Purger::purged_total(const std::string& record) const {
  absl::MutexLock lock(&totals_mu_);
  auto it = purged_by_record_.find(record);
  return it == purged_by_record_.end() ? 0 : it->second;
}

Purger::~Purger() { Stop(); }

void Purger::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void Purger::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

absl::Status Purger::PurgeOnce() {
  absl::MutexLock lock(&purge_mu_);
  const absl::Time now = clock_.Now();
  absl::Status first_error = absl::OkStatus();
  const auto count = [&](const std::string& record,
                         const absl::StatusOr<int64_t>& purged) {
    if (!purged.ok()) {
      ++errors_total_;
      Log(Level::kError, "retention.purge_failed",
          {{"record", record},
           {"code", absl::StatusCodeToString(purged.status().code())}});
      if (first_error.ok()) first_error = purged.status();
      return;
    }
    purged_total_ += *purged;
    {
      absl::MutexLock totals(&totals_mu_);
      purged_by_record_[record] += *purged;
    }
    if (*purged > 0) {
      Log(Level::kInfo, "retention.purged",
          {{"record", record}, {"rows", *purged}});
    }
  };
  for (const RecordPurge& more : more_) {
    count(more.record, more.purge(store_, now));
  }
  count(kRecordDeliveredOutbox, PurgeDeliveredOutbox(store_, now, schedule_));
  return first_error;
}

void Purger::Loop() {
  do {
    (void)PurgeOnce();
  } while (!stop_.WaitForNotificationWithTimeout(schedule_.interval));
}

std::vector<prometheus::MetricFamily> PurgeCollector::Collect() const {
  auto purged = metrics::NewCounter(
      "frontdoor_retention_purged_total",
      "Rows the retention purge deleted, by record type, past their "
      "schedule's date.");
  auto errors = metrics::NewCounter(
      "frontdoor_retention_purge_errors_total",
      "Retention purges that failed (the rows stay until the next).");
  metrics::AddSample(errors, {}, static_cast<double>(purger_.errors_total()));
  auto overdue = metrics::NewGauge(
      "frontdoor_retention_overdue_seconds",
      "How long past its retention date the oldest row still held is, by "
      "record type (0: none); grows when purging falls behind.");
  const absl::Time now = purger_.clock().Now();
  metrics::AddSample(purged, {{"record", kRecordDeliveredOutbox}},
                     static_cast<double>(
                         purger_.purged_total(kRecordDeliveredOutbox)));
  absl::StatusOr<absl::Duration> late =
      DeliveredOutboxOverdue(purger_.store(), now, purger_.schedule());
  if (late.ok()) {
    metrics::AddSample(overdue, {{"record", kRecordDeliveredOutbox}},
                       absl::ToDoubleSeconds(*late));
  }
  for (const RecordPurge& more : purger_.more()) {
    metrics::AddSample(purged, {{"record", more.record}},
                       static_cast<double>(purger_.purged_total(more.record)));
    absl::StatusOr<absl::Duration> more_late =
        more.overdue(purger_.store(), now);
    if (more_late.ok()) {
      metrics::AddSample(overdue, {{"record", more.record}},
                         absl::ToDoubleSeconds(*more_late));
    }
  }
  return {std::move(purged), std::move(errors), std::move(overdue)};
}

}  // namespace frontdoor::retention
