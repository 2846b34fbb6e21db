#include "allocation-svc/allocation_rights.h"

#include <utility>

#include "allocation-svc/allocation_core.h"
#include "common/rights/rectify.h"
#include "frontdoor/allocation/v1/events.pb.h"
#include "frontdoor/triage/v1/events.pb.h"
#include "intake-svc/person_indexes.h"

namespace frontdoor::allocation {

AllocationRights::AllocationRights(store::Store& store,
                                   const crypto::KeyRing& keys,
                                   const Clock& clock)
    : RightsCore("allocation-svc", store, keys, clock) {}

absl::StatusOr<bool> AllocationRights::HoldsReference(
    store::Tx& tx, const std::string& reference) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT 1 FROM placements WHERE reference = $1 LIMIT 1", {reference});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

absl::StatusOr<common::v1::RectifyResponse> AllocationRights::RectifyIn(
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
  absl::StatusOr<std::vector<store::Row>> rows =
      tx.Query("SELECT sealed_decision FROM placements WHERE reference = $1",
               {reference});
  if (!rows.ok()) return rows.status();
  if (!rows->empty()) {
    absl::StatusOr<std::string> plain =
        keys().Open(rows->front().Text(0), reference);
    triage::v1::TriageDecided decided;
    if (!plain.ok() || !decided.ParseFromString(*plain)) {
      return absl::DataLossError("sealed decision did not open");
    }
    absl::StatusOr<std::string> old =
        rights::Apply(request, *decided.mutable_referral());
    if (!old.ok()) return old.status();
    if (rights::ChangesIndexes(request.field())) {
      decided.set_subject_index(
          intake::IndexPeople(keys(), decided.referral(),
                              intake::v1::REFERRAL_STATUS_ACCEPTED,
                              decided.decision().front_door())
              .subject);
    }
    // Sealed as AllocationCore::Save seals it: the reference bound.
    absl::StatusOr<std::string> sealed =
        keys().Seal(decided.SerializeAsString(), reference);
    if (!sealed.ok()) return sealed.status();
    absl::StatusOr<int64_t> updated = tx.Exec(
        "UPDATE placements SET sealed_decision = $2 WHERE reference = $1",
        {reference, store::Blob{*std::move(sealed)}});
    if (!updated.ok()) return updated.status();
    int copies = 1;
    if (request.person().party() == common::v1::PARTY_REFERRER) {
      absl::StatusOr<int> events =
          rights::RectifyOutboxCopies<allocation::v1::PlacementChanged>(
              tx, keys(), reference, {kPlacementChangedTopic},
              [&](allocation::v1::PlacementChanged& changed) -> absl::Status {
                common::v1::Referral holder;
                *holder.mutable_referrer() = changed.referrer();
                absl::StatusOr<std::string> before =
                    rights::Apply(request, holder);
                if (!before.ok()) return before.status();
                *changed.mutable_referrer() = holder.referrer();
                return absl::OkStatus();
              });
      if (!events.ok()) return events.status();
      copies += *events;
    }
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

}  // namespace frontdoor::allocation
