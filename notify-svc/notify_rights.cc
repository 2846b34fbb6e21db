#include "notify-svc/notify_rights.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/rights/data_keys.h"
#include "common/rights/exporting.h"
#include "common/rights/rectify.h"
#include "common/rights/redaction.h"
#include "frontdoor/notify/v1/notify.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/time_util.h"
#include "notify-svc/migrations.h"
#include "notify-svc/notify_core.h"

namespace frontdoor::notify {
namespace {

using google::protobuf::util::TimeUtil;

// How far a notification got, as notify-svc still knows it: a pull
// partner acknowledged its stream past it; a push or email delivery was
// delivered or is pending (while the outbox keeps its row); otherwise
// recorded (nothing more is known).
constexpr char kAcknowledged[] = "acknowledged";
constexpr char kDelivered[] = "delivered";
constexpr char kPending[] = "pending";
constexpr char kRecorded[] = "recorded";

absl::StatusOr<std::string> DeliveryOf(store::Tx& tx, const std::string& id,
                                       const std::string& agency, int64_t seq) {
  absl::StatusOr<std::vector<store::Row>> acked = tx.Query(
      "SELECT acked_seq FROM subscriptions WHERE agency_id = $1", {agency});
  if (!acked.ok()) return acked.status();
  if (!acked->empty() && (*acked)[0].Int(0) >= seq) return kAcknowledged;
  absl::StatusOr<std::vector<store::Row>> outbox =
      tx.Query("SELECT delivered_at_us FROM outbox WHERE event_id = $1", {id});
  if (!outbox.ok()) return outbox.status();
  if (outbox->empty()) return kRecorded;
  return (*outbox)[0].IsNull(0) ? kPending : kDelivered;
}

}  // namespace

NotifyRights::NotifyRights(store::Store& store, const crypto::KeyRing& keys,
                           const Clock& clock, OnReleased on_released)
    : RightsCore("notify-svc", store, keys, clock),
      on_released_(std::move(on_released)) {}

absl::StatusOr<bool> NotifyRights::HoldsReference(
    store::Tx& tx, const std::string& reference) {
  for (const char* sql :
       {"SELECT 1 FROM notifications WHERE reference = $1 LIMIT 1",
        "SELECT 1 FROM held_notifications WHERE reference = $1 LIMIT 1"}) {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(sql, {reference});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) return true;
  }
  return false;
}

absl::Status NotifyRights::RestrictionChanged(store::Tx& tx,
                                              const Caller& caller,
                                              const std::string& reference,
                                              bool restricted, absl::Time now) {
  if (restricted) {
    return WithdrawUnacknowledged(tx, keys(), caller, reference, now);
  }
  absl::StatusOr<std::vector<std::string>> agencies =
      ReleaseHeld(tx, keys(), caller, reference, now);
  if (!agencies.ok()) return agencies.status();
  absl::MutexLock lock(&mu_);
  for (std::string& a : *agencies) released_.push_back(std::move(a));
  return absl::OkStatus();
}

void NotifyRights::RestrictionCommitted(const std::string&, bool restricted) {
  if (restricted) return;
  std::vector<std::string> agencies;
  {
    absl::MutexLock lock(&mu_);
    agencies.swap(released_);
  }
  if (!agencies.empty() && on_released_) on_released_(agencies);
}

absl::StatusOr<int> NotifyRights::RectifyIn(store::Tx&, const Caller&,
                                            const common::v1::RectifyRequest&,
                                            absl::Time) {
  return 0;
}

absl::Status NotifyRights::EraseIn(store::Tx& tx, const std::string& reference,
                                   absl::Time now) {
  // notify-svc keeps no blind index: the notifications' and addresses'
  // sealed values, and the pushes and emails still queued, are all.
  return Shred(tx, reference, SealedColumns(), now);
}

// notify-svc keeps no index of people: by reference only, when it has
// sent anything about it (the front door is not kept here).
absl::StatusOr<common::v1::FindPersonResponse> NotifyRights::FindIn(
    store::Tx& tx, const common::v1::FindPersonRequest& request, absl::Time) {
  common::v1::FindPersonResponse out;
  out.set_service(service());
  out.set_searched_by_name(false);
  if (request.has_name_and_birth()) return out;
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT created_at_us FROM notifications WHERE reference = $1 "
      "ORDER BY created_at_us LIMIT 1",
      {request.reference()});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return out;
  absl::StatusOr<common::v1::RightsState> state =
      StateIn(tx, request.reference());
  if (!state.ok()) return state.status();
  *out.add_referrals() = rights::Found(
      request.reference(), common::v1::PARTY_SUBJECT,
      common::v1::FRONT_DOOR_UNSPECIFIED, (*rows)[0].Int(0), *std::move(state));
  return out;
}

// Each notification sent about the referral (its recipient's kind and
// agency, when, how far it got, and its content redacted), and notify's
// history of it. notify-svc does not hold the referral, so it cannot tell
// who is who: each person sees their own details only (and the adults the
// household's children).
absl::StatusOr<common::v1::ExportSubjectResponse> NotifyRights::ExportFrom(
    store::Tx& tx, const common::v1::ExportSubjectRequest& request,
    absl::Time now) {
  const std::string& reference = request.person().reference();
  common::v1::ExportSubjectResponse out;
  out.set_service(service());
  *out.mutable_person() = request.person();
  *out.mutable_exported_at() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
  absl::StatusOr<common::v1::RightsState> state = StateIn(tx, reference);
  if (!state.ok()) return state.status();
  *out.mutable_state() = *state;
  rights::Context context;
  context.requester = request.person();
  context.show_staff_names = request.show_staff_names();
  context.without_referral = true;
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT seq, id, recipient_agency, recipient_kind, event_kind, "
      "created_at_us, sealed FROM notifications WHERE reference = $1 "
      "ORDER BY seq",
      {reference});
  if (!rows.ok()) return rows.status();
  const bool erased = state->has_erased_at();
  for (const store::Row& row : *rows) {
    const std::string id = row.Text(1);
    v1::Notification notification;
    bool open = false;
    if (!erased) {
      absl::StatusOr<std::string> plain =
          rights::OpenSealed(tx, keys(), row.Text(6), id);
      if (!plain.ok() && !rights::IsErasedOpen(plain.status())) {
        return absl::DataLossError("a sealed notification did not open");
      }
      open = plain.ok() && notification.ParseFromString(*plain);
      if (plain.ok() && !open) {
        return absl::DataLossError("a sealed notification does not parse");
      }
    }
    if (!open) {
      // Codes only, from the columns.
      notification.set_id(id);
      notification.set_event(static_cast<v1::EventKind>(row.Int(4)));
      notification.set_recipient_kind(
          static_cast<v1::RecipientKind>(row.Int(3)));
      *notification.mutable_created_at() =
          TimeUtil::MicrosecondsToTimestamp(row.Int(5));
    }
    absl::StatusOr<std::string> delivery =
        DeliveryOf(tx, id, row.Text(2), row.Int(0));
    if (!delivery.ok()) return delivery.status();
    google::protobuf::Struct sent;
    (*sent.mutable_fields())["recipientAgency"].set_string_value(row.Text(2));
    (*sent.mutable_fields())["status"].set_string_value(*delivery);
    rights::Redacted<v1::Notification> shown = rights::RedactNotification(
        context, std::move(notification), "notification.");
    if (!open) shown.redactions.push_back(rights::ErasedAt("notification"));
    absl::StatusOr<common::v1::ExportedRecord> record = rights::MakeRecord(
        rights::kKindNotification, id, absl::FromUnixMicros(row.Int(5)),
        {rights::Part{"delivery", &sent, {}, false},
         rights::Part{"notification", &shown.record, shown.redactions,
                      shown.needs_review}});
    if (!record.ok()) return record.status();
    *out.add_records() = *std::move(record);
  }
  absl::StatusOr<std::optional<common::v1::ExportedRecord>> history =
      rights::HistoryRecord(tx, service(), reference, context);
  if (!history.ok()) return history.status();
  if (*history) *out.add_records() = **std::move(history);
  rights::OldestFirst(out);
  return out;
}

}  // namespace frontdoor::notify
