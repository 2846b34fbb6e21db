#pragma once

// The shipped rules file, and builders of complete assessments, for the
// triage rule tests.

#include <string>

#include <gtest/gtest.h>

#include "common/config/config.h"
#include "frontdoor/config/v1/triage_rules.pb.h"
#include "frontdoor/triage/v1/triage.pb.h"
#include "triage-svc/rules.h"

namespace frontdoor::triage::testing {

inline config::v1::TriageRules ShippedRulesProto() {
  auto proto = config::LoadJsonFile<config::v1::TriageRules>(
      std::string(FRONTDOOR_SOURCE_DIR) + "/config/triage-rules.json");
  EXPECT_TRUE(proto.ok()) << proto.status();
  return proto.ok() ? *proto : config::v1::TriageRules();
}

inline Rules RulesFrom(const config::v1::TriageRules& proto) {
  auto rules = Rules::FromProto(proto);
  EXPECT_TRUE(rules.ok()) << rules.status();
  return *std::move(rules);
}

// A complete checklist of `questions` answers with the first `yes` answered
// yes and the rest a mix of no and don't know.
inline void FillChecklist(
    int questions, int yes,
    google::protobuf::RepeatedPtrField<common::v1::DashAnswer>* answers) {
  for (int q = 1; q <= questions; ++q) {
    auto* a = answers->Add();
    a->set_question(q);
    a->set_answer(q <= yes ? common::v1::ANSWER_YES
                  : q % 2 ? common::v1::ANSWER_NO
                          : common::v1::ANSWER_DONT_KNOW);
  }
}

inline common::v1::RiskAssessment Dash(int yes,
                                       const char* form = "safelives-dash-24",
                                       int questions = 24) {
  common::v1::RiskAssessment a;
  a.set_form_version(form);
  FillChecklist(questions, yes, a.mutable_answers());
  return a;
}

// A complete children's assessment under the shipped rules: every indicator
// answered, only `yes` with YES, and a young people's checklist with two
// yes answers.
inline v1::ChildAssessment ChildAnswers(const std::string& yes) {
  v1::ChildAssessment child;
  child.set_rules_version("roots-to-support-2");
  for (const char* id :
       {"witnessed-violence", "injured", "threatened", "used-as-leverage",
        "frightened-at-home", "emotional-impact", "neglect",
        "abused-in-own-relationship", "harm-to-parent",
        "harm-in-own-relationship", "harm-to-siblings", "harm-causing-injury",
        "missing-episodes", "exploitation-signs"}) {
    auto* a = child.add_indicators();
    a->set_indicator(id);
    a->set_answer(yes == id ? common::v1::ANSWER_YES : common::v1::ANSWER_NO);
  }
  FillChecklist(24, 2, child.mutable_young_people_checklist());
  return child;
}

}  // namespace frontdoor::triage::testing
