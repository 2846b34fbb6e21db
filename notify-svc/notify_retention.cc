#include "notify-svc/notify_retention.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/rights/rights.h"

namespace frontdoor::notify {
namespace {

// A correlated subquery, so the same text runs on SQLite and PostgreSQL.
constexpr char kStampDelivered[] =
    "UPDATE notifications SET acked_at_us = (SELECT o.delivered_at_us FROM "
    "outbox o WHERE o.event_id = notifications.id) WHERE acked_at_us IS NULL "
    "AND id IN (SELECT event_id FROM outbox WHERE delivered_at_us IS NOT "
    "NULL)";

const std::string& DeleteAcknowledged() {
  static const std::string* const sql = new std::string(absl::StrCat(
      "DELETE FROM notifications WHERE seq IN (SELECT seq FROM notifications "
      "WHERE acked_at_us IS NOT NULL AND acked_at_us < $1",
      rights::NotHeldCondition("reference"), " ORDER BY seq LIMIT $2)"));
  return *sql;
}

const std::string& OldestAcknowledged() {
  static const std::string* const sql = new std::string(absl::StrCat(
      "SELECT MIN(acked_at_us) FROM notifications WHERE acked_at_us IS NOT "
      "NULL",
      rights::NotHeldCondition("reference")));
  return *sql;
}

}  // namespace

absl::StatusOr<int64_t> StampDeliveredAcks(store::Store& store) {
  int64_t stamped = 0;
  absl::Status s = store.WriteSync([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<int64_t> n = tx.Exec(kStampDelivered);
    if (!n.ok()) return n.status();
    stamped = *n;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return stamped;
}

absl::StatusOr<int64_t> PurgeAcknowledgedNotifications(store::Store& store,
                                                       absl::Time now,
                                                       absl::Duration kept,
                                                       int batch_rows) {
  if (absl::StatusOr<int64_t> stamped = StampDeliveredAcks(store);
      !stamped.ok()) {
    return stamped.status();
  }
  if (kept <= absl::ZeroDuration()) return 0;
  return retention::DeleteInBatches(store, DeleteAcknowledged(), now - kept,
                                    batch_rows);
}

absl::StatusOr<absl::Duration> AcknowledgedNotificationsOverdue(
    store::Store& store, absl::Time now, absl::Duration kept) {
  if (kept <= absl::ZeroDuration()) return absl::ZeroDuration();
  return retention::OverdueOf(store, OldestAcknowledged(), kept, now);
}

retention::RecordPurge AcknowledgedNotificationsPurge(
    const retention::Schedule& schedule) {
  const absl::Duration kept = schedule.acknowledged_notifications;
  const int batch_rows = schedule.batch_rows;
  return {kRecordAcknowledgedNotifications,
          [kept, batch_rows](store::Store& store, absl::Time now) {
            return PurgeAcknowledgedNotifications(store, now, kept, batch_rows);
          },
          [kept](store::Store& store, absl::Time now) {
            return AcknowledgedNotificationsOverdue(store, now, kept);
          }};
}

}  // namespace frontdoor::notify
