#include "triage-svc/assess.h"

#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "common/status/errors.h"
#include "tests/unit/triage/rules_fixture.h"

namespace frontdoor::triage {
namespace {

using common::v1::RiskLevel;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Dash;

constexpr RiskLevel kStandard = common::v1::RISK_LEVEL_STANDARD;
constexpr RiskLevel kMedium = common::v1::RISK_LEVEL_MEDIUM;
constexpr RiskLevel kHigh = common::v1::RISK_LEVEL_HIGH;

const absl::Time kReceived = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 10, 0, 0), absl::UTCTimeZone());

absl::Time MonthsBeforeReceived(int months, int extra_days = 0) {
  const absl::CivilSecond c = absl::ToCivilSecond(kReceived, absl::UTCTimeZone());
  return absl::FromCivil(absl::CivilSecond(c.year(), c.month() - months,
                                           c.day() + extra_days, c.hour(),
                                           c.minute(), c.second()),
                         absl::UTCTimeZone());
}

CaseFacts Adult(std::optional<absl::Time> last_marac = std::nullopt) {
  CaseFacts f;
  f.front_door = common::v1::FRONT_DOOR_ADULT_VICTIM;
  f.age = 34;
  f.received_at = kReceived;
  f.last_marac_referral_at = last_marac;
  return f;
}

CaseFacts Child(int age) {
  CaseFacts f;
  f.front_door = common::v1::FRONT_DOOR_CHILDREN;
  f.age = age;
  f.received_at = kReceived;
  return f;
}

std::vector<std::string> Fields(const absl::Status& status) {
  std::vector<std::string> out;
  for (const FieldViolation& v : GetFieldViolations(status)) {
    out.push_back(v.field);
  }
  return out;
}

// ---- Adults: every threshold edge, both question sets --------------------

struct DashCase {
  const char* name;
  common::v1::RiskAssessment dash;
  std::optional<absl::Time> last_marac;
  RiskLevel risk;
  int tier;
  bool visible, judgement, escalation, repeat;
};

void PrintTo(const DashCase& c, std::ostream* os) { *os << c.name; }

// Professional judgement asserted ("the risk is high"), with its reason.
common::v1::RiskAssessment WithJudgement(common::v1::RiskAssessment a,
                                         const char* reason) {
  a.set_professional_judgement_high_risk(true);
  a.set_professional_judgement_reason(reason);
  return a;
}

// A reason written down without the assertion: a note, not a judgement.
common::v1::RiskAssessment WithReasonOnly(common::v1::RiskAssessment a,
                                          const char* reason) {
  a.set_professional_judgement_reason(reason);
  return a;
}

// The referrer reports the last MARAC referral on this date.
common::v1::RiskAssessment WithReportedMarac(common::v1::RiskAssessment a,
                                             absl::Time at) {
  const absl::CivilDay day = absl::ToCivilDay(at, absl::UTCTimeZone());
  google::type::Date* d = a.mutable_previous_marac_referral_date();
  d->set_year(static_cast<int32_t>(day.year()));
  d->set_month(day.month());
  d->set_day(day.day());
  return a;
}

common::v1::RiskAssessment WithCallouts(common::v1::RiskAssessment a, int n) {
  a.set_police_callouts_past_12_months(n);
  return a;
}

std::vector<DashCase> DashCases() {
  const auto police = [](int yes) { return Dash(yes, "police-dash-27", 27); };
  return {
      {"no yes", Dash(0), {}, kStandard, 2, false, false, false, false},
      {"9 yes", Dash(9), {}, kStandard, 2, false, false, false, false},
      {"10 yes", Dash(10), {}, kMedium, 3, false, false, false, false},
      {"13 yes", Dash(13), {}, kMedium, 3, false, false, false, false},
      {"14 yes", Dash(14), {}, kHigh, 4, true, false, false, false},
      {"all 24 yes", Dash(24), {}, kHigh, 4, true, false, false, false},
      {"13 yes with judgement", WithJudgement(Dash(13), "Fears for life"), {},
       kHigh, 4, false, true, false, false},
      {"0 yes with judgement", WithJudgement(Dash(0), "Strangled last week"),
       {}, kHigh, 4, false, true, false, false},
      {"13 yes with a reason but no judgement",
       WithReasonOnly(Dash(13), "Thinks it may escalate"), {}, kMedium, 3,
       false, false, false, false},
      {"0 yes with a reason arguing for lower risk",
       WithReasonOnly(Dash(0), "Low risk: perpetrator in prison"), {},
       kStandard, 2, false, false, false, false},
      {"judgement never lowers 14", WithJudgement(Dash(14), "Low, I think"),
       {}, kHigh, 4, true, true, false, false},
      {"reported MARAC 11 months ago",
       WithReportedMarac(Dash(2), MonthsBeforeReceived(11)), {}, kHigh, 4,
       false, false, false, true},
      {"reported MARAC exactly 12 months ago",
       WithReportedMarac(Dash(2), MonthsBeforeReceived(12)), {}, kHigh, 4,
       false, false, false, true},
      {"reported MARAC 12 months and a day ago",
       WithReportedMarac(Dash(2), MonthsBeforeReceived(12, -1)), {},
       kStandard, 2, false, false, false, false},
      {"reported MARAC 13 months ago",
       WithReportedMarac(Dash(2), MonthsBeforeReceived(13)), {}, kStandard, 2,
       false, false, false, false},
      {"reported 13 months ago, our own 11 months ago",
       WithReportedMarac(Dash(2), MonthsBeforeReceived(13)),
       MonthsBeforeReceived(11), kHigh, 4, false, false, false, true},
      {"reported 11 months ago, our own 13 months ago",
       WithReportedMarac(Dash(2), MonthsBeforeReceived(11)),
       MonthsBeforeReceived(13), kHigh, 4, false, false, false, true},
      {"2 call-outs", WithCallouts(Dash(5), 2), {}, kStandard, 2, false, false,
       false, false},
      {"3 call-outs", WithCallouts(Dash(5), 3), {}, kHigh, 4, false, false,
       true, false},
      {"last MARAC 11 months ago", Dash(2), MonthsBeforeReceived(11), kHigh,
       4, false, false, false, true},
      {"last MARAC exactly 12 months ago", Dash(2), MonthsBeforeReceived(12),
       kHigh, 4, false, false, false, true},
      {"last MARAC 12 months and a day ago", Dash(2),
       MonthsBeforeReceived(12, -1), kStandard, 2, false, false, false, false},
      {"last MARAC 13 months ago", Dash(2), MonthsBeforeReceived(13),
       kStandard, 2, false, false, false, false},
      {"police 13 yes", police(13), {}, kMedium, 3, false, false, false,
       false},
      {"police 14 yes", police(14), {}, kHigh, 4, true, false, false, false},
      {"police 27 yes", police(27), {}, kHigh, 4, true, false, false, false},
  };
}

class DashTableTest : public ::testing::TestWithParam<DashCase> {
 protected:
  Rules rules_ = testing::RulesFrom(testing::ShippedRulesProto());
};

TEST_P(DashTableTest, Decides) {
  const DashCase& c = GetParam();
  absl::StatusOr<v1::Decision> d =
      AssessAdult(c.dash, Adult(c.last_marac), rules_, "dash");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->risk_level(), c.risk);
  EXPECT_EQ(d->tier(), c.tier);
  EXPECT_EQ(d->marac().visible_high_risk(), c.visible);
  EXPECT_EQ(d->marac().professional_judgement(), c.judgement);
  EXPECT_EQ(d->marac().potential_escalation(), c.escalation);
  EXPECT_EQ(d->marac().repeat(), c.repeat);
  EXPECT_EQ(d->recipients().marac(), c.risk == kHigh);
  EXPECT_EQ(d->recipients().idva(), c.risk == kHigh);
  EXPECT_EQ(d->side(), common::v1::SIDE_VICTIM);
  EXPECT_EQ(d->rules_version(), "dash-2026-2");
}

INSTANTIATE_TEST_SUITE_P(Edges, DashTableTest, ::testing::ValuesIn(DashCases()));

TEST(DashTest, ScoreCountsOnlyYes) {
  Rules rules = testing::RulesFrom(testing::ShippedRulesProto());
  absl::StatusOr<v1::Decision> d = AssessAdult(Dash(7), Adult(), rules, "dash");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->score(), 7);
}

TEST(DashTest, ThresholdsAndBandsComeFromTheRules) {
  config::v1::TriageRules proto = testing::ShippedRulesProto();
  proto.mutable_dash()->set_escalation_callouts_threshold(5);
  proto.mutable_dash()->set_visible_high_risk_threshold(16);
  proto.mutable_dash()->mutable_bands(1)->set_min_score(8);
  proto.mutable_dash()->mutable_bands(2)->set_min_score(16);
  Rules rules = testing::RulesFrom(proto);
  auto at = [&](const common::v1::RiskAssessment& a) {
    auto d = AssessAdult(a, Adult(), rules, "dash");
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? d->risk_level() : common::v1::RISK_LEVEL_UNSPECIFIED;
  };
  EXPECT_EQ(at(WithCallouts(Dash(0), 3)), kStandard);
  EXPECT_EQ(at(WithCallouts(Dash(0), 5)), kHigh);
  EXPECT_EQ(at(Dash(8)), kMedium);
  EXPECT_EQ(at(Dash(14)), kMedium);
  EXPECT_EQ(at(Dash(16)), kHigh);
}

TEST(DashTest, RepeatWindowComesFromTheRules) {
  config::v1::TriageRules proto = testing::ShippedRulesProto();
  proto.mutable_dash()->set_repeat_window_months(6);
  Rules rules = testing::RulesFrom(proto);
  EXPECT_TRUE(IsMaracRepeat(MonthsBeforeReceived(5), kReceived, rules));
  EXPECT_FALSE(IsMaracRepeat(MonthsBeforeReceived(7), kReceived, rules));
  EXPECT_FALSE(IsMaracRepeat(std::nullopt, kReceived, rules));
  // A MARAC referral after this incident does not make it a repeat.
  EXPECT_FALSE(IsMaracRepeat(kReceived + absl::Hours(1), kReceived, rules));
}

TEST(DashTest, BehaviourChangeSideTellsMaracButNotAnIdva) {
  Rules rules = testing::RulesFrom(testing::ShippedRulesProto());
  CaseFacts facts = Adult();
  facts.front_door = common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE;
  auto d = AssessAdult(Dash(15), facts, rules, "dash");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->side(), common::v1::SIDE_BEHAVIOUR_CHANGE);
  EXPECT_TRUE(d->recipients().marac());
  EXPECT_FALSE(d->recipients().idva());
}

struct BadDash {
  const char* name;
  std::function<void(common::v1::RiskAssessment&)> breakit;
  const char* field;
  const char* words;
};

void PrintTo(const BadDash& c, std::ostream* os) { *os << c.name; }

class BadDashTest : public ::testing::TestWithParam<BadDash> {
 protected:
  Rules rules_ = testing::RulesFrom(testing::ShippedRulesProto());
};

TEST_P(BadDashTest, NamesTheField) {
  common::v1::RiskAssessment a = Dash(12);
  GetParam().breakit(a);
  auto d = AssessAdult(a, Adult(), rules_, "assessment.dash");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  const auto violations = GetFieldViolations(d.status());
  EXPECT_THAT(violations,
              Contains(Field(&FieldViolation::field, GetParam().field)))
      << d.status();
  bool worded = false;
  for (const auto& v : violations) {
    worded = worded || (v.field == GetParam().field &&
                        v.description.find(GetParam().words) != std::string::npos);
  }
  EXPECT_TRUE(worded) << d.status();
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, BadDashTest,
    ::testing::Values(
        BadDash{"no form", [](auto& a) { a.clear_form_version(); },
                "assessment.dash.form_version", "required"},
        BadDash{"unknown form",
                [](auto& a) { a.set_form_version("safelives-dash-23"); },
                "assessment.dash.form_version", "unknown question set"},
        BadDash{"question unanswered",
                [](auto& a) { a.mutable_answers()->DeleteSubrange(4, 1); },
                "assessment.dash.answers", "not answered: 5"},
        BadDash{"three unanswered",
                [](auto& a) { a.mutable_answers()->DeleteSubrange(21, 3); },
                "assessment.dash.answers", "3 of 24 questions not answered: 22, 23, 24"},
        BadDash{"question 25 on the 24-question form",
                [](auto& a) {
                  auto* x = a.add_answers();
                  x->set_question(25);
                  x->set_answer(common::v1::ANSWER_YES);
                },
                "assessment.dash.answers[24].question", "from 1 to 24"},
        BadDash{"question twice",
                [](auto& a) { a.mutable_answers(3)->set_question(3); },
                "assessment.dash.answers[3].question", "answered twice"},
        BadDash{"answer missing",
                [](auto& a) { a.mutable_answers(7)->clear_answer(); },
                "assessment.dash.answers[7].answer", "yes, no or don't know"},
        BadDash{"control character in a comment",
                [](auto& a) { a.mutable_answers(2)->set_comment("a\x07 b"); },
                "assessment.dash.answers[2].comment", "control"},
        BadDash{"source too long",
                [](auto& a) {
                  a.mutable_answers(1)->set_source(std::string(201, 's'));
                },
                "assessment.dash.answers[1].source", "200"},
        BadDash{"reason with an escape character",
                [](auto& a) {
                  a.set_professional_judgement_reason("ok\x1b[2J");
                },
                "assessment.dash.professional_judgement_reason", "control"},
        BadDash{"judgement without a reason",
                 [](auto& a) { a.set_professional_judgement_high_risk(true); },
                 "assessment.dash.professional_judgement_reason",
                 "required when"},
        BadDash{"judgement with a blank reason",
                 [](auto& a) {
                   a.set_professional_judgement_high_risk(true);
                   a.set_professional_judgement_reason("  \n ");
                 },
                 "assessment.dash.professional_judgement_reason",
                 "required when"},
        BadDash{"negative call-outs",
                [](auto& a) { a.set_police_callouts_past_12_months(-1); },
                "assessment.dash.police_callouts_past_12_months",
                "negative"}));

// ---- Children ------------------------------------------------------------

class ChildTest : public ::testing::Test {
 protected:
  // Every indicator that applies at `age` answered no, and the checklist
  // (when the age needs it) with `checklist_yes` yes answers.
  v1::ChildAssessment AllNo(int age, int checklist_yes = 0) {
    v1::ChildAssessment c;
    c.set_rules_version("roots-to-support-2");
    for (const auto& ind : rules_.child().indicators()) {
      if (ind.min_age() == 0 && ind.max_age() == 0) {
      } else if (age < ind.min_age() || age > ind.max_age()) {
        continue;
      }
      auto* a = c.add_indicators();
      a->set_indicator(ind.id());
      a->set_answer(common::v1::ANSWER_NO);
    }
    if (age >= 13) {
      testing::FillChecklist(24, checklist_yes,
                             c.mutable_young_people_checklist());
    }
    return c;
  }
  static void Yes(v1::ChildAssessment& c, const std::string& id) {
    for (auto& a : *c.mutable_indicators()) {
      if (a.indicator() == id) a.set_answer(common::v1::ANSWER_YES);
    }
  }
  v1::Decision Decide(const v1::ChildAssessment& c, int age) {
    auto d = AssessChild(c, Child(age), rules_, "assessment.child");
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *d : v1::Decision();
  }

  Rules rules_ = testing::RulesFrom(testing::ShippedRulesProto());
};

TEST_F(ChildTest, NothingOfConcernIsModerate) {
  v1::Decision d = Decide(AllNo(10), 10);
  EXPECT_EQ(d.child_severity(), v1::CHILD_SEVERITY_MODERATE);
  EXPECT_EQ(d.risk_level(), kStandard);
  EXPECT_EQ(d.tier(), 2);
  EXPECT_EQ(d.side(), common::v1::SIDE_VICTIM);
  EXPECT_EQ(d.rules_version(), "roots-to-support-2");
}

struct SeverityCase {
  const char* name;
  int age;
  bool special_needs;
  const char* yes;  // indicator answered yes, or nullptr
  v1::ChildSeverity severity;
  RiskLevel risk;
  int tier;
  bool social_care;  // always: every child referral tells social care
};

void PrintTo(const SeverityCase& c, std::ostream* os) { *os << c.name; }

class ChildSeverityTest : public ChildTest,
                          public ::testing::WithParamInterface<SeverityCase> {};

TEST_P(ChildSeverityTest, Scale) {
  const SeverityCase& c = GetParam();
  v1::ChildAssessment a = AllNo(c.age);
  if (c.yes != nullptr) Yes(a, c.yes);
  a.set_special_needs(c.special_needs);
  v1::Decision d = Decide(a, c.age);
  EXPECT_EQ(d.child_severity(), c.severity);
  EXPECT_EQ(d.risk_level(), c.risk);
  EXPECT_EQ(d.tier(), c.tier);
  EXPECT_EQ(d.recipients().childrens_social_care(), c.social_care);
}

INSTANTIATE_TEST_SUITE_P(
    Edges, ChildSeverityTest,
    ::testing::Values(
        SeverityCase{"age 7, moderate", 7, false, "emotional-impact",
                     v1::CHILD_SEVERITY_MODERATE, kStandard, 2, true},
        SeverityCase{"age 6, moderate raised", 6, false, "emotional-impact",
                     v1::CHILD_SEVERITY_MODERATE_TO_SERIOUS, kMedium, 3, true},
        SeverityCase{"age 0, nothing of concern raised", 0, false, nullptr,
                     v1::CHILD_SEVERITY_MODERATE_TO_SERIOUS, kMedium, 3, true},
        SeverityCase{"special needs raise", 9, true, "witnessed-violence",
                     v1::CHILD_SEVERITY_SERIOUS, kHigh, 4, true},
        SeverityCase{"under 7 and special needs raise twice", 5, true,
                     "witnessed-violence", v1::CHILD_SEVERITY_SEVERE, kHigh, 4,
                     true},
        SeverityCase{"severe stays severe", 4, true, "injured",
                     v1::CHILD_SEVERITY_SEVERE, kHigh, 4, true},
        SeverityCase{"serious", 9, false, "neglect", v1::CHILD_SEVERITY_SERIOUS,
                     kHigh, 4, true},
        SeverityCase{"moderate to serious", 12, false, "witnessed-violence",
                     v1::CHILD_SEVERITY_MODERATE_TO_SERIOUS, kMedium, 3,
                     true}));

TEST_F(ChildTest, SideFollowsTheMostSevereYes) {
  v1::ChildAssessment a = AllNo(14);
  Yes(a, "harm-to-parent");
  EXPECT_EQ(Decide(a, 14).side(), common::v1::SIDE_BEHAVIOUR_CHANGE);
  Yes(a, "witnessed-violence");  // as severe: victim first
  EXPECT_EQ(Decide(a, 14).side(), common::v1::SIDE_VICTIM);
  v1::ChildAssessment b = AllNo(14);
  Yes(b, "harm-in-own-relationship");
  Yes(b, "emotional-impact");
  EXPECT_EQ(Decide(b, 14).side(), common::v1::SIDE_BEHAVIOUR_CHANGE);
}

TEST_F(ChildTest, YoungPeoplesChecklistMakesHighRiskAndMaracFrom13) {
  v1::Decision d13 = Decide(AllNo(15, 13), 15);
  EXPECT_EQ(d13.score(), 13);
  EXPECT_EQ(d13.risk_level(), kStandard);
  EXPECT_FALSE(d13.recipients().marac());
  v1::Decision d14 = Decide(AllNo(15, 14), 15);
  EXPECT_EQ(d14.risk_level(), kHigh);
  EXPECT_EQ(d14.tier(), 4);
  EXPECT_TRUE(d14.marac().visible_high_risk());
  EXPECT_TRUE(d14.recipients().marac());
}

TEST_F(ChildTest, MaracOnlyFrom13To17) {
  v1::ChildAssessment a = AllNo(12);
  Yes(a, "threatened");
  v1::Decision d = Decide(a, 12);
  EXPECT_EQ(d.risk_level(), kHigh);
  EXPECT_FALSE(d.recipients().marac());
  EXPECT_TRUE(d.recipients().childrens_social_care());
  v1::ChildAssessment b = AllNo(13);
  Yes(b, "threatened");
  EXPECT_TRUE(Decide(b, 13).recipients().marac());
}

TEST_F(ChildTest, ExploitationTellsMace) {
  v1::ChildAssessment a = AllNo(14);
  EXPECT_FALSE(Decide(a, 14).recipients().mace());
  Yes(a, "missing-episodes");
  EXPECT_TRUE(Decide(a, 14).recipients().mace());
}

// The behaviour change side: the level follows the harm the child causes;
// the young-age and special-needs raises (the child's own vulnerability)
// do not apply unless the rules say so; aggravating indicators raise.
struct HarmCase {
  const char* name;
  int age;
  bool special_needs;
  std::vector<std::string> yes;
  RiskLevel risk;
  int tier;
};

void PrintTo(const HarmCase& c, std::ostream* os) { *os << c.name; }

class ChildHarmTest : public ChildTest,
                      public ::testing::WithParamInterface<HarmCase> {};

TEST_P(ChildHarmTest, TierFollowsTheHarmCaused) {
  const HarmCase& c = GetParam();
  v1::ChildAssessment a = AllNo(c.age);
  for (const std::string& id : c.yes) Yes(a, id);
  a.set_special_needs(c.special_needs);
  v1::Decision d = Decide(a, c.age);
  EXPECT_EQ(d.side(), common::v1::SIDE_BEHAVIOUR_CHANGE);
  EXPECT_EQ(d.risk_level(), c.risk);
  EXPECT_EQ(d.tier(), c.tier);
  EXPECT_FALSE(d.recipients().idva());
  EXPECT_FALSE(d.recipients().ypva());  // the YPVA is for victims
  EXPECT_TRUE(d.recipients().childrens_social_care());
}

INSTANTIATE_TEST_SUITE_P(
    Edges, ChildHarmTest,
    ::testing::Values(
        HarmCase{"own relationship, moderate, 13", 13, false,
                 {"harm-in-own-relationship"}, kMedium, 3},
        HarmCase{"own relationship, moderate, 17", 17, false,
                 {"harm-in-own-relationship"}, kMedium, 3},
        HarmCase{"own relationship with injury", 15, false,
                 {"harm-in-own-relationship", "harm-causing-injury"}, kHigh,
                 4},
        HarmCase{"harm to a parent at 5", 5, false, {"harm-to-parent"},
                 kStandard, 2},
        HarmCase{"harm to a parent at 5 with special needs", 5, true,
                 {"harm-to-parent"}, kStandard, 2},
        HarmCase{"harm to a parent at 0", 0, false, {"harm-to-parent"},
                 kStandard, 2},
        HarmCase{"harm to a parent at 14", 14, false, {"harm-to-parent"},
                 kStandard, 2},
        HarmCase{"harm to a parent and siblings at 8", 8, false,
                 {"harm-to-parent", "harm-to-siblings"}, kMedium, 3},
        HarmCase{"harm to a parent causing injury at 6", 6, false,
                 {"harm-to-parent", "harm-causing-injury"}, kHigh, 4},
        HarmCase{"victim indicators below the harm do not raise it", 14,
                 false, {"harm-in-own-relationship", "emotional-impact"},
                 kMedium, 3}));

TEST_F(ChildTest, RaisesOnTheBehaviourChangeSideOnlyWhenTheRulesSaySo) {
  config::v1::TriageRules proto = testing::ShippedRulesProto();
  proto.mutable_child()->set_raise_level_for_behaviour_change(true);
  rules_ = testing::RulesFrom(proto);
  v1::ChildAssessment a = AllNo(5);
  Yes(a, "harm-to-parent");
  EXPECT_EQ(Decide(a, 5).tier(), 3);
}

TEST_F(ChildTest, HighRiskChildVictimGoesToTheYpvaNeverTheIdva) {
  v1::Decision d16 = Decide(AllNo(16, 14), 16);  // checklist high risk
  EXPECT_EQ(d16.risk_level(), kHigh);
  EXPECT_EQ(d16.side(), common::v1::SIDE_VICTIM);
  EXPECT_TRUE(d16.recipients().ypva());
  EXPECT_FALSE(d16.recipients().idva());
  EXPECT_TRUE(d16.recipients().marac());
  v1::ChildAssessment a = AllNo(9);
  Yes(a, "injured");
  v1::Decision d9 = Decide(a, 9);
  EXPECT_TRUE(d9.recipients().ypva());
  EXPECT_FALSE(d9.recipients().idva());
  EXPECT_FALSE(d9.recipients().marac());  // under 13
  v1::ChildAssessment low = AllNo(9);
  Yes(low, "emotional-impact");
  EXPECT_FALSE(Decide(low, 9).recipients().ypva());
}

TEST(WhoIsToldTest, Adults) {
  Rules rules = testing::RulesFrom(testing::ShippedRulesProto());
  CaseFacts victim = Adult();
  v1::Decision d = *AssessAdult(Dash(14), victim, rules, "dash");
  EXPECT_TRUE(d.recipients().marac());
  EXPECT_TRUE(d.recipients().idva());
  EXPECT_FALSE(d.recipients().ypva());
  EXPECT_FALSE(d.recipients().childrens_social_care());
  victim.children_in_household = 2;
  d = *AssessAdult(Dash(3), victim, rules, "dash");
  EXPECT_FALSE(d.recipients().marac());
  EXPECT_FALSE(d.recipients().idva());
  EXPECT_TRUE(d.recipients().childrens_social_care());
  CaseFacts harming = Adult();
  harming.front_door = common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE;
  d = *AssessAdult(Dash(14), harming, rules, "dash");
  EXPECT_TRUE(d.recipients().marac());
  EXPECT_FALSE(d.recipients().idva());  // no IDVA for the person harming
}

TEST_F(ChildTest, IndicatorsAreConfiguration) {
  config::v1::TriageRules proto = testing::ShippedRulesProto();
  auto* extra = proto.mutable_child()->add_indicators();
  extra->set_id("online-harm");
  extra->set_text("Is the child being harmed online?");
  extra->set_side(common::v1::SIDE_VICTIM);
  extra->set_severity(4);
  rules_ = testing::RulesFrom(proto);
  v1::ChildAssessment a = AllNo(9);
  Yes(a, "online-harm");
  EXPECT_EQ(Decide(a, 9).child_severity(), v1::CHILD_SEVERITY_SEVERE);
}

struct BadChild {
  const char* name;
  int age;
  std::function<void(v1::ChildAssessment&)> breakit;
  const char* field;
};

void PrintTo(const BadChild& c, std::ostream* os) { *os << c.name; }

class BadChildTest : public ChildTest,
                     public ::testing::WithParamInterface<BadChild> {};

TEST_P(BadChildTest, NamesTheField) {
  v1::ChildAssessment a = AllNo(GetParam().age);
  GetParam().breakit(a);
  auto d = AssessChild(a, Child(GetParam().age), rules_, "assessment.child");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(d.status()), Contains(GetParam().field)) << d.status();
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, BadChildTest,
    ::testing::Values(
        BadChild{"no rules version", 9, [](auto& a) { a.clear_rules_version(); },
                 "assessment.child.rules_version"},
        BadChild{"unknown rules version", 9,
                 [](auto& a) { a.set_rules_version("roots-to-support-0"); },
                 "assessment.child.rules_version"},
        BadChild{"unknown indicator", 9,
                 [](auto& a) { a.mutable_indicators(0)->set_indicator("nope"); },
                 "assessment.child.indicators[0].indicator"},
        BadChild{"indicator not for the age", 9,
                 [](auto& a) {
                   auto* x = a.add_indicators();
                   x->set_indicator("abused-in-own-relationship");
                   x->set_answer(common::v1::ANSWER_NO);
                 },
                 "assessment.child.indicators[10].indicator"},
        BadChild{"indicator unanswered", 9,
                 [](auto& a) { a.mutable_indicators()->RemoveLast(); },
                 "assessment.child.indicators"},
        BadChild{"indicator answered twice", 9,
                 [](auto& a) { *a.add_indicators() = a.indicators(0); },
                 "assessment.child.indicators[10].indicator"},
        BadChild{"indicator answer missing", 9,
                 [](auto& a) { a.mutable_indicators(2)->clear_answer(); },
                 "assessment.child.indicators[2].answer"},
        BadChild{"checklist missing at 15", 15,
                 [](auto& a) { a.clear_young_people_checklist(); },
                 "assessment.child.young_people_checklist"},
        BadChild{"checklist question out of range", 15,
                 [](auto& a) {
                   a.mutable_young_people_checklist(0)->set_question(30);
                 },
                 "assessment.child.young_people_checklist[0].question"},
        BadChild{"checklist given at 9", 9,
                 [](auto& a) {
                   testing::FillChecklist(24, 0,
                                          a.mutable_young_people_checklist());
                 },
                 "assessment.child.young_people_checklist"}));

TEST_F(ChildTest, UnansweredIndicatorsAreNamed) {
  v1::ChildAssessment a = AllNo(9);
  a.mutable_indicators()->DeleteSubrange(0, 2);
  auto d = AssessChild(a, Child(9), rules_, "assessment.child");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().ToString(), HasSubstr("witnessed-violence, injured"));
}

// The form a practitioner is shown asks exactly what AssessChild accepts at
// each age: answering every indicator it lists (and the checklist when it
// asks it) is a complete assessment; the ones it leaves out are refused.
TEST_F(ChildTest, TheFormAsksWhatTheAssessmentNeedsAtEachAge) {
  for (int age : {3, 9, 12, 13, 17}) {
    const v1::ChildAssessmentForm form = ChildFormFor(age, rules_);
    EXPECT_EQ(form.rules_version(), rules_.child().version());
    EXPECT_TRUE(form.special_needs_asked());
    v1::ChildAssessment c;
    c.set_rules_version(form.rules_version());
    for (const v1::IndicatorQuestion& q : form.indicators()) {
      EXPECT_FALSE(q.text().empty()) << q.indicator();
      auto* a = c.add_indicators();
      a->set_indicator(q.indicator());
      a->set_answer(common::v1::ANSWER_NO);
    }
    if (age >= 13) {
      EXPECT_EQ(form.young_people_checklist(), "safelives-yp-dash-24");
      EXPECT_EQ(form.young_people_checklist_questions(), 24);
      testing::FillChecklist(form.young_people_checklist_questions(), 0,
                             c.mutable_young_people_checklist());
    } else {
      EXPECT_EQ(form.young_people_checklist(), "");
      EXPECT_EQ(form.young_people_checklist_questions(), 0);
    }
    auto d = AssessChild(c, Child(age), rules_, "child");
    EXPECT_TRUE(d.ok()) << age << ": " << d.status();
    EXPECT_EQ(form.indicators_size(), AllNo(age).indicators_size()) << age;
  }
  // Own-relationship abuse is asked from 13, not at 12.
  auto ids = [](const v1::ChildAssessmentForm& f) {
    std::vector<std::string> out;
    for (const auto& q : f.indicators()) out.push_back(q.indicator());
    return out;
  };
  EXPECT_THAT(ids(ChildFormFor(12, rules_)),
              Not(Contains("abused-in-own-relationship")));
  EXPECT_THAT(ids(ChildFormFor(13, rules_)),
              Contains("abused-in-own-relationship"));
}

// ---- Overrides and the queue's provisional risk --------------------------

TEST(TierOverrideTest, RecordsTierFromRiskAndReason) {
  v1::Decision d;
  d.set_tier(2);
  v1::TierOverride o;
  o.set_tier(3);
  o.set_reason("Victim disclosed escalation since the DASH");
  ASSERT_TRUE(ApplyTierOverride(o, "tier_override", &d).ok());
  EXPECT_EQ(d.tier(), 3);
  EXPECT_EQ(d.tier_from_risk(), 2);
  EXPECT_EQ(d.tier_override_reason(), o.reason());
}

TEST(TierOverrideTest, NeedsATierFrom1To4AndAReason) {
  v1::Decision d;
  d.set_tier(4);
  v1::TierOverride o;
  o.set_tier(5);
  absl::Status s = ApplyTierOverride(o, "tier_override", &d);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(s), ::testing::UnorderedElementsAre(
                             "tier_override.tier", "tier_override.reason"));
  EXPECT_EQ(d.tier(), 4);
}

TEST(ProvisionalRiskTest, FromWhatIsKnown) {
  Rules rules = testing::RulesFrom(testing::ShippedRulesProto());
  common::v1::Referral r;
  EXPECT_EQ(ProvisionalRisk(r, Adult(), rules), kStandard);
  EXPECT_EQ(ProvisionalRisk(r, Adult(MonthsBeforeReceived(3)), rules), kHigh);
  *r.mutable_risk_assessment() = Dash(11);
  r.mutable_risk_assessment()->mutable_answers()->DeleteSubrange(15, 5);
  EXPECT_EQ(ProvisionalRisk(r, Adult(), rules), kMedium);
  *r.mutable_risk_assessment() = WithCallouts(Dash(1), 4);
  EXPECT_EQ(ProvisionalRisk(r, Adult(), rules), kHigh);
  *r.mutable_risk_assessment() = WithJudgement(Dash(1), "Threats to kill");
  EXPECT_EQ(ProvisionalRisk(r, Adult(), rules), kHigh);
  *r.mutable_risk_assessment() = WithReasonOnly(Dash(1), "Threats to kill");
  EXPECT_EQ(ProvisionalRisk(r, Adult(), rules), kStandard);
  *r.mutable_risk_assessment() =
      WithReportedMarac(Dash(1), MonthsBeforeReceived(11));
  EXPECT_EQ(ProvisionalRisk(r, Adult(), rules), kHigh);
  *r.mutable_risk_assessment() =
      WithReportedMarac(Dash(1), MonthsBeforeReceived(13));
  EXPECT_EQ(ProvisionalRisk(r, Adult(), rules), kStandard);
  // The young people's DASH: high at the children's checklist threshold.
  *r.mutable_risk_assessment() = Dash(14, "safelives-yp-dash-24");
  EXPECT_EQ(ProvisionalRisk(r, Child(15), rules), kHigh);
  *r.mutable_risk_assessment() = Dash(13, "safelives-yp-dash-24");
  EXPECT_NE(ProvisionalRisk(r, Child(15), rules), kHigh);
}

}  // namespace
}  // namespace frontdoor::triage
