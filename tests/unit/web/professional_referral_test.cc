#include "web-svc/professional_referral.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/unit/web/intake_paths.h"
#include "web-svc/pages.h"
#include "web-svc/professional_pages.h"

namespace frontdoor::web {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing_paths::IntakePaths;
using testing_paths::ValidateAsWeb;

const std::vector<std::string> kDomains = {"nhs.net",
                                           "staffordshire.police.uk",
                                           "stoke.gov.uk"};

constexpr ProfessionalForm kAllForms[] = {ProfessionalForm::kAdultVictim,
                                          ProfessionalForm::kBehaviourChange,
                                          ProfessionalForm::kChild};

TEST(WorkEmailTest, AcceptsTheDomainsAndTheirSubdomainsOnly) {
  for (const char* ok :
       {"sam.jones@nhs.net", "SAM@NHS.NET", "a@gp.nhs.net",
        "a@deep.gp.nhs.net", "officer@staffordshire.police.uk",
        " sam@stoke.gov.uk "}) {
    EXPECT_TRUE(IsAcceptedWorkEmail(ok, kDomains)) << ok;
  }
  for (const char* bad :
       {"a@nhs.net.evil.com", "a@evil-nhs.net", "a@evilnhs.net", "a@net",
        "a@.nhs.net", "a@nhs.net.", "nhs.net", "@nhs.net", "a@b@nhs.net",
        "a@nhs.net@evil.com", "a@gmail.com", "a@police.uk", ""}) {
    EXPECT_FALSE(IsAcceptedWorkEmail(bad, kDomains)) << bad;
  }
  EXPECT_FALSE(IsAcceptedWorkEmail("a@nhs.net", {}));
}

// Paths a professional can cause on each form, and where each is shown.
std::map<std::string, std::string> ProfessionalPaths(ProfessionalForm form) {
  std::map<std::string, std::string> p = {
      {"referral.referrer.name", "referrer-name"},
      {"referral.referrer.role", "referrer-role"},
      {"referral.referrer.organisation", "referrer-organisation"},
      {"referral.referrer.agency_case_reference", "referrer-case-reference"},
      {"referral.referrer.phone", "referrer-phone"},
      {"referral.referrer.email", "referrer-email"},
      {"referral.subject.name", "given-names"},
      {"referral.subject.name.given_names", "given-names"},
      {"referral.subject.name.family_name", "family-name"},
      {"referral.subject.date_of_birth", "dob-day"},
      {"referral.subject.contact", "phone"},
      {"referral.subject.contact.phone", "phone"},
      {"referral.subject.contact.email", "email"},
      {"referral.subject.contact.safe_times", "safe-times"},
      {"referral.subject.address", "address-postcode"},
      {"referral.subject.address.lines", "address-line-1"},
      {"referral.subject.address.lines[0]", "address-line-1"},
      {"referral.subject.address.lines[1]", "address-line-2"},
      {"referral.subject.address.town", "address-town"},
      {"referral.subject.address.postcode", "address-postcode"},
      {"referral.subject.address.district", "address-postcode"},
      {"referral.subject.specialist_needs", "need-lgbtq"},
      {"referral.subject.specialist_needs[0]", "need-lgbtq"},
      {"referral.consent.subject", "consent"},
      {"referral.consent.parent_or_carer", "parent-consent"},
      {"referral.other_party", "other-given-names"},
      {"referral.other_party.name", "other-given-names"},
      {"referral.other_party.name.given_names", "other-given-names"},
      {"referral.other_party.name.family_name", "other-family-name"},
      {"referral.other_party.date_of_birth", "other-dob-day"},
      {"referral.other_party.relationship", "other-relationship"},
      {"referral.children", "child-1-given-names"},
      {"referral.children[0].name", "child-1-given-names"},
      {"referral.children[0].name.given_names", "child-1-given-names"},
      {"referral.children[1].name.family_name", "child-2-family-name"},
      {"referral.children[0].date_of_birth", "child-1-dob-day"},
      {"referral.concerns", "concerns"},
      {"referral.behaviour_change", "known-to-probation"},
      {"referral.behaviour_change.known_to_probation", "known-to-probation"},
      {"referral.behaviour_change.previous_programme", "previous-programme"},
      {"referral.behaviour_change.previous_programme_name",
       "previous-programme-name"},
      {"referral.risk_assessment.form_version", "dash-1"},
      // answers[i] is the i-th question answered: here questions 3 and 9.
      {"referral.risk_assessment.answers[0].comment", "dash-3-comment"},
      {"referral.risk_assessment.answers[1].comment", "dash-9-comment"},
  };
  // Each form shows only what it asks.
  const auto& fields = ProfessionalFields(form);
  for (auto it = p.begin(); it != p.end();) {
    const bool asked = std::find(fields.begin(), fields.end(), it->second) !=
                       fields.end();
    it = asked ? std::next(it) : p.erase(it);
  }
  return p;
}

TEST(ProfessionalMappingTest, EveryPathIntakeCanReturnHasItsPlaceOnEachForm) {
  for (ProfessionalForm form : kAllForms) {
    BuiltReferral built;
    built.answer_questions = {3, 9};
    const MappingContext ctx = ProfessionalMapping(form, built);
    const auto expected = ProfessionalPaths(form);
    const auto& fields = ProfessionalFields(form);
    for (const std::string& path : IntakePaths()) {
      ASSERT_TRUE(IsKnownIntakePath(path)) << path;
      for (const char* description : {"required", "must be something else"}) {
        const std::optional<FormError> e =
            MapViolation({path, description}, ctx);
        auto it = expected.find(path);
        if (it == expected.end()) {
          // Either web-svc's own (never the professional's to fix) or a
          // field the mapping places on a question this form does not ask.
          if (e.has_value()) {
            EXPECT_THAT(fields, Not(Contains(e->field)))
                << SpecFor(form).slug << " " << path;
          }
          continue;
        }
        ASSERT_TRUE(e.has_value()) << SpecFor(form).slug << " " << path;
        EXPECT_EQ(e->field, it->second) << path;
        EXPECT_THAT(fields, Contains(e->field)) << path;
        EXPECT_FALSE(e->message.empty()) << path << " " << description;
        EXPECT_NE(e->message, description);
        EXPECT_THAT(e->message, Not(HasSubstr("{"))) << path;
      }
    }
  }
}

TEST(ProfessionalMappingTest, MessagesNameWhoseDetailIsWrong) {
  BuiltReferral built;
  EXPECT_EQ(MapViolation({"referral.subject.name.given_names", "required"},
                         ProfessionalMapping(ProfessionalForm::kChild, built))
                ->message,
            "Enter the child's first name");
  EXPECT_EQ(
      MapViolation({"referral.other_party", "required for behaviour change"},
                   ProfessionalMapping(ProfessionalForm::kBehaviourChange,
                                       built))
          ->message,
      "Enter the partner's details");
  // The self-referral's column is unchanged.
  EXPECT_EQ(MapViolation({"referral.subject.name.given_names", "required"})
                ->message,
            "Enter your first name");
  // A DASH answer index beyond what the form sent is web-svc's fault.
  EXPECT_FALSE(
      MapViolation({"referral.risk_assessment.answers[5].comment", "too long"},
                   ProfessionalMapping(ProfessionalForm::kAdultVictim, built))
          .has_value());
}

FormValues Complete(ProfessionalForm form) {
  FormValues f = {
      {"referrer-name", "Pat Smith"},
      {"referrer-organisation", "Oakfield Primary School"},
      {"referrer-role", "Designated safeguarding lead"},
      {"referrer-email", "pat.smith@stoke.gov.uk"},
      {"given-names", "Sam"},
      {"family-name", "Jones"},
      {"dob-day", "1"},
      {"dob-month", "2"},
      {"dob-year", "1990"},
      {"address-postcode", "ST4 7AB"},
      {"phone", "07700 900982"},
      {"safe-to-call", "yes"},
      {"safe-to-leave-message", "no"},
      {"concerns", "Her partner hurts her."},
      {"children", "no"},
      {"consent", "given"},
  };
  if (form == ProfessionalForm::kBehaviourChange) {
    f["other-given-names"] = "Kim";
    f["other-family-name"] = "Jones";
    f["other-relationship"] = "current-partner";
    f["known-to-probation"] = "no";
    f["previous-programme"] = "dont-know";
  }
  if (form == ProfessionalForm::kChild) {
    f["dob-year"] = "2011";  // 15 on the validation's day
    f["parent-consent"] = "not-sought";
  }
  return f;
}

TEST(ProfessionalReferralTest, EachCompleteFormIsAValidWebReferralForItsDoor) {
  const std::map<ProfessionalForm, common::v1::RequestedService> services = {
      {ProfessionalForm::kAdultVictim,
       common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT},
      {ProfessionalForm::kBehaviourChange,
       common::v1::REQUESTED_SERVICE_BEHAVIOUR_CHANGE},
      {ProfessionalForm::kChild,
       common::v1::REQUESTED_SERVICE_CHILDRENS_FRONT_DOOR},
  };
  for (ProfessionalForm form : kAllForms) {
    const BuiltReferral built =
        BuildProfessionalReferral(form, Complete(form), kDomains);
    EXPECT_THAT(built.errors, IsEmpty()) << SpecFor(form).slug;
    const auto& r = built.referral;
    EXPECT_EQ(r.channel(), common::v1::CHANNEL_WEB_FORM);
    EXPECT_EQ(r.requested_service(), services.at(form));
    EXPECT_FALSE(r.referrer().self_referral());
    EXPECT_EQ(r.referrer().name(), "Pat Smith");
    EXPECT_EQ(r.referrer().organisation(), "Oakfield Primary School");
    EXPECT_EQ(r.referrer().role(), "Designated safeguarding lead");
    EXPECT_EQ(r.referrer().email(), "pat.smith@stoke.gov.uk");
    EXPECT_EQ(r.consent().subject(), common::v1::CONSENT_GIVEN);
    EXPECT_FALSE(r.has_risk_assessment());
    const absl::Status s = ValidateAsWeb(r);
    EXPECT_TRUE(s.ok()) << SpecFor(form).slug << " " << s;
  }
  const auto bc = BuildProfessionalReferral(
      ProfessionalForm::kBehaviourChange,
      Complete(ProfessionalForm::kBehaviourChange), kDomains);
  EXPECT_EQ(bc.referral.other_party().relationship(),
            common::v1::RELATIONSHIP_CURRENT_PARTNER);
  EXPECT_EQ(bc.referral.behaviour_change().previous_programme(),
            common::v1::ANSWER_DONT_KNOW);
  const auto child = BuildProfessionalReferral(
      ProfessionalForm::kChild, Complete(ProfessionalForm::kChild), kDomains);
  EXPECT_EQ(child.referral.consent().parent_or_carer(),
            common::v1::CONSENT_NOT_SOUGHT_SAFEGUARDING);
}

TEST(ProfessionalReferralTest, AWorkEmailOutsideTheDomainsIsRefusedOnItsField) {
  for (const char* email : {"pat@gmail.com", "pat@nhs.net.evil.com",
                            "pat@evil-nhs.net"}) {
    FormValues f = Complete(ProfessionalForm::kAdultVictim);
    f["referrer-email"] = email;
    const BuiltReferral built =
        BuildProfessionalReferral(ProfessionalForm::kAdultVictim, f, kDomains);
    ASSERT_EQ(built.errors.size(), 1u) << email;
    EXPECT_EQ(built.errors[0].field, "referrer-email");
    EXPECT_EQ(built.errors[0].message,
              "Enter a work email address ending in nhs.net, "
              "staffordshire.police.uk, stoke.gov.uk");
  }
  FormValues f = Complete(ProfessionalForm::kAdultVictim);
  for (const char* k : {"referrer-organisation", "referrer-role",
                        "referrer-email"}) {
    f.erase(k);
  }
  std::vector<std::string> fields;
  for (const auto& e :
       BuildProfessionalReferral(ProfessionalForm::kAdultVictim, f, kDomains)
           .errors) {
    fields.push_back(e.field);
  }
  EXPECT_THAT(fields, ElementsAre("referrer-organisation", "referrer-role",
                                  "referrer-email"));
}

TEST(ProfessionalReferralTest, TheDashIsSentWithTheAnsweredQuestionsOnly) {
  FormValues f = Complete(ProfessionalForm::kAdultVictim);
  for (int q = 1; q <= 14; ++q) f[absl::StrCat("dash-", q)] = "yes";
  f["dash-15"] = "no";
  f["dash-16"] = "dont-know";
  f["dash-2-comment"] = "Since March";
  const BuiltReferral built =
      BuildProfessionalReferral(ProfessionalForm::kAdultVictim, f, kDomains);
  ASSERT_THAT(built.errors, IsEmpty());
  const auto& dash = built.referral.risk_assessment();
  EXPECT_EQ(dash.form_version(), "safelives-dash-24");
  ASSERT_EQ(dash.answers_size(), 16);
  EXPECT_EQ(dash.answers(1).question(), 2);
  EXPECT_EQ(dash.answers(1).comment(), "Since March");
  EXPECT_EQ(dash.answers(15).answer(), common::v1::ANSWER_DONT_KNOW);
  EXPECT_EQ(built.answer_questions.size(), 16u);
  EXPECT_TRUE(ValidateAsWeb(built.referral).ok());
  // A comment without its answer is the form's own question.
  f["dash-20-comment"] = "Not sure";
  const auto errors =
      BuildProfessionalReferral(ProfessionalForm::kAdultVictim, f, kDomains)
          .errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "dash-20");
  // Every question has its plain-English wording.
  for (int q = 1; q <= kDashQuestions; ++q) {
    EXPECT_GT(std::string(DashQuestion(q)).size(), 10u) << q;
  }
}

// Whatever an empty or wrong form makes intake say is shown on a field of
// that form: nothing a professional can get wrong reaches the error page.
TEST(ProfessionalReferralTest, EveryViolationOfAFilledInFormIsShownOnAField) {
  for (ProfessionalForm form : kAllForms) {
    std::vector<FormValues> forms;
    FormValues empty = {{"referrer-name", "Pat"},
                        {"referrer-organisation", "School"},
                        {"referrer-role", "Teacher"},
                        {"referrer-email", "pat@nhs.net"},
                        {"safe-to-call", "no"},
                        {"safe-to-leave-message", "no"},
                        {"children", "yes"}};
    forms.push_back(empty);
    FormValues wrong = Complete(form);
    wrong["dob-year"] = "2090";
    wrong["address-postcode"] = "NOT A CODE";
    wrong["phone"] = "call me";
    wrong["referrer-phone"] = "ring reception";
    wrong["referrer-case-reference"] = std::string(101, 'x');
    wrong["other-given-names"] = "Kim";
    wrong["other-dob-day"] = "31";
    wrong["other-dob-month"] = "2";
    wrong["other-dob-year"] = "2000";
    wrong["consent"] = "refused";
    wrong["children"] = "yes";
    wrong["child-3-given-names"] = "Alex";
    wrong["dash-3"] = "yes";
    wrong["dash-3-comment"] = std::string(2001, 'x');
    wrong["previous-programme-name"] = std::string(201, 'x');
    forms.push_back(wrong);
    if (form == ProfessionalForm::kChild) {
      FormValues young = Complete(form);
      young["dob-year"] = "2020";  // too young for the young people's DASH
      young["dash-1"] = "yes";
      forms.push_back(young);
    }
    for (const FormValues& f : forms) {
      const BuiltReferral built = BuildProfessionalReferral(form, f, kDomains);
      ASSERT_THAT(built.errors, IsEmpty()) << SpecFor(form).slug;
      const absl::Status s = ValidateAsWeb(built.referral);
      ASSERT_FALSE(s.ok()) << SpecFor(form).slug;
      std::vector<std::string> unmapped;
      const auto errors = MapViolations(GetFieldViolations(s), &unmapped,
                                        ProfessionalMapping(form, built));
      EXPECT_THAT(unmapped, IsEmpty()) << SpecFor(form).slug << " " << s;
      EXPECT_FALSE(errors.empty());
      for (const FormError& e : errors) {
        EXPECT_THAT(ProfessionalFields(form), Contains(e.field))
            << SpecFor(form).slug << " " << e.field;
      }
    }
  }
}

TEST(ProfessionalPagesTest, EachFormShowsItsQuestionsAndErrors) {
  PageContext ctx{"https://www.bbc.co.uk/weather", true};
  for (ProfessionalForm form : kAllForms) {
    FormView v;
    v.values = {{"given-names", "<b>Sam</b>"}};
    v.errors = {{"referrer-email", "Enter your work email address"}};
    v.child_blocks = 2;
    const std::string html = RenderProfessionalFormPage(ctx, form, v, kDomains);
    EXPECT_THAT(html, HasSubstr("<title>Error: Get support</title>"));
    EXPECT_THAT(html, HasSubstr("<a href=\"#referrer-email\">Enter your work "
                                "email address</a>"));
    EXPECT_THAT(html, HasSubstr("&lt;b&gt;Sam&lt;/b&gt;"));
    EXPECT_THAT(html, Not(HasSubstr("<b>Sam</b>")));
    EXPECT_THAT(html, HasSubstr("nhs.net, staffordshire.police.uk or "
                                "stoke.gov.uk"));
    EXPECT_THAT(html, HasSubstr("id=\"child-2\""));
    EXPECT_THAT(html, Not(HasSubstr("id=\"child-3\"")));
    EXPECT_THAT(html, HasSubstr(absl::StrCat("formaction=\"/professional/",
                                             SpecFor(form).slug,
                                             "#child-3\"")));
    // Every field the form reads is on the page (each date by its day).
    for (const std::string& f : ProfessionalFields(form)) {
      if (f.rfind("child-", 0) == 0 && f.rfind("child-1-", 0) != 0 &&
          f.rfind("child-2-", 0) != 0 && f != "child-count") {
        continue;
      }
      EXPECT_THAT(html, HasSubstr(absl::StrCat("name=\"", f, "\"")))
          << SpecFor(form).slug << " " << f;
    }
    const bool dash = form != ProfessionalForm::kBehaviourChange;
    EXPECT_EQ(html.find(DashQuestion(14)) != std::string::npos, dash);
  }
  // At the limit, no "Add another child".
  FormView full;
  full.child_blocks = kMaxFormChildren;
  EXPECT_THAT(RenderProfessionalFormPage(ctx, ProfessionalForm::kAdultVictim,
                                         full, kDomains),
              Not(HasSubstr("name=\"add-child\"")));
}

}  // namespace
}  // namespace frontdoor::web
