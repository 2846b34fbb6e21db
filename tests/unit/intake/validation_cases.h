#pragma once
// Example referrals and the table of validation rules, shared by the unit
// tests of the rules and the service tests that run them over real mTLS.

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "frontdoor/common/v1/referral.pb.h"
#include "google/protobuf/util/json_util.h"
#include "intake-svc/validation.h"

namespace frontdoor::intake::testing {

using common::v1::Referral;

inline Referral LoadExample(const std::string& name) {
  std::ifstream in(std::string(FRONTDOOR_SOURCE_DIR) + "/tools/examples/" +
                   name);
  std::stringstream json;
  json << in.rdbuf();
  Referral r;
  auto status = google::protobuf::util::JsonStringToMessage(json.str(), &r);
  EXPECT_TRUE(status.ok()) << name << ": " << status.ToString();
  return r;
}

struct RuleCase {
  const char* name;
  const char* example;
  std::function<void(Referral&)> mutate;
  const char* field;
  // Submitted by the service's own staff (frontdoor-helpline) rather than a
  // partner (staffs-police).
  bool staff = false;
};

// Test output names the case, not the bytes of the struct.
inline void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.name; }

inline const char kAdult[] = "adult-victim.json";
inline const char kChange[] = "adult-behaviour-change.json";
inline const char kDash[] = "high-risk-dash.json";

// One case per validation rule: a valid example, a change that breaks the
// rule, and the field the violation must name.
inline std::vector<RuleCase> RuleCases() {
  return {

      RuleCase{"no service", kAdult,
                 [](Referral& r) { r.clear_requested_service(); },
                 "referral.requested_service"},
      RuleCase{"unknown service", kAdult,
                 [](Referral& r) {
                   r.set_requested_service(
                       static_cast<common::v1::RequestedService>(42));
                 },
                 "referral.requested_service"},
      RuleCase{"no channel", kAdult, [](Referral& r) { r.clear_channel(); },
                 "referral.channel"},
      RuleCase{"partner claims phone channel", kAdult,
                 [](Referral& r) { r.set_channel(common::v1::CHANNEL_PHONE); },
                 "referral.channel"},
      RuleCase{"no referrer", kAdult,
                 [](Referral& r) { r.clear_referrer(); }, "referral.referrer"},
      RuleCase{"referrer unnamed", kAdult,
                 [](Referral& r) { r.mutable_referrer()->set_name("  "); },
                 "referral.referrer.name"},
      RuleCase{"referrer unreachable", kAdult,
                 [](Referral& r) {
                   r.mutable_referrer()->clear_phone();
                   r.mutable_referrer()->clear_email();
                 },
                 "referral.referrer.phone"},
      RuleCase{"referrer organisation too long", kAdult,
                 [](Referral& r) {
                   r.mutable_referrer()->set_organisation(
                       std::string(kMaxOrganisationChars + 1, 'o'));
                 },
                 "referral.referrer.organisation"},
      RuleCase{"referrer email malformed", kAdult,
                 [](Referral& r) { r.mutable_referrer()->set_email("sam@"); },
                 "referral.referrer.email"},
        // Keyed on behalf of another agency.
      RuleCase{"partner keys on behalf of another agency", kAdult,
                 [](Referral& r) {
                   r.mutable_referrer()->set_on_behalf_of_agency(
                       "uhnm-health");
                 },
                 "referral.referrer.on_behalf_of_agency"},
      RuleCase{"staff key on behalf of an unknown agency", kAdult,
                 [](Referral& r) {
                   r.set_channel(common::v1::CHANNEL_SECURE_EMAIL);
                   r.mutable_referrer()->set_on_behalf_of_agency(
                       "unregistered-agency");
                 },
                 "referral.referrer.on_behalf_of_agency", /*staff=*/true},
      RuleCase{"staff key on behalf of a recipient only", kAdult,
                 [](Referral& r) {
                   r.set_channel(common::v1::CHANNEL_SECURE_EMAIL);
                   r.mutable_referrer()->set_on_behalf_of_agency(
                       "staffs-police-hub");
                 },
                 "referral.referrer.on_behalf_of_agency", /*staff=*/true},
      RuleCase{"staff key on behalf of the service's staff", kAdult,
                 [](Referral& r) {
                   r.set_channel(common::v1::CHANNEL_SECURE_EMAIL);
                   r.mutable_referrer()->set_on_behalf_of_agency(
                       "frontdoor-helpline");
                 },
                 "referral.referrer.on_behalf_of_agency", /*staff=*/true},
      RuleCase{"on behalf of agency oversized", kAdult,
                 [](Referral& r) {
                   r.set_channel(common::v1::CHANNEL_SECURE_EMAIL);
                   r.mutable_referrer()->set_on_behalf_of_agency(
                       std::string(kMaxAgencyIdChars + 1, 'a'));
                 },
                 "referral.referrer.on_behalf_of_agency", /*staff=*/true},
      RuleCase{"staff key secure email without its agency", kAdult,
                 [](Referral& r) {
                   r.set_channel(common::v1::CHANNEL_SECURE_EMAIL);
                 },
                 "referral.referrer.on_behalf_of_agency", /*staff=*/true},
      RuleCase{"no subject", kAdult, [](Referral& r) { r.clear_subject(); },
                 "referral.subject"},
      RuleCase{"no family name", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->mutable_name()->clear_family_name();
                 },
                 "referral.subject.name.family_name"},
      RuleCase{"no name", kAdult,
                 [](Referral& r) { r.mutable_subject()->clear_name(); },
                 "referral.subject.name"},
      RuleCase{"no date of birth", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->clear_date_of_birth();
                 },
                 "referral.subject.date_of_birth"},
      RuleCase{"impossible date", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->mutable_date_of_birth()->set_month(2);
                   r.mutable_subject()->mutable_date_of_birth()->set_day(30);
                 },
                 "referral.subject.date_of_birth"},
      RuleCase{"born tomorrow", kAdult,
                 [](Referral& r) {
                   auto* d = r.mutable_subject()->mutable_date_of_birth();
                   d->set_year(2026), d->set_month(11), d->set_day(24);
                 },
                 "referral.subject.date_of_birth"},
      RuleCase{"no contact", kAdult,
                 [](Referral& r) { r.mutable_subject()->clear_contact(); },
                 "referral.subject.contact"},
      RuleCase{"contact has no way in", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->mutable_contact()->clear_phone();
                 },
                 "referral.subject.contact.phone"},
      RuleCase{"phone has letters", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->mutable_contact()->set_phone(
                       "call me maybe");
                 },
                 "referral.subject.contact.phone"},
      RuleCase{"no address", kAdult,
                 [](Referral& r) { r.mutable_subject()->clear_address(); },
                 "referral.subject.address"},
      RuleCase{"postcode outside the area", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->mutable_address()->set_postcode(
                       "SW1A 1AA");
                 },
                 "referral.subject.address.district"},
      RuleCase{"malformed postcode", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->mutable_address()->set_postcode(
                       "12345");
                 },
                 "referral.subject.address.postcode"},
      RuleCase{"unknown district", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->mutable_address()->set_district(
                       "atlantis");
                 },
                 "referral.subject.address.district"},
      RuleCase{"too many address lines", kAdult,
                 [](Referral& r) {
                   for (int i = 0; i < 4; ++i) {
                     r.mutable_subject()->mutable_address()->add_lines("x");
                   }
                 },
                 "referral.subject.address.lines"},
      RuleCase{"unknown specialist need", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->add_specialist_needs(
                       common::v1::SPECIALIST_NEED_UNSPECIFIED);
                 },
                 "referral.subject.specialist_needs[1]"},
      RuleCase{"no consent", kAdult, [](Referral& r) { r.clear_consent(); },
                 "referral.consent.subject"},
      RuleCase{"no concerns", kAdult, [](Referral& r) { r.clear_concerns(); },
                 "referral.concerns"},
      RuleCase{"concerns oversized", kAdult,
                 [](Referral& r) {
                   r.set_concerns(std::string(kMaxConcernsChars + 1, 'x'));
                 },
                 "referral.concerns"},
      RuleCase{"hostile name", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->mutable_name()->set_given_names(
                       "Robert\x1b]0;owned\x07");
                 },
                 "referral.subject.name.given_names"},
      // Bidirectional and other format controls in any person's name.
      RuleCase{"subject family name with right-to-left override", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->mutable_name()->set_family_name(
                       "Rah\u202Eman");
                 },
                 "referral.subject.name.family_name"},
      RuleCase{"subject given names with left-to-right mark", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->mutable_name()->set_given_names(
                       "\u200EAisha");
                 },
                 "referral.subject.name.given_names"},
      RuleCase{"subject name with tag characters", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->mutable_name()->set_given_names(
                       "Aisha\U000E0041\U000E007F");
                 },
                 "referral.subject.name.given_names"},
      RuleCase{"other party name with bidi isolate", kAdult,
                 [](Referral& r) {
                   r.mutable_other_party()->mutable_name()->set_given_names(
                       "\u2067Daniel\u2069");
                 },
                 "referral.other_party.name.given_names"},
      RuleCase{"child name with invisible operator", kAdult,
                 [](Referral& r) {
                   r.mutable_children(0)->mutable_name()->set_family_name(
                       "Rah\u2061man");
                 },
                 "referral.children[0].name.family_name"},
      RuleCase{"referrer name with embedding", kAdult,
                 [](Referral& r) {
                   r.mutable_referrer()->set_name("PC Sam \u202BOkafor\u202C");
                 },
                 "referral.referrer.name"},
      RuleCase{"name oversized", kAdult,
                 [](Referral& r) {
                   r.mutable_subject()->mutable_name()->set_family_name(
                       std::string(kMaxNameChars + 1, 'a'));
                 },
                 "referral.subject.name.family_name"},
      RuleCase{"child without date of birth", kAdult,
                 [](Referral& r) { r.mutable_children(0)->clear_date_of_birth(); },
                 "referral.children[0].date_of_birth"},
      RuleCase{"too many children", kAdult,
                 [](Referral& r) {
                   for (int i = 0; i < kMaxChildren; ++i) {
                     *r.add_children() = r.children(0);
                   }
                 },
                 "referral.children"},
      RuleCase{"other party without relationship", kAdult,
                 [](Referral& r) {
                   r.mutable_other_party()->clear_relationship();
                 },
                 "referral.other_party.relationship"},
        // Behaviour change minimum data set.
      RuleCase{"change without partner", kChange,
                 [](Referral& r) { r.clear_other_party(); },
                 "referral.other_party"},
      RuleCase{"change without consent", kChange,
                 [](Referral& r) {
                   r.mutable_consent()->set_subject(
                       common::v1::CONSENT_NOT_SOUGHT_SAFEGUARDING);
                 },
                 "referral.consent.subject"},
      RuleCase{"change without details", kChange,
                 [](Referral& r) { r.clear_behaviour_change(); },
                 "referral.behaviour_change"},
      RuleCase{"change without probation answer", kChange,
                 [](Referral& r) {
                   r.mutable_behaviour_change()->clear_known_to_probation();
                 },
                 "referral.behaviour_change.known_to_probation"},
      RuleCase{"change without previous programme answer", kChange,
                 [](Referral& r) {
                   r.mutable_behaviour_change()->clear_previous_programme();
                 },
                 "referral.behaviour_change.previous_programme"},
        // Attached assessment.
      RuleCase{"unknown DASH form", kDash,
                 [](Referral& r) {
                   r.mutable_risk_assessment()->set_form_version("dash-99");
                 },
                 "referral.risk_assessment.form_version"},
      RuleCase{"DASH question out of range", kDash,
                 [](Referral& r) {
                   r.mutable_risk_assessment()->mutable_answers(3)->set_question(
                       25);
                 },
                 "referral.risk_assessment.answers[3].question"},
      RuleCase{"DASH question twice", kDash,
                 [](Referral& r) {
                   r.mutable_risk_assessment()->mutable_answers(3)->set_question(
                       1);
                 },
                 "referral.risk_assessment.answers[3].question"},
      RuleCase{"DASH answer missing", kDash,
                 [](Referral& r) {
                   r.mutable_risk_assessment()->mutable_answers(5)->clear_answer();
                 },
                 "referral.risk_assessment.answers[5].answer"},
      RuleCase{"negative call-outs", kDash,
                 [](Referral& r) {
                   r.mutable_risk_assessment()
                       ->set_police_callouts_past_12_months(-1);
                 },
                 "referral.risk_assessment.police_callouts_past_12_months"},
      RuleCase{"judgement asserted without a reason", kDash,
                 [](Referral& r) {
                   r.mutable_risk_assessment()
                       ->set_professional_judgement_high_risk(true);
                   r.mutable_risk_assessment()
                       ->clear_professional_judgement_reason();
                 },
                 "referral.risk_assessment.professional_judgement_reason"},
      RuleCase{"previous MARAC referral in the future", kDash,
                 [](Referral& r) {
                   auto* d = r.mutable_risk_assessment()
                                 ->mutable_previous_marac_referral_date();
                   d->set_year(2999);
                   d->set_month(1);
                   d->set_day(1);
                 },
                 "referral.risk_assessment.previous_marac_referral_date"},
      RuleCase{"previous MARAC referral not a date", kDash,
                 [](Referral& r) {
                   auto* d = r.mutable_risk_assessment()
                                 ->mutable_previous_marac_referral_date();
                   d->set_year(2026);
                   d->set_month(2);
                   d->set_day(30);
                 },
                 "referral.risk_assessment.previous_marac_referral_date"},
      RuleCase{"young people's DASH for an adult", kDash,
                 [](Referral& r) {
                   r.mutable_risk_assessment()->set_form_version(
                       "safelives-yp-dash-24");
                 },
                 "referral.risk_assessment.form_version"},
      RuleCase{"suspect's known victims zero", kAdult,
                 [](Referral& r) { r.set_suspect_known_victims(0); },
                 "referral.suspect_known_victims"}
  };
}

inline std::string CaseName(const ::testing::TestParamInfo<RuleCase>& info) {
  std::string name = info.param.name;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

}  // namespace frontdoor::intake::testing
