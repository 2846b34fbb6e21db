#pragma once

// The triage decision rules, as pure functions over the rules file: DASH for
// adults (score, the four MARAC flags, band, tier) and the children's
// front-door assessment (severity with the age and special-needs raises,
// side, tier, who must be told). No storage, no gRPC.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "frontdoor/common/v1/referral.pb.h"
#include "frontdoor/triage/v1/triage.pb.h"
#include "triage-svc/rules.h"

namespace frontdoor::triage {

// What the rules need to know about the referral besides the answers.
struct CaseFacts {
  common::v1::FrontDoor front_door = common::v1::FRONT_DOOR_UNSPECIFIED;
  // The subject's age in whole years when intake received the referral.
  int age = 0;
  // When intake received the referral: the incident date the repeat window
  // is measured from.
  absl::Time received_at = absl::InfinitePast();
  // When this person was last referred to MARAC before this referral, if
  // ever: the later of this service's own record (by blind index) and the
  // date the referral reports (RiskAssessment.previous_marac_referral_date).
  std::optional<absl::Time> last_marac_referral_at;
  // Children in the subject's household, as the referral lists them.
  int children_in_household = 0;
};

// The two adult front doors (victim, behaviour change).
bool IsAdultDoor(common::v1::FrontDoor door);

// The moment a reported previous MARAC referral counts from: the last
// moment of its date (UTC; a date does not say when in the day, so the whole
// day is within a window that reaches it), never after `received_at`;
// nullopt when the assessment reports none.
std::optional<absl::Time> ReportedMaracReferral(
    const common::v1::RiskAssessment& assessment, absl::Time received_at);

// The later of two optional moments.
std::optional<absl::Time> Latest(std::optional<absl::Time> a,
                                 std::optional<absl::Time> b);

// Who must be told of a decision, beyond the referrer: the one place this
// is decided (notify-svc tells exactly these). Adults: MARAC when high
// risk, and the IDVA service for a high-risk victim. Children: MARAC when
// high risk at the rules' MARAC ages, the CYP practitioners and YPVA
// service (never the adult IDVA) for a high-risk child on the victim side,
// MACE on an exploitation indicator. Children's social care for every child
// referral and every referral with children in the household.
v1::Recipients WhoIsTold(const v1::Decision& decision, const CaseFacts& facts,
                         const Rules& rules, bool exploitation);

// Decides an adult's referral from a complete DASH. INVALID_ARGUMENT, with a
// violation per problem under `field` (for example
// "assessment.dash.answers"), when the question set is unknown, a question
// is out of range, answered twice or not answered, an answer is not yes,
// no or don't know, or professional judgement is asserted without a reason.
// The MARAC flags: visible high risk (score at the threshold), professional
// judgement (only when asserted; a reason alone sets nothing), potential
// escalation (police call-outs), repeat (the later of facts' last MARAC
// referral and the date this assessment reports, within the window). Fills
// side, risk_level, marac, tier, score, recipients and rules_version.
absl::StatusOr<v1::Decision> AssessAdult(const common::v1::RiskAssessment& dash,
                                         const CaseFacts& facts,
                                         const Rules& rules,
                                         absl::string_view field);

// Decides a child's referral from a complete children's assessment. Errors
// as AssessAdult, plus an unknown rules version, an unknown indicator or one
// that does not apply at the child's age, an applicable indicator not
// answered, and the young people's checklist missing for ages it is for (or
// given outside them). The side is the one the most severe "yes" points to
// (victim on a tie). On the victim side the level is the most severe "yes",
// raised for a young child and for special needs; on the behaviour change
// side it is the most severe harm the child causes (raised only when the
// rules say so). Fills side, risk_level, marac, tier, score,
// child_severity, recipients and rules_version.
absl::StatusOr<v1::Decision> AssessChild(const v1::ChildAssessment& child,
                                         const CaseFacts& facts,
                                         const Rules& rules,
                                         absl::string_view field);

// What the children's assessment of a child aged `age` asks under `rules`:
// the rules version, the indicators that apply at that age (in the rules'
// order), the young people's checklist when the age is within its ages, and
// whether special needs raise the level. AssessChild accepts exactly these.
v1::ChildAssessmentForm ChildFormFor(int age, const Rules& rules);

// A practitioner's tier override: records the tier risk gave and the reason.
// INVALID_ARGUMENT under `field` when the tier is not 1 to 4 or the reason
// is empty.
absl::Status ApplyTierOverride(const v1::TierOverride& override_tier,
                               absl::string_view field, v1::Decision* decision);

// Risk as far as it is known before a complete assessment, for ordering the
// queue: HIGH for a repeat within the MARAC window, call-outs at the
// escalation threshold or asserted professional judgement; otherwise the
// band of the "yes" answers given so far (a young people's checklist at its
// high-risk threshold is HIGH); STANDARD when nothing is known.
common::v1::RiskLevel ProvisionalRisk(const common::v1::Referral& referral,
                                      const CaseFacts& facts,
                                      const Rules& rules);

// True when `last_marac` falls within the repeat window before
// `received_at` (the window's first moment included).
bool IsMaracRepeat(std::optional<absl::Time> last_marac,
                   absl::Time received_at, const Rules& rules);

}  // namespace frontdoor::triage
