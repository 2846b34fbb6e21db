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
  // When this person (by blind index) was last referred to MARAC, if ever,
  // before this referral.
  std::optional<absl::Time> last_marac_referral_at;
};

// Decides an adult's referral from a complete DASH. INVALID_ARGUMENT, with a
// violation per problem under `field` (for example
// "assessment.dash.answers"), when the question set is unknown, a question
// is out of range, answered twice or not answered, or an answer is not yes,
// no or don't know. Fills side, risk_level, marac, tier, score, recipients
// and rules_version of the decision.
absl::StatusOr<v1::Decision> AssessAdult(const common::v1::RiskAssessment& dash,
                                         const CaseFacts& facts,
                                         const Rules& rules,
                                         absl::string_view field);

// Decides a child's referral from a complete children's assessment. Errors
// as AssessAdult, plus an unknown rules version, an unknown indicator or one
// that does not apply at the child's age, an applicable indicator not
// answered, and the young people's checklist missing for ages it is for (or
// given outside them). Fills side, risk_level, marac, tier, score,
// child_severity, recipients and rules_version.
absl::StatusOr<v1::Decision> AssessChild(const v1::ChildAssessment& child,
                                         const CaseFacts& facts,
                                         const Rules& rules,
                                         absl::string_view field);

// A practitioner's tier override: records the tier risk gave and the reason.
// INVALID_ARGUMENT under `field` when the tier is not 1 to 4 or the reason
// is empty.
absl::Status ApplyTierOverride(const v1::TierOverride& override_tier,
                               absl::string_view field, v1::Decision* decision);

// Risk as far as it is known before a complete assessment, for ordering the
// queue: HIGH for a repeat within the MARAC window, call-outs at the
// escalation threshold or a professional-judgement reason; otherwise the
// band of the "yes" answers given so far; STANDARD when nothing is known.
common::v1::RiskLevel ProvisionalRisk(const common::v1::Referral& referral,
                                      const CaseFacts& facts,
                                      const Rules& rules);

// True when `last_marac` falls within the repeat window before
// `received_at` (the window's first moment included).
bool IsMaracRepeat(std::optional<absl::Time> last_marac,
                   absl::Time received_at, const Rules& rules);

}  // namespace frontdoor::triage
