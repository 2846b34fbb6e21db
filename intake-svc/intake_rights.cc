#include "intake-svc/intake_rights.h"

#include <utility>

#include "common/rights/rectify.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "intake-svc/person_indexes.h"
#include "intake-svc/submission.h"

namespace frontdoor::intake {

IntakeRights::IntakeRights(store::Store& store, const crypto::KeyRing& keys,
                           const Clock& clock)
    : RightsCore("intake-svc", store, keys, clock) {}

absl::StatusOr<bool> IntakeRights::HoldsReference(
    store::Tx& tx, const std::string& reference) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT 1 FROM referrals WHERE reference = $1 LIMIT 1", {reference});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

absl::StatusOr<common::v1::RectifyResponse> IntakeRights::RectifyIn(
    store::Tx& tx, const Caller&, const common::v1::RectifyRequest& request,
    absl::Time now) {
  if (absl::Status s = rights::ValidateValue(
          request, absl::ToCivilDay(now, absl::UTCTimeZone()));
      !s.ok()) {
    return s;
  }
  const std::string& reference = request.person().reference();
  common::v1::RectifyResponse response;
  response.set_service(service());
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT sealed_referral, status, front_door FROM referrals "
      "WHERE reference = $1",
      {reference});
  if (!rows.ok()) return rows.status();
  if (!rows->empty()) {
    const store::Row& row = rows->front();
    absl::StatusOr<std::string> plain = keys().Open(row.Text(0), reference);
    common::v1::Referral referral;
    if (!plain.ok() || !referral.ParseFromString(*plain)) {
      return absl::DataLossError("sealed referral did not open");
    }
    absl::StatusOr<std::string> old = rights::Apply(request, referral);
    if (!old.ok()) return old.status();
    const auto status = static_cast<intake::v1::ReferralStatus>(row.Int(1));
    const auto front_door = static_cast<common::v1::FrontDoor>(row.Int(2));
    const PersonIndexes indexes =
        IndexPeople(keys(), referral, status, front_door);
    // Sealed as at submission: the referral's bytes, the reference bound.
    absl::StatusOr<std::string> sealed =
        keys().Seal(referral.SerializeAsString(), reference);
    if (!sealed.ok()) return sealed.status();
    absl::StatusOr<int64_t> updated = tx.Exec(
        "UPDATE referrals SET sealed_referral = $2, subject_index = $3, "
        "subject_loose_index = $4 WHERE reference = $1",
        {reference, store::Blob{*std::move(sealed)}, indexes.subject,
         indexes.subject_loose});
    if (!updated.ok()) return updated.status();
    int copies = 1;
    absl::StatusOr<int> events =
        rights::RectifyOutboxCopies<intake::v1::ReferralReceived>(
            tx, keys(), reference,
            {kReferralReceivedTopic, kReferralReceivedForNotifyTopic},
            [&](intake::v1::ReferralReceived& event) -> absl::Status {
              absl::StatusOr<std::string> before =
                  rights::Apply(request, *event.mutable_referral());
              if (!before.ok()) return before.status();
              if (rights::ChangesIndexes(request.field())) {
                SetIndexes(
                    IndexPeople(keys(), event.referral(), status, front_door),
                    event);
              }
              return absl::OkStatus();
            });
    if (!events.ok()) return events.status();
    copies += *events;
    if (absl::Status s = rights::RecordRectification(
            tx, keys(), reference, now, rights::HistoryField(request), *old,
            request.value());
        !s.ok()) {
      return s;
    }
    response.set_copies_corrected(copies);
  }
  absl::StatusOr<common::v1::RightsState> state = StateIn(tx, reference);
  if (!state.ok()) return state.status();
  *response.mutable_state() = *std::move(state);
  return response;
}

}  // namespace frontdoor::intake
