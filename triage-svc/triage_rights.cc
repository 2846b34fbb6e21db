#include "triage-svc/triage_rights.h"

#include <utility>

#include "common/rights/rectify.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "frontdoor/triage/v1/events.pb.h"
#include "intake-svc/person_indexes.h"
#include "triage-svc/decide.h"

namespace frontdoor::triage {

TriageRights::TriageRights(store::Store& store, const crypto::KeyRing& keys,
                           const Clock& clock)
    : RightsCore("triage-svc", store, keys, clock) {}

absl::StatusOr<bool> TriageRights::HoldsReference(
    store::Tx& tx, const std::string& reference) {
  absl::StatusOr<std::vector<store::Row>> rows =
      tx.Query("SELECT 1 FROM triage_referrals WHERE reference = $1 LIMIT 1",
               {reference});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

absl::StatusOr<common::v1::RectifyResponse> TriageRights::RectifyIn(
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
      tx.Query("SELECT sealed_event FROM triage_referrals WHERE reference = $1",
               {reference});
  if (!rows.ok()) return rows.status();
  if (!rows->empty()) {
    absl::StatusOr<std::string> plain =
        keys().Open(rows->front().Text(0), reference);
    intake::v1::ReferralReceived event;
    if (!plain.ok() || !event.ParseFromString(*plain)) {
      return absl::DataLossError("sealed referral event did not open");
    }
    absl::StatusOr<std::string> old =
        rights::Apply(request, *event.mutable_referral());
    if (!old.ok()) return old.status();
    const bool reindex = rights::ChangesIndexes(request.field());
    if (reindex) {
      // As intake-svc indexed it, from the corrected referral.
      intake::SetIndexes(intake::IndexPeople(keys(), event.referral(),
                                             event.receipt().status(),
                                             event.receipt().front_door()),
                         event);
    }
    absl::StatusOr<std::string> sealed =
        keys().Seal(event.SerializeAsString(), reference);
    if (!sealed.ok()) return sealed.status();
    absl::StatusOr<int64_t> updated = tx.Exec(
        "UPDATE triage_referrals SET sealed_event = $2, subject_index = $3 "
        "WHERE reference = $1",
        {reference, store::Blob{*std::move(sealed)}, event.subject_index()});
    if (!updated.ok()) return updated.status();
    if (reindex) {
      for (const auto& [sql, params] :
           {std::pair<const char*, store::Params>{
                "UPDATE marac_referrals SET subject_index = $2 "
                "WHERE reference = $1",
                {reference, event.subject_index()}},
            {"UPDATE suspect_links SET suspect_index = $2, "
             "suspect_name_index = $3, victim_index = $4, "
             "victim_name_index = $5 WHERE reference = $1",
             {reference, event.suspect_index(), event.suspect_name_index(),
              event.victim_index(), event.victim_name_index()}}}) {
        absl::StatusOr<int64_t> n = tx.Exec(sql, params);
        if (!n.ok()) return n.status();
      }
    }
    int copies = 1;
    absl::StatusOr<int> events =
        rights::RectifyOutboxCopies<triage::v1::TriageDecided>(
            tx, keys(), reference,
            {kDecidedForAllocationTopic, kDecidedForNotifyTopic},
            [&](triage::v1::TriageDecided& decided) -> absl::Status {
              absl::StatusOr<std::string> before =
                  rights::Apply(request, *decided.mutable_referral());
              if (!before.ok()) return before.status();
              decided.set_subject_index(event.subject_index());
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

}  // namespace frontdoor::triage
