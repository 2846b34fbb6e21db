#pragma once

#include <vector>

#include "absl/time/civil_time.h"
#include "common/clock/age.h"
#include "frontdoor/common/v1/referral.pb.h"
#include "frontdoor/intake/v1/intake.pb.h"
#include "google/type/date.pb.h"

namespace frontdoor::intake {

// Oldest age of the children's neutral front door; 18 and over are adults.
inline constexpr int kOldestChildAge = 17;

// Return reason code for a child referred straight to behaviour change.
inline constexpr char kReturnChildToBehaviourChange[] =
    "CHILD_REFERRED_TO_BEHAVIOUR_CHANGE";
// Return reason code for an adult referred to the children's front door.
inline constexpr char kReturnAdultToChildrensFrontDoor[] =
    "ADULT_REFERRED_TO_CHILDRENS_FRONT_DOOR";

struct Routing {
  intake::v1::ReferralStatus status = intake::v1::REFERRAL_STATUS_UNSPECIFIED;
  common::v1::FrontDoor front_door = common::v1::FRONT_DOOR_UNSPECIFIED;
  std::vector<intake::v1::ReturnReason> return_reasons;
};

// Routes to exactly one front door, or returns the referral to the referrer
// when the request does not fit the subject's age: a child (17 or under)
// referred straight to behaviour change is returned, never silently
// re-routed; so is an adult referred to the children's front door.
Routing Route(common::v1::RequestedService requested, int age);

}  // namespace frontdoor::intake
