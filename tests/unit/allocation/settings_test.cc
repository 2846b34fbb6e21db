#include "allocation-svc/settings.h"

#include <functional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "common/config/config.h"
#include "common/status/errors.h"

namespace frontdoor::allocation {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;

Catalogue ShippedCatalogue() {
  auto proto = config::LoadJsonFile<config::v1::Catalogue>(
      std::string(FRONTDOOR_SOURCE_DIR) + "/config/catalogue.json");
  EXPECT_TRUE(proto.ok()) << proto.status();
  auto c = Catalogue::FromProto(*proto);
  EXPECT_TRUE(c.ok()) << c.status();
  return *std::move(c);
}

config::v1::AllocationSettings ShippedProto() {
  auto proto = config::LoadJsonFile<config::v1::AllocationSettings>(
      std::string(FRONTDOOR_SOURCE_DIR) + "/config/allocation-settings.json");
  EXPECT_TRUE(proto.ok()) << proto.status();
  return proto.ok() ? *proto : config::v1::AllocationSettings();
}

absl::Time At(int y, int m, int d, int h) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, h, 0, 0),
                         absl::UTCTimeZone());
}

TEST(SettingsTest, ShippedSettingsAreValid) {
  const Catalogue catalogue = ShippedCatalogue();
  auto s = Settings::FromProto(ShippedProto(), catalogue);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->SeatsFor("imatter"), 12);
  EXPECT_EQ(s->SeatsFor("adult-acute-support"), 0);
  std::vector<std::string> idvas;
  for (const auto* p : s->PractitionersFor("adult-acute-support")) {
    idvas.push_back(p->id());
  }
  EXPECT_THAT(idvas, ElementsAre("idva-north-1", "idva-south-1", "idva-city-1"));
}

TEST(SettingsTest, FirstContactTargets) {
  const Catalogue catalogue = ShippedCatalogue();
  auto s = Settings::FromProto(ShippedProto(), catalogue);
  ASSERT_TRUE(s.ok());
  const absl::Time monday = At(2026, 11, 23, 10);
  const absl::Time friday = At(2026, 11, 27, 10);
  // IDVA: 2 working days, over a weekend from a Friday.
  EXPECT_EQ(s->FirstContactDue(monday, *catalogue.Find("adult-acute-support"),
                               false),
            At(2026, 11, 25, 10));
  EXPECT_EQ(s->FirstContactDue(friday, *catalogue.Find("adult-acute-support"),
                               true),
            At(2026, 12, 1, 10));
  // Self-referral 24 hours; agency referral 48 hours.
  EXPECT_EQ(s->FirstContactDue(monday, *catalogue.Find("imatter"), true),
            monday + absl::Hours(24));
  EXPECT_EQ(s->FirstContactDue(monday, *catalogue.Find("imatter"), false),
            monday + absl::Hours(48));
}

TEST(AddWorkingDaysTest, SkipsWeekendsKeepsTimeOfDay) {
  EXPECT_EQ(AddWorkingDays(At(2026, 11, 28, 9), 1), At(2026, 11, 30, 9));  // Sat
  EXPECT_EQ(AddWorkingDays(At(2026, 11, 26, 23), 2), At(2026, 11, 30, 23));
  EXPECT_EQ(AddWorkingDays(At(2026, 11, 23, 10) + absl::Milliseconds(5), 5),
            At(2026, 11, 30, 10) + absl::Milliseconds(5));
}

struct BrokenSettings {
  const char* name;
  std::function<void(config::v1::AllocationSettings&)> breakit;
  const char* field;
};

void PrintTo(const BrokenSettings& c, std::ostream* os) { *os << c.name; }

class BrokenSettingsTest : public ::testing::TestWithParam<BrokenSettings> {};

TEST_P(BrokenSettingsTest, NamesTheEntry) {
  config::v1::AllocationSettings proto = ShippedProto();
  GetParam().breakit(proto);
  auto s = Settings::FromProto(proto, ShippedCatalogue());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(GetFieldViolations(s.status()),
              Contains(Field(&FieldViolation::field, GetParam().field)))
      << s.status();
}

INSTANTIATE_TEST_SUITE_P(
    Entries, BrokenSettingsTest,
    ::testing::Values(
        BrokenSettings{"seats for an unknown programme",
                       [](auto& s) {
                         s.mutable_cohorts(0)->set_programme_id("nope");
                       },
                       "cohorts[0] \"nope\".programme_id"},
        BrokenSettings{"no seats",
                       [](auto& s) { s.mutable_cohorts(1)->set_seats(0); },
                       "cohorts[1] \"changing-direction\".seats"},
        BrokenSettings{"a programme left without capacity",
                       [](auto& s) { s.mutable_cohorts()->RemoveLast(); },
                       "cohorts"},
        BrokenSettings{"practitioner for an unknown programme",
                       [](auto& s) {
                         s.mutable_practitioners(0)->add_programmes("nope");
                       },
                       "practitioners[0] \"idva-north-1\".programmes"},
        BrokenSettings{"zero caseload",
                       [](auto& s) {
                         s.mutable_practitioners(1)->set_caseload(0);
                       },
                       "practitioners[1] \"idva-south-1\".caseload"},
        BrokenSettings{"practitioner twice",
                       [](auto& s) {
                         s.mutable_practitioners(1)->set_id("idva-north-1");
                       },
                       "practitioners[1] \"idva-north-1\".id"},
        BrokenSettings{"no catch-all first-contact rule",
                       [](auto& s) {
                         s.mutable_first_contact()->RemoveLast();
                       },
                       "first_contact"},
        BrokenSettings{"too many working days",
                       [](auto& s) {
                         s.mutable_first_contact(0)->set_working_days(31);
                       },
                       "first_contact[0].working_days"}));

}  // namespace
}  // namespace frontdoor::allocation
