#include <gtest/gtest.h>

#include "intake-svc/routing.h"

namespace frontdoor::intake {
namespace {

using common::v1::FrontDoor;
using common::v1::RequestedService;
using intake::v1::ReferralStatus;

struct RouteCase {
  RequestedService requested;
  int age;
  ReferralStatus status;
  FrontDoor door;
  const char* reason;  // expected return reason code, or ""
};

class RouteTest : public ::testing::TestWithParam<RouteCase> {};

TEST_P(RouteTest, RoutesToExactlyOneDoorOrReturns) {
  const RouteCase& c = GetParam();
  Routing r = Route(c.requested, c.age);
  EXPECT_EQ(r.status, c.status);
  EXPECT_EQ(r.front_door, c.door);
  if (*c.reason) {
    ASSERT_EQ(r.return_reasons.size(), 1u);
    EXPECT_EQ(r.return_reasons[0].code(), c.reason);
    EXPECT_FALSE(r.return_reasons[0].message().empty());
  } else {
    EXPECT_TRUE(r.return_reasons.empty());
  }
}

constexpr auto kVictim = common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT;
constexpr auto kChange = common::v1::REQUESTED_SERVICE_BEHAVIOUR_CHANGE;
constexpr auto kChildren = common::v1::REQUESTED_SERVICE_CHILDRENS_FRONT_DOOR;
constexpr auto kAccepted = intake::v1::REFERRAL_STATUS_ACCEPTED;
constexpr auto kReturned = intake::v1::REFERRAL_STATUS_RETURNED;

INSTANTIATE_TEST_SUITE_P(
    AgeEdges, RouteTest,
    ::testing::Values(
        RouteCase{kVictim, 18, kAccepted, common::v1::FRONT_DOOR_ADULT_VICTIM,
                  ""},
        RouteCase{kVictim, 17, kAccepted, common::v1::FRONT_DOOR_CHILDREN, ""},
        RouteCase{kVictim, 0, kAccepted, common::v1::FRONT_DOOR_CHILDREN, ""},
        RouteCase{kChange, 18, kAccepted,
                  common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE, ""},
        RouteCase{kChange, 17, kReturned, common::v1::FRONT_DOOR_UNSPECIFIED,
                  kReturnChildToBehaviourChange},
        RouteCase{kChange, 12, kReturned, common::v1::FRONT_DOOR_UNSPECIFIED,
                  kReturnChildToBehaviourChange},
        RouteCase{kChildren, 17, kAccepted, common::v1::FRONT_DOOR_CHILDREN,
                  ""},
        RouteCase{kChildren, 18, kReturned, common::v1::FRONT_DOOR_UNSPECIFIED,
                  kReturnAdultToChildrensFrontDoor}));

TEST(AgeOnTest, CountsWholeYearsWithBirthdayEdges) {
  google::type::Date dob;
  dob.set_year(2008);
  dob.set_month(11);
  dob.set_day(23);
  EXPECT_EQ(AgeOn(dob, absl::CivilDay(2026, 11, 22)), 17);
  EXPECT_EQ(AgeOn(dob, absl::CivilDay(2026, 11, 23)), 18);
  dob.set_year(2004);
  dob.set_month(2);
  dob.set_day(29);
  EXPECT_EQ(AgeOn(dob, absl::CivilDay(2022, 2, 28)), 17);
  EXPECT_EQ(AgeOn(dob, absl::CivilDay(2022, 3, 1)), 18);
}

}  // namespace
}  // namespace frontdoor::intake
