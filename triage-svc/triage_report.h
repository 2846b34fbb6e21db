#pragma once

// triage-svc's figures for reports (TriageService.Report): the referrals
// triage recorded whose receipt by intake falls in a period, each at its
// latest decision (or undecided): risk levels, MARAC referrals by flag,
// who was told, tiers, MATAC notifications, and repeat and serial
// perpetrators by blind index. Counts only. The latest decision of each
// referral is opened inside the service (its side, MARAC flags and
// recipients are sealed with it); nothing personal leaves.

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/crypto/key_ring.h"
#include "common/report/report_builder.h"
#include "common/store/store.h"

namespace frontdoor::triage {

// Measures and their dimensions (TriageService.Report in triage.proto).
// risk_levels: district, risk, service, side.
inline constexpr char kMeasureRiskLevels[] = "risk_levels";
// marac_referrals: district, flag (one count per flag of the decision).
inline constexpr char kMeasureMaracReferrals[] = "marac_referrals";
// referred_to_marac: district, service (a referral with any flag, once).
inline constexpr char kMeasureReferredToMarac[] = "referred_to_marac";
// notifications: district, recipient.
inline constexpr char kMeasureNotifications[] = "notifications";
// matac: district (serial-perpetrator notifications).
inline constexpr char kMeasureMatac[] = "matac";
// tiers: district, service, side, tier (decided referrals only).
inline constexpr char kMeasureTiers[] = "tiers";
// repeat_perpetrators: district.
inline constexpr char kMeasureRepeatPerpetrators[] = "repeat_perpetrators";
// serial_perpetrators: district (suspects, not referrals).
inline constexpr char kMeasureSerialPerpetrators[] = "serial_perpetrators";

// Dimension names of triage's own (the shared ones are in
// common/report/report_codes.h).
inline constexpr char kDimensionFlag[] = "flag";
inline constexpr char kDimensionRecipient[] = "recipient";

// The risk of a referral still waiting for its first decision.
inline constexpr char kRiskUndecided[] = "undecided";
// MARAC flags (common.v1.MaracFlags' fields).
inline constexpr char kFlagVisibleHighRisk[] = "visible_high_risk";
inline constexpr char kFlagProfessionalJudgement[] = "professional_judgement";
inline constexpr char kFlagPotentialEscalation[] = "potential_escalation";
inline constexpr char kFlagRepeat[] = "repeat";
// Recipients (triage.v1.Recipients' fields).
inline constexpr char kRecipientMarac[] = "marac";
inline constexpr char kRecipientIdva[] = "idva";
inline constexpr char kRecipientChildrensSocialCare[] =
    "childrens_social_care";
inline constexpr char kRecipientMace[] = "mace";
inline constexpr char kRecipientYpva[] = "ypva";

// A referral's suspect is a repeat perpetrator when another referral
// received in this many months before it named the same suspect.
inline constexpr int kRepeatPerpetratorWindowMonths = 12;

// Adds the figures of referrals received in [start, end) to `out`, opening
// each one's latest decision with `keys`. DATA_LOSS when a sealed decision
// does not open or parse.
absl::Status AddTriageFigures(store::Tx& tx, const crypto::KeyRing& keys,
                              absl::Time start, absl::Time end,
                              report::ReportBuilder& out);

}  // namespace frontdoor::triage
