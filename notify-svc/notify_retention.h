#pragma once

// notify-svc's retention schedule: a notification is deleted
// server.retention.acknowledged_notifications_days after its recipient
// acknowledged it (0: kept), by the purge job every service runs
// (common/retention), counted under record="acknowledged_notifications".
// Never purged: notifications not yet acknowledged, those held back while
// their referral is restricted (held_notifications), and those of a
// referral on legal hold (common/rights). No gRPC.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/retention/purge.h"
#include "common/store/store.h"

namespace frontdoor::notify {

inline constexpr char kRecordAcknowledgedNotifications[] =
    "acknowledged_notifications";

// Copies the delivery time of push and email notifications from their
// outbox events into notifications.acked_at_us (a relay's delivery is their
// acknowledgement), before the outbox's own schedule deletes the events.
// Returns how many were stamped.
absl::StatusOr<int64_t> StampDeliveredAcks(store::Store& store);

// Stamps (StampDeliveredAcks), then deletes the notifications acknowledged
// before `now - kept`, `batch_rows` a transaction; nothing when `kept` is
// zero. Returns how many were deleted.
absl::StatusOr<int64_t> PurgeAcknowledgedNotifications(store::Store& store,
                                                       absl::Time now,
                                                       absl::Duration kept,
                                                       int batch_rows);

// How long past its date the oldest acknowledged notification still kept
// is (zero when none, or when `kept` is zero).
absl::StatusOr<absl::Duration> AcknowledgedNotificationsOverdue(
    store::Store& store, absl::Time now, absl::Duration kept);

// The schedule as the purge job runs it.
retention::RecordPurge AcknowledgedNotificationsPurge(
    const retention::Schedule& schedule);

}  // namespace frontdoor::notify
