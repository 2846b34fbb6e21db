#include "triage-svc/triage_rights.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/rights/data_keys.h"
#include "common/rights/rectify.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "frontdoor/triage/v1/events.pb.h"
#include "frontdoor/triage/v1/triage.pb.h"
#include "intake-svc/person_indexes.h"
#include "triage-svc/decide.h"
#include "triage-svc/migrations.h"

namespace frontdoor::triage {

v1::Decision ErasedCodesOf(const v1::Decision& decision) {
  v1::Decision codes;
  codes.set_front_door(decision.front_door());
  codes.set_side(decision.side());
  codes.set_risk_level(decision.risk_level());
  *codes.mutable_marac() = decision.marac();
  codes.set_tier(decision.tier());
  codes.set_tier_from_risk(decision.tier_from_risk());
  codes.set_score(decision.score());
  codes.set_child_severity(decision.child_severity());
  *codes.mutable_recipients() = decision.recipients();
  codes.set_rules_version(decision.rules_version());
  codes.set_auto_triaged(decision.auto_triaged());
  return codes;
}

}  // namespace frontdoor::triage

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

absl::Status TriageRights::EraseIn(store::Tx& tx, const std::string& reference,
                                   absl::Time now) {
  // Reports count each decision's codes: kept, unsealed and without
  // anything personal, before the key that opens the decisions goes.
  absl::StatusOr<std::vector<store::Row>> decisions = tx.Query(
      "SELECT number, sealed_decision FROM triage_decisions "
      "WHERE reference = $1 AND report_codes IS NULL",
      {reference});
  if (!decisions.ok()) return decisions.status();
  for (const store::Row& row : *decisions) {
    absl::StatusOr<std::string> plain = rights::OpenSealed(
        tx, keys(), row.Text(1), absl::StrCat(reference, ":", row.Int(0)));
    v1::Decision decision;
    if (!plain.ok() || !decision.ParseFromString(*plain)) {
      return absl::DataLossError(absl::StrCat(
          "a decision of ", reference, " did not open to keep its codes"));
    }
    absl::StatusOr<int64_t> kept = tx.Exec(
        "UPDATE triage_decisions SET report_codes = $1 "
        "WHERE reference = $2 AND number = $3",
        {store::Blob{ErasedCodesOf(decision).SerializeAsString()}, reference,
         row.Int(0)});
    if (!kept.ok()) return kept.status();
  }
  if (absl::Status s = Shred(tx, reference, SealedColumns(), now); !s.ok()) {
    return s;
  }
  const std::string erased = rights::ErasedIndex(reference);
  for (const char* sql :
       {"UPDATE triage_referrals SET subject_index = $1, "
        "state = CASE WHEN state = 1 THEN 3 ELSE state END, "
        "waiting_reason = '' WHERE reference = $2",
        "UPDATE marac_referrals SET subject_index = $1 WHERE reference = $2",
        "UPDATE suspect_links SET suspect_index = $1, suspect_name_index = $1, "
        "victim_index = $1, victim_name_index = $1 WHERE reference = $2"}) {
    absl::StatusOr<int64_t> blanked = tx.Exec(sql, {erased, reference});
    if (!blanked.ok()) return blanked.status();
  }
  return absl::OkStatus();
  absl::StatusOr<common::v1::RectifyResponse> TriageRights::RectifyIn(
      store::Tx & tx, const Caller&, const common::v1::RectifyRequest& request,
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
        "SELECT sealed_event FROM triage_referrals WHERE reference = $1",
        {reference});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) {
      absl::StatusOr<std::string> plain =
          rights::OpenSealed(tx, keys(), rows->front().Text(0), reference);
      if (rights::IsErased(plain.status())) return plain.status();
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
      absl::StatusOr<std::string> sealed = rights::SealFor(
          tx, keys(), reference, event.SerializeAsString(), reference, now);
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
              {kDecidedForAllocationTopic, kDecidedForNotifyTopic}, now,
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
