#include "web-svc/self_referral.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/util/json_util.h"
#include "intake-svc/districts.h"
#include "intake-svc/validation.h"
#include "tests/unit/web/intake_paths.h"

namespace frontdoor::web {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing_paths::IntakePaths;
using testing_paths::ValidateAsWeb;

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

// The forms take as many children as intake does, in blocks added one at
// a time ("Add another child", which works without JavaScript).
TEST(ChildrenTest, TheFormsTakeAsManyChildrenAsIntakeAllows) {
  EXPECT_EQ(kMaxFormChildren, intake::kMaxChildren);
  FormValues f = Complete();
  f["children"] = "yes";
  for (int i = 0; i < kMaxFormChildren; ++i) {
    f[ChildField(i, "given-names")] = absl::StrCat("Child", i + 1);
    f[ChildField(i, "family-name")] = "Jones";
    f[ChildField(i, "dob-day")] = "1";
    f[ChildField(i, "dob-month")] = "6";
    f[ChildField(i, "dob-year")] = "2015";
  }
  const BuiltReferral built = BuildSelfReferral(f);
  EXPECT_THAT(built.errors, IsEmpty());
  ASSERT_EQ(built.referral.children_size(), intake::kMaxChildren);
  EXPECT_EQ(built.referral.children(19).name().given_names(), "Child20");
  EXPECT_TRUE(ValidateAsWeb(built.referral).ok())
      << ValidateAsWeb(built.referral);
  const auto& fields = SelfReferralFields();
  EXPECT_THAT(fields, Contains("child-20-dob-year"));
  EXPECT_THAT(fields, Contains(std::string(kChildCountField)));
}

TEST(ChildrenTest, BlocksShownGrowByOneUpToTheLimitAndKeepWhatIsFilled) {
  EXPECT_EQ(ChildBlocksToShow({}, false), 1);
  EXPECT_EQ(ChildBlocksToShow({}, true), 2);
  EXPECT_EQ(ChildBlocksToShow({{"child-count", "3"}}, true), 4);
  EXPECT_EQ(ChildBlocksToShow({{"child-count", "3"}}, false), 3);
  // A block filled in is shown whatever the count says.
  EXPECT_EQ(ChildBlocksToShow({{"child-count", "1"},
                               {"child-5-family-name", "Jones"}},
                              false),
            5);
  EXPECT_EQ(ChildBlocksToShow({{"child-count", "20"}}, true), 20);
  EXPECT_EQ(ChildBlocksToShow({{"child-count", "999999"}}, false), 20);
  EXPECT_EQ(ChildBlocksToShow({{"child-count", "-4"}}, false), 1);
  // Blank blocks after the first are left out; a later one is kept.
  FormValues f = Complete();
  f["children"] = "yes";
  f["child-1-given-names"] = "Alex";
  f["child-1-family-name"] = "Jones";
  f["child-1-dob-day"] = "1";
  f["child-1-dob-month"] = "2";
  f["child-1-dob-year"] = "2019";
  f["child-7-given-names"] = "Bo";
  const BuiltReferral built = BuildSelfReferral(f);
  ASSERT_EQ(built.referral.children_size(), 2);
  EXPECT_EQ(built.referral.children(1).name().given_names(), "Bo");
}

}  // namespace
}  // namespace frontdoor::web
