#include "triage-svc/decide.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/logging/logging.h"
#include "common/status/errors.h"
#include "google/protobuf/util/time_util.h"

namespace frontdoor::triage {
namespace {

using google::protobuf::util::TimeUtil;

// The referral carries the young people's DASH (the children's checklist).
bool HasYoungPeoplesChecklist(const common::v1::Referral& referral,
                              const Rules& rules) {
  return referral.has_risk_assessment() &&
         referral.risk_assessment().form_version() ==
             rules.child().young_people_checklist().version();
}

std::string MaracKinds(const common::v1::MaracFlags& m) {
  std::vector<std::string> kinds;
  if (m.visible_high_risk()) kinds.push_back("\"visible_high_risk\"");
  if (m.professional_judgement()) kinds.push_back("\"professional_judgement\"");
  if (m.potential_escalation()) kinds.push_back("\"potential_escalation\"");
  if (m.repeat()) kinds.push_back("\"repeat\"");
  return absl::StrCat("[", absl::StrJoin(kinds, ","), "]");
}

// Non-personal summary of a decision's inputs and result, for the audit
// trail's details.
std::string AuditDetails(const v1::Decision& d, absl::string_view form) {
  return absl::StrCat(
      "{\"form\":\"", form, "\",\"score\":", d.score(), ",\"risk_level\":\"",
      EnumLabel(common::v1::RiskLevel_Name(d.risk_level()), "RISK_LEVEL_"),
      "\",\"tier\":", d.tier(), ",\"tier_overridden\":",
      d.tier_override_reason().empty() ? "false" : "true",
      ",\"marac\":", MaracKinds(d.marac()), ",\"rules_version\":\"",
      d.rules_version(), "\",\"auto\":", d.auto_triaged() ? "true" : "false",
      "}");
}

}  // namespace

Recording DecideRecording(const common::v1::Referral& referral,
                          const CaseFacts& facts, const Rules& rules) {
  Recording r;
  r.reason_code = kReasonAutoTriage;
  if (!IsAdultDoor(facts.front_door)) {
    r.reason_code = kReasonChildrensAssessmentNeeded;
    r.waiting_reason = HasYoungPeoplesChecklist(referral, rules)
                           ? "children's front-door assessment needed (young "
                             "people's DASH attached)"
                           : "children's front-door assessment needed";
  } else if (!referral.has_risk_assessment()) {
    r.reason_code = kReasonNoAssessmentAttached;
    r.waiting_reason = "no risk assessment attached";
  } else {
    absl::StatusOr<v1::Decision> d =
        AssessAdult(referral.risk_assessment(), facts, rules, "dash");
    if (d.ok()) {
      d->set_auto_triaged(true);
      r.decision = *std::move(d);
    } else {
      r.reason_code = kReasonAttachedAssessmentIncomplete;
      const auto violations = GetFieldViolations(d.status());
      r.waiting_reason = absl::StrCat(
          "attached DASH incomplete or not valid: ",
          violations.empty() ? std::string(d.status().message())
                             : absl::StrCat(violations[0].field, " ",
                                            violations[0].description));
    }
  }
  r.provisional_risk = r.decision.has_value()
                           ? r.decision->risk_level()
                           : ProvisionalRisk(referral, facts, rules);
  return r;
}

absl::StatusOr<Assessed> DecideAssessment(
    const v1::SubmitAssessmentRequest& request,
    const common::v1::Referral& referral, const CaseFacts& facts,
    const Rules& rules) {
  const bool adult = IsAdultDoor(facts.front_door);
  absl::StatusOr<v1::Decision> d;
  Assessed out;
  if (request.has_dash()) {
    if (!adult) {
      return absl::FailedPreconditionError(
          "the referral is for the children's front door: submit the "
          "children's assessment (child), not a DASH");
    }
    d = AssessAdult(request.dash(), facts, rules, "dash");
    out.form = request.dash().form_version();
  } else {
    if (adult) {
      return absl::FailedPreconditionError(
          "the referral is for an adult front door: submit a DASH "
          "(dash), not the children's assessment");
    }
    v1::ChildAssessment child = request.child();
    // The young people's DASH attached at intake stands unless the
    // practitioner answers the checklist afresh.
    if (child.young_people_checklist().empty() &&
        HasYoungPeoplesChecklist(referral, rules) &&
        facts.age >= rules.child().checklist_min_age() &&
        facts.age <= rules.child().checklist_max_age()) {
      *child.mutable_young_people_checklist() =
          referral.risk_assessment().answers();
    }
    d = AssessChild(child, facts, rules, "child");
    out.form = request.child().rules_version();
  }
  if (!d.ok()) return d.status();
  if (request.has_tier_override()) {
    absl::Status o =
        ApplyTierOverride(request.tier_override(), "tier_override", &*d);
    if (!o.ok()) return o;
  }
  out.decision = *std::move(d);
  return out;
}

absl::StatusOr<Assessed> DecideOverride(
    const v1::SubmitAssessmentRequest& assessed_on,
    const v1::TierOverride* override_tier,
    const common::v1::Referral& referral, const CaseFacts& facts,
    const Rules& rules) {
  if (override_tier == nullptr) {
    return InvalidArgumentWithViolations(
        "the request is not valid",
        {{"tier_override", "the tier and the reason are required"}});
  }
  v1::SubmitAssessmentRequest request = assessed_on;
  *request.mutable_tier_override() = *override_tier;
  return DecideAssessment(request, referral, facts, rules);
}

v1::SubmitAssessmentRequest AttachedAssessment(
    const intake::v1::ReferralReceived& recorded) {
  v1::SubmitAssessmentRequest request;
  request.set_reference(recorded.receipt().reference());
  *request.mutable_dash() = recorded.referral().risk_assessment();
  return request;
}

DecisionWrite DecideWrite(const intake::v1::ReferralReceived& recorded,
                          int64_t decisions_before, v1::Decision decision,
                          const Caller& by, absl::string_view form,
                          absl::Time now) {
  DecisionWrite w;
  const std::string& reference = recorded.receipt().reference();
  w.number = decisions_before + 1;
  decision.set_reference(reference);
  decision.set_decided_by(decision.auto_triaged() ? kAutoTriageActor
                                                  : by.actor);
  *decision.mutable_decided_at() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));

  v1::TriageDecided event;
  *event.mutable_decision() = decision;
  event.set_agency_id(recorded.agency_id());
  event.set_subject_index(recorded.subject_index());
  *event.mutable_referral() = recorded.referral();
  *event.mutable_received_at() = recorded.receipt().received_at();
  event.set_decision_number(static_cast<int32_t>(w.number));
  event.set_district(recorded.receipt().district());
  for (const auto& [topic, receiver] :
       {std::pair{kDecidedForAllocationTopic, "allocation"},
        std::pair{kDecidedForNotifyTopic, "notify"}}) {
    event.set_event_id(
        absl::StrCat(reference, ":decision:", w.number, ":", receiver));
    w.events.push_back({topic, event});
  }

  w.decider.agency_id =
      decision.auto_triaged() ? kAutoTriageActor : by.agency_id;
  w.decider.actor = decision.decided_by();
  // Console staff are audited as "<id> as <staff role>" (audit::ActorOf).
  if (!decision.auto_triaged()) w.decider.staff_role = by.staff_role;
  w.audit_reason = decision.auto_triaged() ? kReasonCompleteDashAttached
                                           : kReasonPractitionerAssessment;
  w.audit_details = AuditDetails(decision, form);
  w.decision = std::move(decision);
  return w;
}

}  // namespace frontdoor::triage
