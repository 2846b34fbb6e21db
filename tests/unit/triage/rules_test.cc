#include "triage-svc/rules.h"

#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status/errors.h"
#include "tests/unit/triage/rules_fixture.h"

namespace frontdoor::triage {
namespace {

using ::testing::Contains;
using ::testing::Field;
using config::v1::TriageRules;

TEST(RulesTest, ShippedFileIsValidAndLooksUp) {
  Rules rules = testing::RulesFrom(testing::ShippedRulesProto());
  EXPECT_EQ(rules.DashQuestions("safelives-dash-24"), 24);
  EXPECT_EQ(rules.DashQuestions("police-dash-27"), 27);
  EXPECT_EQ(rules.DashQuestions("made-up"), std::nullopt);
  EXPECT_EQ(rules.BandFor(0), common::v1::RISK_LEVEL_STANDARD);
  EXPECT_EQ(rules.BandFor(9), common::v1::RISK_LEVEL_STANDARD);
  EXPECT_EQ(rules.BandFor(10), common::v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(rules.BandFor(13), common::v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(rules.BandFor(14), common::v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(rules.TierFor(common::v1::RISK_LEVEL_HIGH), 4);
  EXPECT_EQ(rules.TierFor(common::v1::RISK_LEVEL_MEDIUM), 3);
  EXPECT_EQ(rules.TierFor(common::v1::RISK_LEVEL_STANDARD), 2);
  EXPECT_EQ(rules.FirstContactTarget(common::v1::RISK_LEVEL_HIGH),
            absl::Hours(24));
  ASSERT_NE(rules.Indicator("witnessed-violence"), nullptr);
  EXPECT_EQ(rules.Indicator("no-such-indicator"), nullptr);
  EXPECT_EQ(rules.ChildLevelFor(3).tier(), 4);
}

struct BrokenRules {
  const char* name;
  std::function<void(TriageRules&)> breakit;
  const char* field;
};

class BrokenRulesTest : public ::testing::TestWithParam<BrokenRules> {};

void PrintTo(const BrokenRules& c, std::ostream* os) { *os << c.name; }

TEST_P(BrokenRulesTest, NamesTheEntry) {
  TriageRules proto = testing::ShippedRulesProto();
  GetParam().breakit(proto);
  absl::StatusOr<Rules> rules = Rules::FromProto(proto);
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(GetFieldViolations(rules.status()),
              Contains(Field(&FieldViolation::field, GetParam().field)))
      << rules.status();
}

INSTANTIATE_TEST_SUITE_P(
    Rules, BrokenRulesTest,
    ::testing::Values(
        BrokenRules{"no dash version",
                    [](TriageRules& r) { r.mutable_dash()->clear_version(); },
                    "dash.version"},
        BrokenRules{"form twice",
                    [](TriageRules& r) {
                      *r.mutable_dash()->add_forms() = r.dash().forms(0);
                    },
                    "dash.forms[2].version"},
        BrokenRules{"form of no questions",
                    [](TriageRules& r) {
                      r.mutable_dash()->mutable_forms(1)->set_questions(0);
                    },
                    "dash.forms[1].questions"},
        BrokenRules{"zero threshold",
                    [](TriageRules& r) {
                      r.mutable_dash()->set_visible_high_risk_threshold(0);
                    },
                    "dash.visible_high_risk_threshold"},
        BrokenRules{"zero call-out threshold",
                    [](TriageRules& r) {
                      r.mutable_dash()->set_escalation_callouts_threshold(0);
                    },
                    "dash.escalation_callouts_threshold"},
        BrokenRules{"no repeat window",
                    [](TriageRules& r) {
                      r.mutable_dash()->set_repeat_window_months(0);
                    },
                    "dash.repeat_window_months"},
        BrokenRules{"band missing",
                    [](TriageRules& r) {
                      r.mutable_dash()->mutable_bands()->RemoveLast();
                    },
                    "dash.bands"},
        BrokenRules{"bands out of order",
                    [](TriageRules& r) {
                      r.mutable_dash()->mutable_bands(2)->set_min_score(8);
                    },
                    "dash.bands[2].min_score"},
        BrokenRules{"standard band not from 0",
                    [](TriageRules& r) {
                      r.mutable_dash()->mutable_bands(0)->set_min_score(1);
                    },
                    "dash.bands[0].min_score"},
        BrokenRules{"indicator id",
                    [](TriageRules& r) {
                      r.mutable_child()->mutable_indicators(1)->set_id(
                          "Has Spaces");
                    },
                    "child.indicators[1].id"},
        BrokenRules{"indicator twice",
                    [](TriageRules& r) {
                      r.mutable_child()->mutable_indicators(1)->set_id(
                          r.child().indicators(0).id());
                    },
                    "child.indicators[1].id"},
        BrokenRules{"indicator severity",
                    [](TriageRules& r) {
                      r.mutable_child()->mutable_indicators(3)->set_severity(
                          5);
                    },
                    "child.indicators[3].severity"},
        BrokenRules{"indicator side",
                    [](TriageRules& r) {
                      r.mutable_child()->mutable_indicators(0)->clear_side();
                    },
                    "child.indicators[0].side"},
        BrokenRules{"indicator ages reversed",
                    [](TriageRules& r) {
                      auto* ind = r.mutable_child()->mutable_indicators(0);
                      ind->set_min_age(12);
                      ind->set_max_age(9);
                    },
                    "child.indicators[0].max_age"},
        BrokenRules{"severity level missing",
                    [](TriageRules& r) {
                      r.mutable_child()->mutable_levels()->RemoveLast();
                    },
                    "child.levels"},
        BrokenRules{"level tier",
                    [](TriageRules& r) {
                      r.mutable_child()->mutable_levels(0)->set_tier(0);
                    },
                    "child.levels[0].tier"},
        BrokenRules{"checklist threshold above its questions",
                    [](TriageRules& r) {
                      r.mutable_child()->set_checklist_high_risk_threshold(99);
                    },
                    "child.checklist_high_risk_threshold"},
        BrokenRules{"MARAC ages beyond 17",
                    [](TriageRules& r) {
                      r.mutable_child()->set_marac_max_age(18);
                    },
                    "child.marac_max_age"},
        BrokenRules{"tier for a level missing",
                    [](TriageRules& r) { r.mutable_tiers()->RemoveLast(); },
                    "tiers"},
        BrokenRules{"tier 5",
                    [](TriageRules& r) { r.mutable_tiers(0)->set_tier(5); },
                    "tiers[0].tier"},
        BrokenRules{"target not positive",
                    [](TriageRules& r) {
                      r.mutable_first_contact_targets(1)
                          ->mutable_target()
                          ->set_seconds(0);
                    },
                    "first_contact_targets[1].target"}));

TEST(RulesTest, EveryProblemIsListedAtOnce) {
  TriageRules proto = testing::ShippedRulesProto();
  proto.mutable_dash()->clear_version();
  proto.mutable_child()->clear_version();
  proto.mutable_tiers(0)->set_tier(9);
  absl::StatusOr<Rules> rules = Rules::FromProto(proto);
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(GetFieldViolations(rules.status()).size(), 3u) << rules.status();
}

}  // namespace
}  // namespace frontdoor::triage
