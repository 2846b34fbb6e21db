#include "intake-svc/routing.h"

namespace frontdoor::intake {

using common::v1::FrontDoor;
using common::v1::RequestedService;

Routing Route(RequestedService requested, int age) {
  Routing r;
  const bool child = age <= kOldestChildAge;
  r.status = intake::v1::REFERRAL_STATUS_ACCEPTED;
  switch (requested) {
    case common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT:
      r.front_door = child ? common::v1::FRONT_DOOR_CHILDREN
                           : common::v1::FRONT_DOOR_ADULT_VICTIM;
      return r;
    case common::v1::REQUESTED_SERVICE_CHILDRENS_FRONT_DOOR:
      if (child) {
        r.front_door = common::v1::FRONT_DOOR_CHILDREN;
        return r;
      }
      r.status = intake::v1::REFERRAL_STATUS_RETURNED;
      r.return_reasons.emplace_back();
      r.return_reasons.back().set_code(kReturnAdultToChildrensFrontDoor);
      r.return_reasons.back().set_message(
          "The subject is 18 or over. Refer adults to the adult victim "
          "service or the adult behaviour change service.");
      return r;
    case common::v1::REQUESTED_SERVICE_BEHAVIOUR_CHANGE:
      if (!child) {
        r.front_door = common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE;
        return r;
      }
      r.status = intake::v1::REFERRAL_STATUS_RETURNED;
      r.return_reasons.emplace_back();
      r.return_reasons.back().set_code(kReturnChildToBehaviourChange);
      r.return_reasons.back().set_message(
          "The subject is 17 or under. The behaviour change service takes "
          "adults only; refer children and young people, victim or harming, "
          "to the children's neutral front door.");
      return r;
    default:
      // Validation refuses any other value before routing.
      r.status = intake::v1::REFERRAL_STATUS_UNSPECIFIED;
      return r;
  }
}

}  // namespace frontdoor::intake
