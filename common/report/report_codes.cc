#include "common/report/report_codes.h"

#include "common/logging/logging.h"

namespace frontdoor::report {

std::string ReferralSource(const common::v1::Referral& referral,
                           const config::v1::Agency* referring_agency) {
  if (referral.referrer().self_referral()) return kSourceSelf;
  if (referring_agency == nullptr ||
      referring_agency->sector() == config::v1::SECTOR_UNSPECIFIED ||
      !config::v1::Sector_IsValid(referring_agency->sector())) {
    return kCodeOther;
  }
  return EnumLabel(config::v1::Sector_Name(referring_agency->sector()),
                   "SECTOR_");
}

std::string ServiceCode(int64_t front_door) {
  if (front_door == common::v1::FRONT_DOOR_UNSPECIFIED ||
      !common::v1::FrontDoor_IsValid(static_cast<int>(front_door))) {
    return kServiceNone;
  }
  return EnumLabel(common::v1::FrontDoor_Name(
                       static_cast<common::v1::FrontDoor>(front_door)),
                   "FRONT_DOOR_");
}

std::string SideCode(int64_t side) {
  if (side == common::v1::SIDE_UNSPECIFIED ||
      !common::v1::Side_IsValid(static_cast<int>(side))) {
    return kCodeUnknown;
  }
  return EnumLabel(common::v1::Side_Name(static_cast<common::v1::Side>(side)),
                   "SIDE_");
}

std::string ChannelCode(int64_t channel) {
  if (channel == common::v1::CHANNEL_UNSPECIFIED ||
      !common::v1::Channel_IsValid(static_cast<int>(channel))) {
    return kCodeOther;
  }
  return EnumLabel(
      common::v1::Channel_Name(static_cast<common::v1::Channel>(channel)),
      "CHANNEL_");
}

std::string RiskCode(int64_t risk_level) {
  if (risk_level == common::v1::RISK_LEVEL_UNSPECIFIED ||
      !common::v1::RiskLevel_IsValid(static_cast<int>(risk_level))) {
    return kCodeUnknown;
  }
  return EnumLabel(common::v1::RiskLevel_Name(
                       static_cast<common::v1::RiskLevel>(risk_level)),
                   "RISK_LEVEL_");
}

}  // namespace frontdoor::report
