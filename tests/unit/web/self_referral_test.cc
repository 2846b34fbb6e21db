#include "web-svc/self_referral.h"

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/util/json_util.h"
#include "intake-svc/districts.h"
#include "intake-svc/validation.h"

namespace frontdoor::web {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Every field path intake's validation (intake-svc/validation.cc) can
// return, with index 0 (and 1) where the path has one.
const std::vector<std::string>& IntakePaths() {
  static const auto* kPaths = new std::vector<std::string>{
      "idempotency_key",
      "referral",
      "referral.requested_service",
      "referral.channel",
      "referral.referrer",
      "referral.referrer.name",
      "referral.referrer.role",
      "referral.referrer.agency_case_reference",
      "referral.referrer.phone",
      "referral.referrer.email",
      "referral.referrer.safe_times",
      "referral.referrer.on_behalf_of_agency",
      "referral.subject",
      "referral.subject.name",
      "referral.subject.name.given_names",
      "referral.subject.name.family_name",
      "referral.subject.date_of_birth",
      "referral.subject.gender",
      "referral.subject.contact",
      "referral.subject.contact.phone",
      "referral.subject.contact.email",
      "referral.subject.contact.safe_times",
      "referral.subject.address",
      "referral.subject.address.lines",
      "referral.subject.address.lines[0]",
      "referral.subject.address.lines[1]",
      "referral.subject.address.town",
      "referral.subject.address.postcode",
      "referral.subject.address.district",
      "referral.subject.specialist_needs",
      "referral.subject.specialist_needs[0]",
      "referral.consent.subject",
      "referral.consent.parent_or_carer",
      "referral.other_party",
      "referral.other_party.name",
      "referral.other_party.name.given_names",
      "referral.other_party.name.family_name",
      "referral.other_party.date_of_birth",
      "referral.other_party.relationship",
      "referral.other_party.contact.phone",
      "referral.other_party.contact.email",
      "referral.other_party.contact.safe_times",
      "referral.children",
      "referral.children[0].name",
      "referral.children[0].name.given_names",
      "referral.children[1].name.family_name",
      "referral.children[0].date_of_birth",
      "referral.concerns",
      "referral.behaviour_change",
      "referral.behaviour_change.known_to_probation",
      "referral.behaviour_change.previous_programme",
      "referral.behaviour_change.previous_programme_name",
      "referral.risk_assessment.form_version",
      "referral.risk_assessment.answers[0].question",
      "referral.risk_assessment.answers[0].answer",
      "referral.risk_assessment.answers[0].comment",
      "referral.risk_assessment.answers[0].source",
      "referral.risk_assessment.police_callouts_past_12_months",
      "referral.risk_assessment.professional_judgement_reason",
      "referral.risk_assessment.previous_marac_referral_date",
      "referral.risk_assessment.completed_at",
      "referral.suspect_known_victims",
  };
  return *kPaths;
}

// Paths a person filling in the self-referral form can cause, and where
// each is shown.
const std::map<std::string, std::string>& FormPaths() {
  static const auto* kPaths = new std::map<std::string, std::string>{
      {"referral.referrer.name", "given-names"},
      {"referral.referrer.phone", "phone"},
      {"referral.referrer.email", "email"},
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
      {"referral.children", "child-1-given-names"},
      {"referral.children[0].name", "child-1-given-names"},
      {"referral.children[0].name.given_names", "child-1-given-names"},
      {"referral.children[1].name.family_name", "child-2-family-name"},
      {"referral.children[0].date_of_birth", "child-1-dob-day"},
      {"referral.concerns", "concerns"},
  };
  return *kPaths;
}

TEST(FieldMappingTest, EveryPathIntakeCanReturnIsKnown) {
  for (const std::string& path : IntakePaths()) {
    EXPECT_TRUE(IsKnownIntakePath(path)) << path;
  }
  EXPECT_FALSE(IsKnownIntakePath("referral.no_such_field"));
}

TEST(FieldMappingTest, EachPathThePersonCausesIsShownOnItsField) {
  const auto& fields = SelfReferralFields();
  for (const std::string& path : IntakePaths()) {
    for (const char* description : {"required", "must be something else"}) {
      const std::optional<FormError> e = MapViolation({path, description});
      auto it = FormPaths().find(path);
      if (it == FormPaths().end()) {
        EXPECT_FALSE(e.has_value()) << path << " is not the person's to fix";
        continue;
      }
      ASSERT_TRUE(e.has_value()) << path;
      EXPECT_EQ(e->field, it->second) << path;
      EXPECT_THAT(fields, Contains(e->field)) << path;
      EXPECT_FALSE(e->message.empty()) << path << " " << description;
      // Plain English, never intake's wording.
      EXPECT_NE(e->message, description);
    }
  }
}

TEST(FieldMappingTest, RequiredAndInvalidHaveTheirOwnMessages) {
  EXPECT_EQ(MapViolation({"referral.subject.address.postcode", "required"})
                ->message,
            "Enter your postcode");
  EXPECT_EQ(MapViolation({"referral.subject.address.postcode",
                          "must be a UK postcode, for example ST4 7AB"})
                ->message,
            "Enter a real postcode, like ST4 7AB");
}

TEST(FieldMappingTest, OneErrorPerFieldInPageOrder) {
  std::vector<std::string> unmapped;
  const auto errors = MapViolations(
      {{"referral.concerns", "required"},
       {"referral.referrer.name", "required"},
       {"referral.subject.name.given_names", "required"},
       {"referral.channel", "unknown channel"}},
      &unmapped);
  EXPECT_THAT(errors,
              ElementsAre(FormError{"given-names", "Enter your first name"},
                          FormError{"concerns", "Tell us what is happening"}));
  EXPECT_THAT(unmapped, ElementsAre("referral.channel"));
}

FormValues Complete() {
  return {{"given-names", "Sam"},       {"family-name", "Jones"},
          {"dob-day", "1"},             {"dob-month", "2"},
          {"dob-year", "1990"},         {"address-line-1", "1 High Street"},
          {"address-town", "Stoke"},    {"address-postcode", "ST4 7AB"},
          {"phone", "07700 900982"},    {"safe-to-call", "yes"},
          {"safe-to-leave-message", "no"},
          {"safe-times", "weekdays"},   {"concerns", "My partner hurts me."},
          {"children", "no"},           {"need-lgbtq", "yes"}};
}

// intake's own validation of what the form builds, as web-svc's identity.
absl::Status ValidateAsWeb(const common::v1::Referral& r) {
  static const intake::DistrictDirectory* districts = [] {
    std::ifstream in(std::string(FRONTDOOR_SOURCE_DIR) +
                     "/config/districts.json");
    std::stringstream json;
    json << in.rdbuf();
    config::v1::DistrictList list;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(json.str(), &list).ok());
    return new intake::DistrictDirectory(
        *intake::DistrictDirectory::FromProto(list));
  }();
  intake::v1::SubmitReferralRequest req;
  req.set_idempotency_key("web-0123456789abcdef0123456789abcdef");
  *req.mutable_referral() = r;
  intake::ValidationContext ctx;
  ctx.now = absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 0, 0),
                            absl::UTCTimeZone());
  ctx.today = absl::ToCivilDay(ctx.now, absl::UTCTimeZone());
  ctx.districts = districts;
  ctx.caller_is_web_form = true;
  return intake::ValidateSubmission(req, ctx).status();
}

TEST(SelfReferralTest, ACompleteFormIsAValidWebReferral) {
  const BuiltReferral built = BuildSelfReferral(Complete());
  EXPECT_THAT(built.errors, IsEmpty());
  const auto& r = built.referral;
  EXPECT_EQ(r.channel(), common::v1::CHANNEL_WEB_FORM);
  EXPECT_EQ(r.requested_service(), common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  EXPECT_TRUE(r.referrer().self_referral());
  EXPECT_EQ(r.referrer().name(), "Sam Jones");
  EXPECT_TRUE(r.subject().contact().safe_to_call());
  EXPECT_FALSE(r.subject().contact().safe_to_leave_message());
  EXPECT_THAT(r.subject().specialist_needs(),
              ElementsAre(common::v1::SPECIALIST_NEED_LGBTQ_PLUS));
  EXPECT_EQ(r.subject().date_of_birth().year(), 1990);
  EXPECT_TRUE(ValidateAsWeb(r).ok()) << ValidateAsWeb(r);
}

TEST(SelfReferralTest, TheFormAsksItsOwnQuestionsAndReadsDates) {
  FormValues f = Complete();
  f.erase("safe-to-call");
  f["dob-month"] = "Feb";
  f["children"] = "maybe";
  const BuiltReferral built = BuildSelfReferral(f);
  std::vector<std::string> fields;
  for (const auto& e : built.errors) fields.push_back(e.field);
  EXPECT_THAT(fields, ElementsAre("dob-day", "safe-to-call", "children"));
}

// Whatever an empty or wrong form makes intake say is shown on a field:
// nothing the person can get wrong falls through to the error page.
TEST(SelfReferralTest, EveryViolationOfAFilledInFormIsShownOnAField) {
  std::vector<FormValues> forms;
  FormValues empty{{"safe-to-call", "no"}, {"safe-to-leave-message", "no"},
                   {"children", "yes"}};
  forms.push_back(empty);
  FormValues wrong = Complete();
  wrong["dob-year"] = "2090";
  wrong["address-postcode"] = "NOT A CODE";
  wrong["phone"] = "call me";
  wrong["email"] = "not-an-email";
  wrong["given-names"] = "Sam\u202e";
  wrong["children"] = "yes";
  wrong["child-1-given-names"] = "Alex";
  wrong["child-1-dob-day"] = "31";
  wrong["child-1-dob-month"] = "2";
  wrong["child-1-dob-year"] = "2020";
  wrong["child-2-family-name"] = "Jones";
  wrong["safe-times"] = std::string(501, 'x');
  forms.push_back(wrong);
  FormValues elsewhere = Complete();
  elsewhere["address-postcode"] = "SW1A 1AA";  // outside the service area
  forms.push_back(elsewhere);
  for (const FormValues& f : forms) {
    const BuiltReferral built = BuildSelfReferral(f);
    ASSERT_THAT(built.errors, IsEmpty());
    const absl::Status s = ValidateAsWeb(built.referral);
    ASSERT_FALSE(s.ok());
    std::vector<std::string> unmapped;
    const auto errors = MapViolations(GetFieldViolations(s), &unmapped);
    EXPECT_THAT(unmapped, IsEmpty()) << s;
    EXPECT_FALSE(errors.empty());
  }
}

}  // namespace
}  // namespace frontdoor::web
