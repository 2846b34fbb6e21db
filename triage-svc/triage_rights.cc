#include "triage-svc/triage_rights.h"

#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/identity/identity.h"
#include "common/rights/exporting.h"
#include "common/rights/redaction.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "frontdoor/triage/v1/triage.pb.h"
#include "google/protobuf/util/time_util.h"

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
        keys().Open((*rows)[0].Text(0), reference);
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
      absl::StatusOr<std::string> plain = keys().Open(row.Text(7), id);
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
      absl::StatusOr<std::string> plain =
          keys().Open(row.Text(8), absl::StrCat(id, ":assessment"));
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
