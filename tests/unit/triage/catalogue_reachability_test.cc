// Walks the shipped catalogue (config/catalogue.json) with the shipped
// triage rules (config/triage-rules.json): for every programme and every
// age the catalogue gives it, some ordinary case (no override, no special
// needs) is decided by triage and then allocated to exactly that programme.
// A programme no case can reach is a service nobody receives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "allocation-svc/catalogue.h"
#include "common/config/config.h"
#include "tests/unit/triage/rules_fixture.h"
#include "triage-svc/assess.h"

namespace frontdoor {
namespace {

using common::v1::Referral;
using common::v1::Relationship;

const absl::Time kReceived = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 10, 0, 0), absl::UTCTimeZone());
// Adults' programmes have no upper age: walk up to this one.
constexpr int kOldestWalked = 110;
// Children's cases combine at most this many "yes" indicators.
constexpr int kMaxIndicatorsYes = 2;

allocation::Catalogue ShippedCatalogue() {
  auto proto = config::LoadJsonFile<config::v1::Catalogue>(
      std::string(FRONTDOOR_SOURCE_DIR) + "/config/catalogue.json");
  EXPECT_TRUE(proto.ok()) << proto.status();
  auto catalogue = allocation::Catalogue::FromProto(*proto);
  EXPECT_TRUE(catalogue.ok()) << catalogue.status();
  return *std::move(catalogue);
}

// An ordinary referral of a person aged `age` with the other party in
// `relationship` (none when unspecified), and `children` in the household.
Referral ReferralOf(int age, Relationship relationship, bool oocd,
                    int children = 0) {
  Referral r;
  for (int i = 0; i < children; ++i) r.add_children();
  const absl::CivilDay born = absl::ToCivilDay(kReceived, absl::UTCTimeZone()) -
                              (365 * age + age / 4 + 1);
  google::type::Date* dob = r.mutable_subject()->mutable_date_of_birth();
  dob->set_year(static_cast<int32_t>(born.year()));
  dob->set_month(born.month());
  dob->set_day(born.day());
  if (relationship != common::v1::RELATIONSHIP_UNSPECIFIED) {
    r.mutable_other_party()->set_relationship(relationship);
  }
  r.mutable_behaviour_change()->set_out_of_court_disposal(oocd);
  return r;
}

triage::CaseFacts FactsOf(common::v1::FrontDoor door, int age) {
  triage::CaseFacts f;
  f.front_door = door;
  f.age = age;
  f.received_at = kReceived;
  return f;
}

class Reachability : public ::testing::Test {
 protected:
  // The programme allocation offers for `decision`, or "" when none.
  std::string Allocated(const triage::v1::Decision& decision, int age,
                        const Referral& referral) {
    const allocation::Need need = allocation::NeedFor(
        decision.front_door(), decision.side(), decision.tier(), age, referral);
    auto programme = allocation::ChooseProgramme(catalogue_, need);
    return programme.ok() ? (*programme)->id() : "";
  }

  // Every programme an ordinary adult case reaches at `age`.
  std::set<std::string> AdultProgrammes(int age) {
    std::set<std::string> reached;
    for (common::v1::FrontDoor door :
         {common::v1::FRONT_DOOR_ADULT_VICTIM,
          common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE}) {
      for (int score : {0, 10, 14}) {
        for (bool oocd : {false, true}) {
          for (int children : {0, 2}) {
            const Referral r = ReferralOf(
                age, common::v1::RELATIONSHIP_CURRENT_PARTNER, oocd, children);
            triage::CaseFacts facts = FactsOf(door, age);
            facts.children_in_household = children;
            auto d = triage::AssessAdult(triage::testing::Dash(score), facts,
                                         rules_, "dash");
            EXPECT_TRUE(d.ok()) << d.status();
            if (d.ok()) reached.insert(Allocated(*d, age, r));
          }
        }
      }
    }
    return reached;
  }

  // Every programme an ordinary child's case reaches at `age`: up to
  // kMaxIndicatorsYes indicators answered yes, the other party's
  // relationship as those indicators imply (a parent for harm to a parent,
  // a boyfriend or girlfriend for the young person's own relationship,
  // none otherwise), so a programme is reached by the case it is for.
  std::set<std::string> ChildProgrammes(int age) {
    std::vector<std::string> applicable;
    for (const auto& ind : rules_.child().indicators()) {
      if ((ind.min_age() == 0 && ind.max_age() == 0) ||
          (age >= ind.min_age() && age <= ind.max_age())) {
        applicable.push_back(ind.id());
      }
    }
    std::vector<std::vector<std::string>> yes_sets = {{}};
    for (size_t i = 0; i < applicable.size(); ++i) {
      yes_sets.push_back({applicable[i]});
      for (size_t j = i + 1; j < applicable.size() && kMaxIndicatorsYes > 1;
           ++j) {
        yes_sets.push_back({applicable[i], applicable[j]});
      }
    }
    const auto& cr = rules_.child();
    const bool checklist =
        age >= cr.checklist_min_age() && age <= cr.checklist_max_age();
    std::set<std::string> reached;
    for (const auto& yes : yes_sets) {
      std::set<Relationship> implied;
      for (const std::string& id : yes) {
        if (id == "harm-to-parent") {
          implied.insert(common::v1::RELATIONSHIP_FAMILY_MEMBER);
        } else if (id == "harm-in-own-relationship" ||
                   id == "abused-in-own-relationship") {
          implied.insert(common::v1::RELATIONSHIP_CURRENT_PARTNER);
        }
      }
      if (implied.size() > 1) continue;  // not one ordinary case
      const Relationship rel = implied.empty()
                                   ? common::v1::RELATIONSHIP_UNSPECIFIED
                                   : *implied.begin();
      const Referral r = ReferralOf(age, rel, false);
      {
        triage::v1::ChildAssessment a;
        a.set_rules_version(cr.version());
        for (const std::string& id : applicable) {
          auto* answer = a.add_indicators();
          answer->set_indicator(id);
          answer->set_answer(std::find(yes.begin(), yes.end(), id) != yes.end()
                                 ? common::v1::ANSWER_YES
                                 : common::v1::ANSWER_NO);
        }
        if (checklist) {
          triage::testing::FillChecklist(
              cr.young_people_checklist().questions(), 0,
              a.mutable_young_people_checklist());
        }
        auto d = triage::AssessChild(
            a, FactsOf(common::v1::FRONT_DOOR_CHILDREN, age), rules_, "child");
        EXPECT_TRUE(d.ok()) << d.status();
        if (d.ok()) reached.insert(Allocated(*d, age, r));
      }
    }
    return reached;
  }

  triage::Rules rules_ =
      triage::testing::RulesFrom(triage::testing::ShippedRulesProto());
  allocation::Catalogue catalogue_ = ShippedCatalogue();
};

TEST_F(Reachability, EveryProgrammeAtEveryAgeItTakes) {
  std::vector<std::string> unreachable;
  int checked = 0;
  for (const config::v1::Programme& p : catalogue_.proto().programmes()) {
    const bool child = p.door() == config::v1::DOOR_CHILD;
    const int from = p.min_age() != 0 ? p.min_age() : (child ? 0 : 18);
    const int to = p.max_age() != 0 ? p.max_age() : kOldestWalked;
    for (int age = from; age <= to; ++age) {
      const std::set<std::string> reached =
          child ? ChildProgrammes(age) : AdultProgrammes(age);
      ++checked;
      if (!reached.count(p.id()) > 0) {
        unreachable.push_back(absl::StrCat(p.id(), " at ", age));
      }
    }
  }
  EXPECT_GT(checked, 100);
  EXPECT_THAT(unreachable, ::testing::IsEmpty())
      << "no ordinary case reaches: " << absl::StrJoin(unreachable, "; ");
}

// The walk can fail: with the old children's rules (harm in the young
// person's own relationship at severity 3, harm to a parent from age 8),
// Dating Detox and uMatter for the youngest are out of reach.
TEST_F(Reachability, TheWalkFindsAnUnreachableProgramme) {
  config::v1::TriageRules proto = triage::testing::ShippedRulesProto();
  for (auto& ind : *proto.mutable_child()->mutable_indicators()) {
    if (ind.id() == "harm-in-own-relationship") ind.set_severity(3);
    if (ind.id() == "harm-to-parent") {
      ind.set_min_age(8);
      ind.set_max_age(17);
    }
  }
  rules_ = triage::testing::RulesFrom(proto);
  EXPECT_FALSE(ChildProgrammes(15).count("dating-detox") > 0);
  EXPECT_FALSE(ChildProgrammes(5).count("umatter") > 0);
  EXPECT_TRUE(ChildProgrammes(9).count("umatter") > 0);
}

}  // namespace
}  // namespace frontdoor
