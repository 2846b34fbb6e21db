#include "allocation-svc/catalogue.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/config/config.h"
#include "common/status/errors.h"

namespace frontdoor::allocation {
namespace {

using config::v1::CaseFact;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

constexpr auto kAdult = config::v1::DOOR_ADULT;
constexpr auto kChild = config::v1::DOOR_CHILD;
constexpr auto kVictim = common::v1::SIDE_VICTIM;
constexpr auto kChange = common::v1::SIDE_BEHAVIOUR_CHANGE;
constexpr auto kOocd = config::v1::CASE_FACT_OUT_OF_COURT_DISPOSAL;
constexpr auto kChildOnParent = config::v1::CASE_FACT_CHILD_ON_PARENT;
constexpr auto kOwnRelationship = config::v1::CASE_FACT_OWN_RELATIONSHIP;

config::v1::Catalogue ShippedProto() {
  auto proto = config::LoadJsonFile<config::v1::Catalogue>(
      std::string(FRONTDOOR_SOURCE_DIR) + "/config/catalogue.json");
  EXPECT_TRUE(proto.ok()) << proto.status();
  return proto.ok() ? *proto : config::v1::Catalogue();
}

Catalogue Shipped() {
  auto c = Catalogue::FromProto(ShippedProto());
  EXPECT_TRUE(c.ok()) << c.status();
  return *std::move(c);
}

// ---- Choosing a programme: one row per rule ------------------------------

struct ChoiceCase {
  const char* name;
  Need need;
  const char* programme;  // nullptr: not eligible
};

void PrintTo(const ChoiceCase& c, std::ostream* os) { *os << c.name; }

class ChoiceTest : public ::testing::TestWithParam<ChoiceCase> {
 protected:
  Catalogue catalogue_ = Shipped();
};

TEST_P(ChoiceTest, Chooses) {
  const ChoiceCase& c = GetParam();
  absl::StatusOr<const config::v1::Programme*> p =
      ChooseProgramme(catalogue_, c.need);
  if (c.programme == nullptr) {
    ASSERT_FALSE(p.ok()) << (*p)->id();
    EXPECT_EQ(p.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(p.status().message(), HasSubstr("not eligible"));
    return;
  }
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->id(), c.programme);
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, ChoiceTest,
    ::testing::Values(
        ChoiceCase{"adult victim tier 2", {kAdult, kVictim, 2, 30, {}},
                   "imatter"},
        ChoiceCase{"adult victim tier 3", {kAdult, kVictim, 3, 30, {}},
                   "adult-targeted-support"},
        ChoiceCase{"adult victim tier 4", {kAdult, kVictim, 4, 30, {}},
                   "adult-acute-support"},
        ChoiceCase{"tier 1 is prevention", {kAdult, kVictim, 1, 30, {}},
                   nullptr},
        ChoiceCase{"behaviour change tier 2", {kAdult, kChange, 2, 40, {}},
                   "changing-direction"},
        ChoiceCase{"out-of-court disposal variant",
                   {kAdult, kChange, 2, 40, {kOocd}},
                   "changing-direction-oocd"},
        ChoiceCase{"behaviour change tier 3", {kAdult, kChange, 3, 40, {}},
                   "healthy-relationships"},
        ChoiceCase{"behaviour change tier 4: first listed",
                   {kAdult, kChange, 4, 40, {}}, "bc-acute-support"},
        ChoiceCase{"child victim tier 2", {kChild, kVictim, 2, 9, {}},
                   "wematter"},
        ChoiceCase{"child victim tier 4", {kChild, kVictim, 4, 9, {}},
                   "cyp-acute-support"},
        ChoiceCase{"child-on-parent tier 2",
                   {kChild, kChange, 2, 11, {kChildOnParent}}, "umatter"},
        ChoiceCase{"15-year-old own relationship tier 3",
                   {kChild, kChange, 3, 15, {kOwnRelationship}},
                   "dating-detox"},
        ChoiceCase{"12-year-old own relationship: too young for Dating Detox",
                   {kChild, kChange, 3, 12, {kOwnRelationship}}, nullptr},
        ChoiceCase{"child-on-parent tier 3 at 8",
                   {kChild, kChange, 3, 8, {kChildOnParent}}, "respect-ypp"},
        ChoiceCase{"7-year-old cannot be offered Respect",
                   {kChild, kChange, 3, 7, {kChildOnParent}}, nullptr},
        ChoiceCase{"adult at a children's door", {kChild, kVictim, 2, 18, {}},
                   nullptr},
        ChoiceCase{"child at an adults' door", {kAdult, kVictim, 2, 17, {}},
                   nullptr}));

TEST(ChooseProgrammeTest, SaysWhyNothingFits) {
  auto p = ChooseProgramme(Shipped(),
                           {kChild, kChange, 3, 7, {kChildOnParent}});
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("respect-ypp: ages 8 to 17, not 7"));
  EXPECT_THAT(p.status().message(),
              HasSubstr("dating-detox: ages 13 to 17, not 7"));
}

TEST(ChooseProgrammeTest, ACatalogueChangeNeedsNoCodeChange) {
  config::v1::Catalogue proto = ShippedProto();
  // A new tier 2 programme for out-of-court disposals listed first, and a
  // changed session count.
  config::v1::Programme extra = proto.programmes(4);
  extra.set_id("new-oocd-course");
  extra.set_sessions(5);
  *proto.mutable_programmes()->Add() = extra;
  std::rotate(proto.mutable_programmes()->begin(),
              proto.mutable_programmes()->end() - 1,
              proto.mutable_programmes()->end());
  auto catalogue = Catalogue::FromProto(proto);
  ASSERT_TRUE(catalogue.ok()) << catalogue.status();
  auto p = ChooseProgramme(*catalogue, {kAdult, kChange, 2, 40, {kOocd}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->id(), "new-oocd-course");
  EXPECT_EQ((*p)->sessions(), 5);
}

// ---- Case facts, consent, funding, order ---------------------------------

TEST(CaseFactsTest, FromTheReferral) {
  common::v1::Referral r;
  EXPECT_TRUE(CaseFactsOf(r, 30).empty());
  r.mutable_behaviour_change()->set_out_of_court_disposal(true);
  EXPECT_THAT(CaseFactsOf(r, 30), ElementsAre(kOocd));
  r.Clear();
  r.mutable_other_party()->set_relationship(
      common::v1::RELATIONSHIP_FAMILY_MEMBER);
  EXPECT_THAT(CaseFactsOf(r, 12), ElementsAre(kChildOnParent));
  EXPECT_TRUE(CaseFactsOf(r, 30).empty());
  r.mutable_other_party()->set_relationship(common::v1::RELATIONSHIP_EX_PARTNER);
  EXPECT_THAT(CaseFactsOf(r, 15), ElementsAre(kOwnRelationship));
}

TEST(ConsentTest, CarerConsentFor16AndUnderSubjectConsentForBehaviourChange) {
  common::v1::ConsentRecord c;
  c.set_subject(common::v1::CONSENT_GIVEN);
  EXPECT_EQ(ConsentMissing(c, kVictim, 30), "");
  EXPECT_THAT(ConsentMissing(c, kChange, 15), HasSubstr("parent"));
  EXPECT_THAT(ConsentMissing(c, kVictim, 16), HasSubstr("parent"));
  EXPECT_EQ(ConsentMissing(c, kVictim, 17), "");
  c.set_parent_or_carer(common::v1::CONSENT_GIVEN);
  EXPECT_EQ(ConsentMissing(c, kChange, 15), "");
  c.set_subject(common::v1::CONSENT_REFUSED);
  EXPECT_THAT(ConsentMissing(c, kChange, 15), HasSubstr("subject"));
  c.set_subject(common::v1::CONSENT_NOT_SOUGHT_SAFEGUARDING);
  EXPECT_THAT(ConsentMissing(c, kChange, 30), HasSubstr("subject"));
  EXPECT_EQ(ConsentMissing(c, kVictim, 30), "");
}

TEST(FundingTest, CountyMoneyInTheCountyCityMoneyInTheCity) {
  Catalogue c = Shipped();
  EXPECT_THAT(FundersFor(c, "county"),
              ElementsAre("commissioner", "county-council"));
  EXPECT_THAT(FundersFor(c, "city"),
              ElementsAre("commissioner", "city-council"));
  EXPECT_THAT(FundersFor(c, "elsewhere"), ElementsAre("commissioner"));
}

TEST(WaitingOrderTest, RiskFirstThenLongestWaiting) {
  std::vector<Waiting> list = {
      {common::v1::RISK_LEVEL_STANDARD, 100, "FD-A"},
      {common::v1::RISK_LEVEL_HIGH, 500, "FD-B"},
      {common::v1::RISK_LEVEL_MEDIUM, 50, "FD-C"},
      {common::v1::RISK_LEVEL_HIGH, 400, "FD-D"},
      {common::v1::RISK_LEVEL_STANDARD, 100, "FD-0"},
  };
  std::sort(list.begin(), list.end(), ComesBefore);
  std::vector<std::string> order;
  for (const auto& w : list) order.push_back(w.reference);
  EXPECT_THAT(order, ElementsAre("FD-D", "FD-B", "FD-C", "FD-0", "FD-A"));
}

// ---- A malformed catalogue names the entry ------------------------------

struct BrokenCatalogue {
  const char* name;
  std::function<void(config::v1::Catalogue&)> breakit;
  const char* field;
};

void PrintTo(const BrokenCatalogue& c, std::ostream* os) { *os << c.name; }

class BrokenCatalogueTest : public ::testing::TestWithParam<BrokenCatalogue> {};

TEST_P(BrokenCatalogueTest, NamesTheEntry) {
  config::v1::Catalogue proto = ShippedProto();
  GetParam().breakit(proto);
  auto c = Catalogue::FromProto(proto);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(GetFieldViolations(c.status()),
              Contains(Field(&FieldViolation::field, GetParam().field)))
      << c.status();
}

INSTANTIATE_TEST_SUITE_P(
    Entries, BrokenCatalogueTest,
    ::testing::Values(
        BrokenCatalogue{"no version", [](auto& c) { c.clear_version(); },
                        "version"},
        BrokenCatalogue{"id twice",
                        [](auto& c) {
                          c.mutable_programmes(1)->set_id("imatter");
                        },
                        "programmes[1] \"imatter\".id"},
        BrokenCatalogue{"tier 1",
                        [](auto& c) { c.mutable_programmes(0)->set_tier(1); },
                        "programmes[0] \"imatter\".tier"},
        BrokenCatalogue{"no door",
                        [](auto& c) { c.mutable_programmes(2)->clear_door(); },
                        "programmes[2] \"adult-acute-support\".door"},
        BrokenCatalogue{"no side",
                        [](auto& c) { c.mutable_programmes(3)->clear_side(); },
                        "programmes[3] \"changing-direction\".side"},
        BrokenCatalogue{"ages reversed",
                        [](auto& c) {
                          c.mutable_programmes(12)->set_min_age(16);
                          c.mutable_programmes(12)->set_max_age(14);
                        },
                        "programmes[12] \"dating-detox\".max_age"},
        BrokenCatalogue{"children's programme past 17",
                        [](auto& c) {
                          c.mutable_programmes(8)->set_max_age(18);
                        },
                        "programmes[8] \"wematter\".max_age"},
        BrokenCatalogue{"adults' programme from 16",
                        [](auto& c) {
                          c.mutable_programmes(0)->set_min_age(16);
                        },
                        "programmes[0] \"imatter\".min_age"},
        BrokenCatalogue{"negative sessions",
                        [](auto& c) {
                          c.mutable_programmes(0)->set_sessions(-8);
                        },
                        "programmes[0] \"imatter\".sessions"},
        BrokenCatalogue{"parent sessions without a parent",
                        [](auto& c) {
                          c.mutable_programmes(11)
                              ->set_parent_or_carer_takes_part(false);
                        },
                        "programmes[11] \"umatter\".parent_sessions"},
        BrokenCatalogue{"no delivery",
                        [](auto& c) {
                          c.mutable_programmes(5)->clear_delivery();
                        },
                        "programmes[5] \"healthy-relationships\".delivery"},
        BrokenCatalogue{"no practitioner role",
                        [](auto& c) {
                          c.mutable_programmes(6)->clear_practitioner_role();
                        },
                        "programmes[6] \"bc-acute-support\".practitioner_role"},
        BrokenCatalogue{"funder twice",
                        [](auto& c) {
                          c.mutable_funders(2)->set_id("commissioner");
                        },
                        "funders[2] \"commissioner\".id"}));

}  // namespace
}  // namespace frontdoor::allocation
