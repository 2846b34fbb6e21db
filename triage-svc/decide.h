#pragma once

// The decide step of triage's writes, as pure functions: TriageCore loads
// what they need in the transaction (the recorded referral, CaseFacts),
// calls these, and saves what they return (state, outbox events, audit
// entry) in the same transaction. No storage, no gRPC, no clock: the time
// is an argument.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/tls/caller.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "frontdoor/triage/v1/events.pb.h"
#include "frontdoor/triage/v1/triage.pb.h"
#include "triage-svc/assess.h"
#include "triage-svc/rules.h"

namespace frontdoor::triage {

// Outbox topics of TriageDecided events, one per receiving service.
inline constexpr char kDecidedForAllocationTopic[] = "allocation.triage_decided";
inline constexpr char kDecidedForNotifyTopic[] = "notify.triage_decided";
// decided_by of automatic decisions.
inline constexpr char kAutoTriageActor[] = "triage-svc";
// Audit reason codes (common/audit/README.md).
// triage.record: decided at once from the referral's complete DASH...
inline constexpr char kReasonAutoTriage[] = "auto_triage";
// triage.record's reason, and the queue's waiting reason, of a referral
// whose processing was restricted when it arrived: queued, not decided
// automatically (a practitioner decides once the restriction is lifted).
inline constexpr char kReasonRestricted[] = "restricted";
inline constexpr char kWaitingRestricted[] =
    "processing restricted (a data subject's right): waits until the "
    "data-protection officer lifts the restriction";
// ...or queued for a practitioner: no assessment attached (adults),
inline constexpr char kReasonNoAssessmentAttached[] = "no_assessment_attached";
// the children's front-door assessment is needed (children),
inline constexpr char kReasonChildrensAssessmentNeeded[] =
    "childrens_assessment_needed";
// or the attached DASH is incomplete or not valid.
inline constexpr char kReasonAttachedAssessmentIncomplete[] =
    "attached_assessment_incomplete";
// triage.decide: from the DASH attached to the referral, or a
// practitioner's assessment.
inline constexpr char kReasonCompleteDashAttached[] = "complete_dash_attached";
inline constexpr char kReasonPractitionerAssessment[] =
    "practitioner_assessment";
// ...or a team leader's override of a decided referral's tier
// (OverrideDecision).
inline constexpr char kReasonTierOverride[] = "tier_override";

// How a referral handed over by intake is recorded.
struct Recording {
  // Set (auto_triaged) when the attached DASH decides it at once.
  std::optional<v1::Decision> decision;
  // triage.record's audit reason code.
  std::string reason_code;
  // Why it waits, shown in the queue; empty when decided at once.
  std::string waiting_reason;
  // Its place in the queue: the decision's risk, or ProvisionalRisk.
  common::v1::RiskLevel provisional_risk = common::v1::RISK_LEVEL_UNSPECIFIED;
};

// Adults with a complete DASH are decided at once; adults without one, or
// with one that is incomplete or not valid (the first violation named in
// the waiting reason), and every child wait for a practitioner.
Recording DecideRecording(const common::v1::Referral& referral,
                          const CaseFacts& facts, const Rules& rules);

// A practitioner's assessment of a recorded referral, decided.
struct Assessed {
  v1::Decision decision;
  // The form it was made on, for the audit details: the DASH's
  // form_version, or the children's assessment's rules_version.
  std::string form;
};

// FAILED_PRECONDITION when the form does not fit the referral's door (a
// DASH for a child, a children's assessment for an adult); otherwise the
// errors of AssessAdult, AssessChild and ApplyTierOverride. A young
// people's DASH attached at intake stands for the children's checklist
// unless the practitioner answers it afresh (at the checklist's ages).
absl::StatusOr<Assessed> DecideAssessment(
    const v1::SubmitAssessmentRequest& request,
    const common::v1::Referral& referral, const CaseFacts& facts,
    const Rules& rules);

// A team leader's override of a decided referral: the assessment its
// latest decision was made on (`assessed_on`: reference and assessment, as
// kept with that decision, or the referral's own DASH for an automatic
// one), decided again with `override_tier` exactly as DecideAssessment
// decides a SubmitAssessmentRequest carrying both. INVALID_ARGUMENT under
// "tier_override" when it is missing, "tier_override.tier" or
// "tier_override.reason" when it is not valid; otherwise DecideAssessment's
// errors. The result's form is that of the assessment.
absl::StatusOr<Assessed> DecideOverride(
    const v1::SubmitAssessmentRequest& assessed_on,
    const v1::TierOverride* override_tier,
    const common::v1::Referral& referral, const CaseFacts& facts,
    const Rules& rules);

// The assessment an automatic decision was made on: the DASH the referral
// came with, as a practitioner would have submitted it.
v1::SubmitAssessmentRequest AttachedAssessment(
    const intake::v1::ReferralReceived& recorded);

// One event for the outbox.
struct OutgoingDecided {
  std::string topic;
  v1::TriageDecided event;
};

// A decision as it is saved: the referral's next decision, stamped, with
// its events and its audit entry.
struct DecisionWrite {
  // 1 for the referral's first decision.
  int64_t number = 0;
  // reference, decided_by (kAutoTriageActor when automatic) and decided_at
  // set.
  v1::Decision decision;
  // For allocation-svc, then notify-svc.
  std::vector<OutgoingDecided> events;
  // Who the audit entry names: triage-svc for an automatic decision,
  // otherwise the practitioner's agency, name and console staff role.
  Caller decider;
  // triage.decide's reason code and non-personal details.
  std::string audit_reason;
  std::string audit_details;
  // The assessment a practitioner's decision (or an override) was made on,
  // without any override, kept sealed with the decision so that a later
  // override re-decides on it; unset for automatic decisions.
  std::optional<v1::SubmitAssessmentRequest> assessment;
};

// Stamps `decision` as decision number `decisions_before + 1` of the
// referral `recorded` describes, made by `by` at `now` on `form`.
DecisionWrite DecideWrite(const intake::v1::ReferralReceived& recorded,
                          int64_t decisions_before, v1::Decision decision,
                          const Caller& by, absl::string_view form,
                          absl::Time now);

}  // namespace frontdoor::triage
