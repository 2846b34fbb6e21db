#include "common/retention/purge.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging/logging.h"
#include "common/metrics/families.h"
#include "common/status/errors.h"

namespace frontdoor::retention {
namespace {

// Portable on both backends: DELETE has no LIMIT on PostgreSQL, so the
// batch is chosen by seq. Dead letters and undelivered events have a NULL
// delivered_at_us and never match.
constexpr char kDeleteDelivered[] =
    "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox "
    "WHERE delivered_at_us IS NOT NULL AND delivered_at_us < $1 "
    "ORDER BY seq LIMIT $2)";
constexpr char kOldestDelivered[] =
    "SELECT MIN(delivered_at_us) FROM outbox WHERE delivered_at_us IS NOT NULL";

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
  Schedule s;
  if (config.delivered_outbox_hours() > 0) {
    s.delivered_outbox = absl::Hours(config.delivered_outbox_hours());
  }
  if (config.purge_interval_seconds() > 0) {
    s.interval = absl::Seconds(config.purge_interval_seconds());
  }
  if (config.purge_batch_rows() > 0) s.batch_rows = config.purge_batch_rows();
  return s;
}

absl::StatusOr<int64_t> PurgeDeliveredOutbox(store::Store& store,
                                             absl::Time now,
                                             const Schedule& schedule) {
  const int64_t before_us = absl::ToUnixMicros(now - schedule.delivered_outbox);
  int64_t total = 0;
  absl::Status s = store::WriteInBatches(
      store, [&](store::Tx& tx) -> absl::StatusOr<bool> {
        absl::StatusOr<int64_t> n = tx.Exec(
            kDeleteDelivered, {before_us, int64_t{schedule.batch_rows}});
        if (!n.ok()) return n.status();
        total += *n;
        return *n < schedule.batch_rows;
      });
  if (!s.ok()) return s;
  return total;
}

absl::StatusOr<absl::Duration> DeliveredOutboxOverdue(store::Store& store,
                                                      absl::Time now,
                                                      const Schedule& schedule) {
  absl::Duration overdue = absl::ZeroDuration();
  absl::Status s = store.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(kOldestDelivered);
    if (!rows.ok()) return rows.status();
    if (rows->empty() || rows->front().IsNull(0)) return absl::OkStatus();
    const absl::Time due =
        absl::FromUnixMicros(rows->front().Int(0)) + schedule.delivered_outbox;
    if (now > due) overdue = now - due;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return overdue;
}

Purger::Purger(store::Store& store, const Clock& clock, Schedule schedule)
    : store_(store), clock_(clock), schedule_(std::move(schedule)) {}

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
  absl::StatusOr<int64_t> purged =
      PurgeDeliveredOutbox(store_, clock_.Now(), schedule_);
  if (!purged.ok()) {
    ++errors_total_;
    Log(Level::kError, "retention.purge_failed",
        {{"record", kRecordDeliveredOutbox},
         {"code", absl::StatusCodeToString(purged.status().code())}});
    return purged.status();
  }
  purged_total_ += *purged;
  if (*purged > 0) {
    Log(Level::kInfo, "retention.purged",
        {{"record", kRecordDeliveredOutbox}, {"rows", *purged}});
  }
  return absl::OkStatus();
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
  metrics::AddSample(purged, {{"record", kRecordDeliveredOutbox}},
                     static_cast<double>(purger_.purged_total()));
  auto errors = metrics::NewCounter(
      "frontdoor_retention_purge_errors_total",
      "Retention purges that failed (the rows stay until the next).");
  metrics::AddSample(errors, {}, static_cast<double>(purger_.errors_total()));
  auto overdue = metrics::NewGauge(
      "frontdoor_retention_overdue_seconds",
      "How long past its retention date the oldest row still held is, by "
      "record type (0: none); grows when purging falls behind.");
  absl::StatusOr<absl::Duration> late = DeliveredOutboxOverdue(
      purger_.store(), purger_.clock().Now(), purger_.schedule());
  if (late.ok()) {
    metrics::AddSample(overdue, {{"record", kRecordDeliveredOutbox}},
                       absl::ToDoubleSeconds(*late));
  }
  return {std::move(purged), std::move(errors), std::move(overdue)};
}

}  // namespace frontdoor::retention
