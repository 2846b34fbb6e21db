#include "common/retention/purge.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging/logging.h"
#include "common/metrics/families.h"
#include "common/rights/rights.h"
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

// "(candidates) c": due, not erased, not held; parameter $1 the latest
// since_us that is due.
std::string DueFrom(const ErasureSchedule& e) {
  return absl::StrCat(
      "FROM (", e.candidates_sql, ") c WHERE c.since_us <= $1 AND c.reference "
      "NOT IN (SELECT reference FROM data_rights WHERE erased_at_us IS NOT "
      "NULL)");
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
  if (config.returned_referral_days() < 0) {
    return Negative("returned_referral_days");
  }
  if (config.closed_case_days() < 0) return Negative("closed_case_days");
  Schedule s;
  if (config.delivered_outbox_hours() > 0) {
    s.delivered_outbox = absl::Hours(config.delivered_outbox_hours());
  }
  if (config.purge_interval_seconds() > 0) {
    s.interval = absl::Seconds(config.purge_interval_seconds());
  }
  if (config.purge_batch_rows() > 0) s.batch_rows = config.purge_batch_rows();
  s.returned_referral = absl::Hours(24) * config.returned_referral_days();
  s.closed_case = absl::Hours(24) * config.closed_case_days();
  return s;
}

absl::StatusOr<int64_t> EraseDue(store::Store& store, absl::Time now,
                                 const ErasureSchedule& erasure,
                                 int batch_rows) {
  if (erasure.after <= absl::ZeroDuration()) return 0;
  const int64_t due_us = absl::ToUnixMicros(now - erasure.after);
  const std::string query = absl::StrCat(
      "SELECT c.reference ", DueFrom(erasure),
      rights::NotHeldCondition("c.reference"),
      " ORDER BY c.since_us, c.reference LIMIT $2");
  int64_t total = 0;
  absl::Status s = store::WriteInBatches(
      store, [&](store::Tx& tx) -> absl::StatusOr<bool> {
        absl::StatusOr<std::vector<store::Row>> due =
            tx.Query(query, {due_us, int64_t{batch_rows}});
        if (!due.ok()) return due.status();
        for (const store::Row& row : *due) {
          if (absl::Status e = erasure.erase(tx, row.Text(0), now); !e.ok()) {
            return e;
          }
        }
        total += static_cast<int64_t>(due->size());
        return static_cast<int64_t>(due->size()) < batch_rows;
      });
  if (!s.ok()) return s;
  return total;
}

absl::StatusOr<ErasureBacklog> ErasureBacklogOf(
    store::Store& store, absl::Time now, const ErasureSchedule& erasure) {
  ErasureBacklog backlog;
  if (erasure.after <= absl::ZeroDuration()) return backlog;
  const int64_t due_us = absl::ToUnixMicros(now - erasure.after);
  absl::Status s = store.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> oldest = tx.Query(
        absl::StrCat("SELECT MIN(c.since_us) ", DueFrom(erasure),
                     rights::NotHeldCondition("c.reference")),
        {due_us});
    if (!oldest.ok()) return oldest.status();
    if (!oldest->empty() && !oldest->front().IsNull(0)) {
      const absl::Time due =
          absl::FromUnixMicros(oldest->front().Int(0)) + erasure.after;
      if (now > due) backlog.overdue = now - due;
    }
    absl::StatusOr<std::vector<store::Row>> held = tx.Query(
        absl::StrCat("SELECT COUNT(*) ", DueFrom(erasure),
                     " AND c.reference IN (SELECT reference FROM data_rights "
                     "WHERE held = 1)"),
        {due_us});
    if (!held.ok()) return held.status();
    if (!held->empty()) backlog.held = held->front().Int(0);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return backlog;
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

Purger::Purger(store::Store& store, const Clock& clock, Schedule schedule,
               std::vector<ErasureSchedule> erasures)
    : store_(store),
      clock_(clock),
      schedule_(std::move(schedule)),
      erasures_(std::move(erasures)) {}

int64_t Purger::erased_total(const std::string& record) const {
  absl::MutexLock lock(&erased_mu_);
  auto it = erased_.find(record);
  return it == erased_.end() ? 0 : it->second;
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
  absl::Status result = absl::OkStatus();
  for (const ErasureSchedule& erasure : erasures_) {
    if (erasure.after <= absl::ZeroDuration()) continue;
    const absl::Time now = clock_.Now();
    absl::StatusOr<int64_t> erased =
        EraseDue(store_, now, erasure, schedule_.batch_rows);
    if (!erased.ok()) {
      ++errors_total_;
      Log(Level::kError, "retention.purge_failed",
          {{"record", erasure.record},
           {"code", absl::StatusCodeToString(erased.status().code())}});
      result.Update(erased.status());
      continue;
    }
    {
      absl::MutexLock lock(&erased_mu_);
      erased_[erasure.record] += *erased;
    }
    absl::StatusOr<ErasureBacklog> backlog =
        ErasureBacklogOf(store_, now, erasure);
    const int64_t held = backlog.ok() ? backlog->held : 0;
    if (*erased > 0 || held > 0) {
      Log(Level::kInfo, "retention.erased",
          {{"record", erasure.record},
           {"referrals", *erased},
           {"kept_on_legal_hold", held}});
    }
  }
  return result;
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
  for (const ErasureSchedule& e : purger_.erasures()) {
    metrics::AddSample(purged, {{"record", e.record}},
                       static_cast<double>(purger_.erased_total(e.record)));
  }
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
  auto held = metrics::NewGauge(
      "frontdoor_retention_held_rows",
      "Referrals past their erasure schedule's date kept because they are "
      "on legal hold, by record type.");
  for (const ErasureSchedule& e : purger_.erasures()) {
    if (e.after <= absl::ZeroDuration()) continue;
    absl::StatusOr<ErasureBacklog> backlog =
        ErasureBacklogOf(purger_.store(), purger_.clock().Now(), e);
    if (!backlog.ok()) continue;
    metrics::AddSample(overdue, {{"record", e.record}},
                       absl::ToDoubleSeconds(backlog->overdue));
    metrics::AddSample(held, {{"record", e.record}},
                       static_cast<double>(backlog->held));
  }
  std::vector<prometheus::MetricFamily> families = {
      std::move(purged), std::move(errors), std::move(overdue)};
  // Only a service with erasure schedules has held rows to count.
  if (!purger_.erasures().empty()) families.push_back(std::move(held));
  return families;
}

}  // namespace frontdoor::retention
