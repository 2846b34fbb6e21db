#include "triage-svc/triage_rights.h"

#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/identity/identity.h"
#include "common/rights/data_keys.h"
#include "common/rights/exporting.h"
#include "common/rights/rectify.h"
#include "common/rights/redaction.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "frontdoor/triage/v1/events.pb.h"
#include "frontdoor/triage/v1/triage.pb.h"
#include "google/protobuf/util/time_util.h"
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
namespace {

using google::protobuf::util::TimeUtil;

// The party a suspect_links match is, by the referral's front door: the
// suspect is the other party of a victim referral, the victim the other
// party of a behaviour change referral. PARTY_UNSPECIFIED when the match is
// the subject (found by subject_index instead).
common::v1::Party OtherPartyMatch(common::v1::FrontDoor door,
                                  bool matched_suspect) {
  if (door == common::v1::FRONT_DOOR_ADULT_VICTIM && matched_suspect) {
    return common::v1::PARTY_OTHER_PARTY;
  }
  if (door == common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE &&
      !matched_suspect) {
    return common::v1::PARTY_OTHER_PARTY;
  }
  return common::v1::PARTY_UNSPECIFIED;
}

}  // namespace

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
}

absl::StatusOr<int> TriageRights::RectifyIn(
    store::Tx& tx, const Caller&, const common::v1::RectifyRequest& request,
    absl::Time now) {
  const std::string& reference = request.person().reference();
  int copies = 0;
  absl::StatusOr<std::vector<store::Row>> rows =
      tx.Query("SELECT sealed_event FROM triage_referrals WHERE reference = $1",
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
    copies = 1;
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
  }
  return copies;
}

// By reference: the referral's subject. By name and date of birth: the
// referrals whose subject has that blind index, and those naming the
// person as the other party in suspect_links (adult doors, other party's
// date of birth known).
absl::StatusOr<common::v1::FindPersonResponse> TriageRights::FindIn(
    store::Tx& tx, const common::v1::FindPersonRequest& request, absl::Time) {
  common::v1::FindPersonResponse out;
  out.set_service(service());
  struct Match {
    int64_t received_at_us;
    std::string reference;
    common::v1::Party party;
    common::v1::FrontDoor door;
    bool operator<(const Match& o) const {
      return std::tie(received_at_us, reference, party) <
             std::tie(o.received_at_us, o.reference, o.party);
    }
  };
  std::set<Match> matches;
  if (request.has_name_and_birth()) {
    out.set_searched_by_name(true);
    const common::v1::NameAndBirth& who = request.name_and_birth();
    const std::string index = keys().BlindIndex(
        identity::PersonKey(who.name(), &who.date_of_birth()));
    absl::StatusOr<std::vector<store::Row>> subjects = tx.Query(
        "SELECT reference, front_door, received_at_us FROM triage_referrals "
        "WHERE subject_index = $1",
        {index});
    if (!subjects.ok()) return subjects.status();
    for (const store::Row& row : *subjects) {
      matches.insert({row.Int(2), row.Text(0), common::v1::PARTY_SUBJECT,
                      static_cast<common::v1::FrontDoor>(row.Int(1))});
    }
    absl::StatusOr<std::vector<store::Row>> links = tx.Query(
        "SELECT t.reference, t.front_door, t.received_at_us, "
        "CASE WHEN l.suspect_index = $1 THEN 1 ELSE 0 END FROM suspect_links l "
        "JOIN triage_referrals t ON t.reference = l.reference "
        "WHERE l.suspect_index = $1 OR l.victim_index = $1",
        {index});
    if (!links.ok()) return links.status();
    for (const store::Row& row : *links) {
      const auto door = static_cast<common::v1::FrontDoor>(row.Int(1));
      const common::v1::Party party = OtherPartyMatch(door, row.Int(3) != 0);
      if (party == common::v1::PARTY_UNSPECIFIED) continue;
      matches.insert({row.Int(2), row.Text(0), party, door});
    }
  } else {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
        "SELECT reference, front_door, received_at_us FROM triage_referrals "
        "WHERE reference = $1",
        {request.reference()});
    if (!rows.ok()) return rows.status();
    for (const store::Row& row : *rows) {
      matches.insert({row.Int(2), row.Text(0), common::v1::PARTY_SUBJECT,
                      static_cast<common::v1::FrontDoor>(row.Int(1))});
    }
  }
  for (const Match& m : matches) {
    absl::StatusOr<common::v1::RightsState> state = StateIn(tx, m.reference);
    if (!state.ok()) return state.status();
    *out.add_referrals() = rights::Found(m.reference, m.party, m.door,
                                         m.received_at_us, *std::move(state));
  }
  return out;
}

// The referral as intake handed it over, each decision and the assessment
// it was made on, and triage's history of it. An erased referral's
// decisions keep their codes (risk level, tier, rules) from their columns.
absl::StatusOr<common::v1::ExportSubjectResponse> TriageRights::ExportFrom(
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
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT sealed_event, front_door, recorded_at_us FROM triage_referrals "
      "WHERE reference = $1",
      {reference});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return out;
  const auto door = static_cast<common::v1::FrontDoor>((*rows)[0].Int(1));
  intake::v1::ReferralReceived event;
  bool erased = state->has_erased_at();
  if (!erased) {
    absl::StatusOr<std::string> plain =
        rights::OpenSealed(tx, keys(), (*rows)[0].Text(0), reference);
    if (!plain.ok() && !rights::IsErasedOpen(plain.status())) {
      return absl::DataLossError("the sealed referral did not open");
    }
    erased = !plain.ok();
    if (plain.ok() && !event.ParseFromString(*plain)) {
      return absl::DataLossError("the sealed referral does not parse");
    }
  }
  if (!erased) {
    if (absl::Status s = rights::CheckChild(request.person(), event.referral());
        !s.ok()) {
      return s;
    }
  }
  const rights::Context context =
      rights::ContextFor(request, event.referral(), door);
  const absl::Time recorded_at = absl::FromUnixMicros((*rows)[0].Int(2));
  // The referral: the event's referral only (its blind indexes are not
  // the person's data to read, and name other people).
  {
    common::v1::Referral nothing;
    rights::Redacted<common::v1::Referral> shown;
    std::vector<rights::Part> parts;
    if (erased) {
      parts.push_back(
          {"referral", &nothing, {rights::ErasedAt("referral")}, false});
    } else {
      shown = rights::RedactReferral(context, event.referral(), "referral.");
      parts.push_back(
          {"referral", &shown.record, shown.redactions, shown.needs_review});
    }
    absl::StatusOr<common::v1::ExportedRecord> record = rights::MakeRecord(
        rights::kKindReferral, reference, recorded_at, parts);
    if (!record.ok()) return record.status();
    *out.add_records() = *std::move(record);
  }
  absl::StatusOr<std::vector<store::Row>> decisions = tx.Query(
      "SELECT number, decided_at_us, decided_by, risk_level, tier, "
      "auto_triaged, rules_version, sealed_decision, sealed_assessment "
      "FROM triage_decisions WHERE reference = $1 ORDER BY number",
      {reference});
  if (!decisions.ok()) return decisions.status();
  for (const store::Row& row : *decisions) {
    const std::string id = absl::StrCat(reference, ":", row.Int(0));
    const absl::Time decided_at = absl::FromUnixMicros(row.Int(1));
    triage::v1::Decision decision;
    bool open = false;
    if (!erased) {
      absl::StatusOr<std::string> plain =
          rights::OpenSealed(tx, keys(), row.Text(7), id);
      if (!plain.ok() && !rights::IsErasedOpen(plain.status())) {
        return absl::DataLossError("a sealed decision did not open");
      }
      open = plain.ok() && decision.ParseFromString(*plain);
      if (plain.ok() && !open) {
        return absl::DataLossError("a sealed decision does not parse");
      }
    }
    if (!open) {
      // Codes only, from the columns.
      decision.set_reference(reference);
      decision.set_front_door(door);
      decision.set_risk_level(static_cast<common::v1::RiskLevel>(row.Int(3)));
      decision.set_tier(static_cast<int32_t>(row.Int(4)));
      decision.set_auto_triaged(row.Int(5) != 0);
      decision.set_rules_version(row.Text(6));
      decision.set_decided_by(row.Text(2));
      *decision.mutable_decided_at() =
          TimeUtil::MicrosecondsToTimestamp(row.Int(1));
    }
    rights::Redacted<triage::v1::Decision> shown =
        rights::RedactDecision(context, std::move(decision));
    if (!open) shown.redactions.push_back(rights::ErasedAt("decision"));
    absl::StatusOr<common::v1::ExportedRecord> record =
        rights::MakeRecord(rights::kKindDecision, id, decided_at, shown);
    if (!record.ok()) return record.status();
    *out.add_records() = *std::move(record);
    if (row.IsNull(8)) continue;
    // The assessment the decision was made on.
    triage::v1::SubmitAssessmentRequest assessment;
    assessment.set_reference(reference);
    bool assessed = false;
    if (!erased) {
      absl::StatusOr<std::string> plain = rights::OpenSealed(
          tx, keys(), row.Text(8), absl::StrCat(id, ":assessment"));
      if (!plain.ok() && !rights::IsErasedOpen(plain.status())) {
        return absl::DataLossError("a sealed assessment did not open");
      }
      assessed = plain.ok() && assessment.ParseFromString(*plain);
    }
    rights::Redacted<triage::v1::SubmitAssessmentRequest> shown_assessment =
        rights::RedactAssessment(context, std::move(assessment));
    if (!assessed) {
      shown_assessment.redactions.push_back(rights::ErasedAt("assessment"));
    }
    absl::StatusOr<common::v1::ExportedRecord> a = rights::MakeRecord(
        rights::kKindAssessment, id, decided_at, shown_assessment);
    if (!a.ok()) return a.status();
    *out.add_records() = *std::move(a);
  }
  absl::StatusOr<std::optional<common::v1::ExportedRecord>> history =
      rights::HistoryRecord(tx, service(), reference, context);
  if (!history.ok()) return history.status();
  if (*history) *out.add_records() = **std::move(history);
  rights::OldestFirst(out);
  return out;
}

}  // namespace frontdoor::triage
