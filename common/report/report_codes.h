#pragma once

// The codes report figures are broken down by, one spelling for every
// service's Report method (frontdoor/common/v1/report.proto): where a
// referral came from, which service it went to, the side, the channel and
// the risk level, each as a lower-case code ("adult_victim", "police").

#include <string>

#include "frontdoor/common/v1/referral.pb.h"
#include "frontdoor/common/v1/risk.pb.h"
#include "frontdoor/config/v1/config.pb.h"

namespace frontdoor::report {

// Dimension names shared by the services' measures.
inline constexpr char kDimensionDistrict[] = "district";
inline constexpr char kDimensionService[] = "service";
inline constexpr char kDimensionSide[] = "side";
inline constexpr char kDimensionSource[] = "source";
inline constexpr char kDimensionChannel[] = "channel";
inline constexpr char kDimensionRisk[] = "risk";
inline constexpr char kDimensionTier[] = "tier";

// A self-referral's source.
inline constexpr char kSourceSelf[] = "self";
// An agency naming no sector, or unknown to the registry; also the code
// of a channel, side or risk outside the enums this build knows.
inline constexpr char kCodeOther[] = "other";
// A value a row stored before it was recorded for reports.
inline constexpr char kCodeUnknown[] = "unknown";
// The service of a referral routed to no front door (returned).
inline constexpr char kServiceNone[] = "none";

// "self" for a self-referral, otherwise the referring agency's sector
// ("police", "health", "social_care", "probation", "education",
// "housing", "specialist_service"), "other" when the agency names none
// or is unknown (nullptr).
std::string ReferralSource(const common::v1::Referral& referral,
                           const config::v1::Agency* referring_agency);

// "adult_victim", "adult_behaviour_change", "children"; "none" for
// FRONT_DOOR_UNSPECIFIED or a value this build does not know.
std::string ServiceCode(int64_t front_door);
// "victim", "behaviour_change"; "unknown" when unspecified.
std::string SideCode(int64_t side);
// "partner_api", "secure_email", "web_form", "phone", "live_chat";
// "other" otherwise.
std::string ChannelCode(int64_t channel);
// "standard", "medium", "high"; "unknown" when unspecified.
std::string RiskCode(int64_t risk_level);

}  // namespace frontdoor::report
