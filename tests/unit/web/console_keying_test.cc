// The console's keyed referrals, pure: the first step's choices, the form
// turned into a referral (checked with intake's own validation, as the
// console's staff submit it), intake's violations shown on the page's own
// fields, and the pages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "common/tls/agency_registry.h"
#include "tests/unit/web/intake_paths.h"
#include "web-svc/console_keying_pages.h"

namespace frontdoor::web {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing_paths::IntakePaths;

constexpr ProfessionalForm kAllForms[] = {ProfessionalForm::kAdultVictim,
                                          ProfessionalForm::kBehaviourChange,
                                          ProfessionalForm::kChild};

// intake's own validation of a keyed referral, as the console's staff
// (ROLE_STAFF) submit it, with the repository's agency registry.
absl::Status ValidateAsStaff(const common::v1::Referral& r) {
  static const tls::AgencyRegistry* agencies = [] {
    auto loaded = tls::AgencyRegistry::LoadFromFile(
        std::string(FRONTDOOR_SOURCE_DIR) + "/config/agencies.json");
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new tls::AgencyRegistry(*std::move(loaded));
  }();
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
  req.set_idempotency_key("console-0123456789abcdef0123456789abcdef");
  *req.mutable_referral() = r;
  intake::ValidationContext ctx;
  ctx.now = absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 0, 0),
                            absl::UTCTimeZone());
  ctx.today = absl::ToCivilDay(ctx.now, absl::UTCTimeZone());
  ctx.districts = districts;
  ctx.caller_is_staff = true;
  ctx.agencies = agencies;
  return intake::ValidateSubmission(req, ctx).status();
}

KeyingChoices Choose(common::v1::Channel channel, const std::string& agency,
                     ProfessionalForm form) {
  KeyingChoices c;
  c.channel = channel;
  c.self_referral = agency.empty();
  c.agency = agency;
  c.form = form;
  return c;
}

// What a victim on the phone can safely give: a name, a date of birth, a
// postcode, a number that must not be called back or left a message on,
// and when it is safe to reach them.
FormValues PhonedIn() {
  return {
      {"given-names", "Sam"},
      {"family-name", "Jones"},
      {"dob-day", "1"},
      {"dob-month", "2"},
      {"dob-year", "1990"},
      {"address-postcode", "ST4 7AB"},
      {"phone", "07700 900982"},
      {"safe-to-call", "no"},
      {"safe-to-leave-message", "no"},
      {"safe-times", "Only she calls us; weekday mornings"},
      {"concerns", "Her partner hurts her."},
      {"children", "no"},
      {"consent", "given"},
  };
}

FormValues EmailedBy(ProfessionalForm form) {
  FormValues f = PhonedIn();
  f["safe-to-call"] = "yes";
  f["referrer-name"] = "Pat Smith";
  // Any address: the agency, not the email's domain, vouches for them.
  f["referrer-email"] = "pat.smith@justice.example";
  f["referrer-case-reference"] = "PRB/123";
  if (form == ProfessionalForm::kBehaviourChange) {
    f["other-given-names"] = "Kim";
    f["other-family-name"] = "Jones";
    f["other-relationship"] = "current-partner";
    f["known-to-probation"] = "yes";
    f["previous-programme"] = "no";
  }
  if (form == ProfessionalForm::kChild) {
    f["dob-year"] = "2011";
    f["parent-consent"] = "not-sought";
  }
  return f;
}

std::vector<std::string> FieldsOf(const std::vector<FormError>& errors) {
  std::vector<std::string> out;
  for (const FormError& e : errors) out.push_back(e.field);
  return out;
}

TEST(KeyingChoicesTest, EachQuestionIsAskedAndTheContractsChannelsKept) {
  std::vector<FormError> errors;
  EXPECT_FALSE(ReadKeyingChoices({}, errors).has_value());
  EXPECT_THAT(FieldsOf(errors),
              ElementsAre("channel", "referred-by", "referral-form"));

  // A secure email comes from an agency.
  errors.clear();
  EXPECT_FALSE(ReadKeyingChoices({{"channel", "secure-email"},
                                  {"referred-by", "self"},
                                  {"referral-form", "adult-victim"}},
                                 errors)
                   .has_value());
  EXPECT_THAT(FieldsOf(errors), ElementsAre("referred-by"));
  // The phone line and live chat take victims' referrals only.
  for (const char* channel : {"phone", "live-chat"}) {
    errors.clear();
    EXPECT_FALSE(ReadKeyingChoices({{"channel", channel},
                                    {"referred-by", "agency"},
                                    {"agency", "staffs-police"},
                                    {"referral-form", "behaviour-change"}},
                                   errors)
                     .has_value());
    EXPECT_THAT(FieldsOf(errors), ElementsAre("referral-form")) << channel;
  }
  // An agency must be named.
  errors.clear();
  auto unnamed = ReadKeyingChoices({{"channel", "secure-email"},
                                    {"referred-by", "agency"},
                                    {"referral-form", "behaviour-change"}},
                                   errors);
  ASSERT_TRUE(unnamed.has_value());
  EXPECT_THAT(FieldsOf(errors), ElementsAre("agency"));

  errors.clear();
  auto phoned = ReadKeyingChoices({{"channel", "phone"},
                                   {"referred-by", "self"},
                                   {"agency", "ignored-for-self"},
                                   {"referral-form", "child"}},
                                  errors);
  ASSERT_TRUE(phoned.has_value());
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_EQ(phoned->channel, common::v1::CHANNEL_PHONE);
  EXPECT_TRUE(phoned->self_referral);
  EXPECT_EQ(phoned->agency, "");
  EXPECT_EQ(phoned->form, ProfessionalForm::kChild);
}

TEST(KeyedReferralTest, APhonedInSelfReferralNeedsOnlyWhatIsSafeToGive) {
  const KeyingChoices c =
      Choose(common::v1::CHANNEL_PHONE, "", ProfessionalForm::kAdultVictim);
  const BuiltReferral built = BuildKeyedReferral(c, PhonedIn());
  ASSERT_THAT(built.errors, IsEmpty());
  const common::v1::Referral& r = built.referral;
  EXPECT_EQ(r.channel(), common::v1::CHANNEL_PHONE);
  EXPECT_EQ(r.requested_service(),
            common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  EXPECT_TRUE(r.referrer().self_referral());
  EXPECT_EQ(r.referrer().name(), "Sam Jones");
  EXPECT_EQ(r.referrer().phone(), "07700 900982");
  EXPECT_EQ(r.referrer().email(), "");
  EXPECT_EQ(r.referrer().on_behalf_of_agency(), "");
  EXPECT_FALSE(r.subject().contact().safe_to_call());
  EXPECT_FALSE(r.subject().contact().safe_to_leave_message());
  EXPECT_EQ(r.subject().contact().safe_times(),
            "Only she calls us; weekday mornings");
  const absl::Status s = ValidateAsStaff(r);
  EXPECT_TRUE(s.ok()) << s;
  // Live chat, and a young person's own call to the children's door, alike.
  FormValues young = PhonedIn();
  young["dob-year"] = "2011";
  const BuiltReferral chat = BuildKeyedReferral(
      Choose(common::v1::CHANNEL_LIVE_CHAT, "", ProfessionalForm::kChild),
      young);
  ASSERT_THAT(chat.errors, IsEmpty());
  EXPECT_EQ(chat.referral.requested_service(),
            common::v1::REQUESTED_SERVICE_CHILDRENS_FRONT_DOOR);
  EXPECT_TRUE(ValidateAsStaff(chat.referral).ok());
}

TEST(KeyedReferralTest, AnAgencysReferralIsRecordedAsTheirsOnEachForm) {
  for (ProfessionalForm form : kAllForms) {
    const KeyingChoices c =
        Choose(common::v1::CHANNEL_SECURE_EMAIL, "staffs-probation", form);
    const BuiltReferral built = BuildKeyedReferral(c, EmailedBy(form));
    ASSERT_THAT(built.errors, IsEmpty()) << SpecFor(form).slug;
    const common::v1::Referral& r = built.referral;
    EXPECT_EQ(r.channel(), common::v1::CHANNEL_SECURE_EMAIL);
    EXPECT_FALSE(r.referrer().self_referral());
    EXPECT_EQ(r.referrer().on_behalf_of_agency(), "staffs-probation");
    EXPECT_EQ(r.referrer().name(), "Pat Smith");
    EXPECT_EQ(r.referrer().email(), "pat.smith@justice.example");
    EXPECT_EQ(r.referrer().agency_case_reference(), "PRB/123");
    const absl::Status s = ValidateAsStaff(r);
    EXPECT_TRUE(s.ok()) << SpecFor(form).slug << " " << s;
  }
}

TEST(KeyedMappingTest, AnAgencyTheRegistryDoesNotKnowIsShownOnTheAgencyField) {
  const KeyingChoices c =
      Choose(common::v1::CHANNEL_SECURE_EMAIL, "no-such-agency",
             ProfessionalForm::kAdultVictim);
  const BuiltReferral built =
      BuildKeyedReferral(c, EmailedBy(ProfessionalForm::kAdultVictim));
  const absl::Status s = ValidateAsStaff(built.referral);
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> unmapped;
  const std::vector<FormError> errors =
      MapKeyedViolations(c, built, GetFieldViolations(s), &unmapped);
  EXPECT_THAT(unmapped, IsEmpty());
  ASSERT_THAT(FieldsOf(errors), ElementsAre("agency"));
  EXPECT_THAT(errors[0].message, HasSubstr("referring agency"));
}

// Whatever intake can say about a keyed form is shown on a field that the
// page shows, or is web-svc's own fault (a path the page never sets).
TEST(KeyedMappingTest, EveryPathIsShownOnAFieldOfThePage) {
  for (ProfessionalForm form : kAllForms) {
    for (const std::string agency : {"", "staffs-police"}) {
      if (agency.empty() && form == ProfessionalForm::kBehaviourChange) {
        continue;  // never offered: no self-referral to behaviour change
      }
      const KeyingChoices c =
          Choose(common::v1::CHANNEL_SECURE_EMAIL, agency, form);
      const std::vector<std::string> fields = KeyedFields(c);
      BuiltReferral built;
      built.answer_questions = {3, 9};
      for (const std::string& path : IntakePaths()) {
        // Paths about what this form never sends (as the professional
        // forms' own test): behaviour change facts on the other forms, a
        // parent's consent off the child's form, specialist needs and a
        // DASH on the behaviour change form.
        const auto starts = [&](const char* prefix) {
          return path.rfind(prefix, 0) == 0;
        };
        if ((form != ProfessionalForm::kBehaviourChange &&
             starts("referral.behaviour_change")) ||
            (form != ProfessionalForm::kChild &&
             starts("referral.consent.parent_or_carer")) ||
            (form == ProfessionalForm::kBehaviourChange &&
             (starts("referral.subject.specialist_needs") ||
              starts("referral.risk_assessment")))) {
          continue;
        }
        for (const char* description : {"required", "must be shorter"}) {
          std::vector<std::string> unmapped;
          const std::vector<FormError> errors =
              MapKeyedViolations(c, built, {{path, description}}, &unmapped);
          for (const FormError& e : errors) {
            EXPECT_NE(std::find(fields.begin(), fields.end(), e.field),
                      fields.end())
                << SpecFor(form).slug << " " << agency << " " << path << " -> "
                << e.field;
            EXPECT_FALSE(e.message.empty()) << path;
          }
          // What the page sets of the referrer is always on the page: on
          // a self-referral the person's name and contact, otherwise every
          // field but safe times (a referrer has none).
          const bool set_by_page =
              agency.empty() ? (path == "referral.referrer.name" ||
                                path == "referral.referrer.phone" ||
                                path == "referral.referrer.email")
                             : (path.rfind("referral.referrer.", 0) == 0 &&
                                path != "referral.referrer.safe_times");
          if (set_by_page) {
            EXPECT_THAT(unmapped, IsEmpty()) << agency << " " << path;
          }
        }
      }
    }
  }
  // On a self-referral the referrer's name is the person's.
  const KeyingChoices self =
      Choose(common::v1::CHANNEL_PHONE, "", ProfessionalForm::kAdultVictim);
  std::vector<std::string> unmapped;
  const auto errors = MapKeyedViolations(
      self, {}, {{"referral.referrer.name", "too long"}}, &unmapped);
  ASSERT_THAT(FieldsOf(errors), ElementsAre("given-names"));
  // The person's own message wins over the referrer's on the same field.
  const auto both =
      MapKeyedViolations(self, {},
                         {{"referral.referrer.name", "required"},
                          {"referral.subject.name.given_names", "required"}},
                         &unmapped);
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(both[0].message, "Enter the person's first name");
}

// An empty keyed form: every violation intake finds is on a field.
TEST(KeyedMappingTest, AnEmptyFormsViolationsAreAllOnItsFields) {
  for (const std::string agency : {"", "staffs-police"}) {
    const KeyingChoices c =
        Choose(agency.empty() ? common::v1::CHANNEL_PHONE
                              : common::v1::CHANNEL_SECURE_EMAIL,
               agency, ProfessionalForm::kAdultVictim);
    BuiltReferral built = BuildKeyedReferral(c, {{"children", "yes"}});
    const absl::Status s = ValidateAsStaff(built.referral);
    ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    std::vector<std::string> unmapped;
    const auto errors =
        MapKeyedViolations(c, built, GetFieldViolations(s), &unmapped);
    EXPECT_THAT(unmapped, IsEmpty()) << agency;
    EXPECT_THAT(FieldsOf(errors), ::testing::Contains("given-names"));
    EXPECT_THAT(FieldsOf(errors), ::testing::Contains("phone"));
    if (!agency.empty()) {
      EXPECT_THAT(FieldsOf(errors), ::testing::Contains("referrer-name"));
      EXPECT_THAT(FieldsOf(errors), ::testing::Contains("referrer-phone"));
    }
  }
}

TEST(KeyingPagesTest, TheFormCarriesTheChoicesAndAsksOnlyWhatTheyNeed) {
  const SignedInBar bar{"Alex Call", "Call handler", "csrf-1"};
  FormView v;
  v.csrf_token = "csrf-1";
  v.form_token = "token-1";
  const std::string self = RenderKeyingFormPage(
      bar,
      Choose(common::v1::CHANNEL_PHONE, "", ProfessionalForm::kAdultVictim), v);
  EXPECT_THAT(self, HasSubstr("name=\"channel\" value=\"phone\""));
  EXPECT_THAT(self, HasSubstr("name=\"referred-by\" value=\"self\""));
  EXPECT_THAT(self, HasSubstr("name=\"referral-form\" value=\"adult-victim\""));
  EXPECT_THAT(self, HasSubstr("name=\"form-token\" value=\"token-1\""));
  EXPECT_THAT(self, HasSubstr("name=\"csrf-token\" value=\"csrf-1\""));
  EXPECT_THAT(self, Not(HasSubstr("name=\"referrer-name\"")));
  EXPECT_THAT(self, HasSubstr("name=\"safe-times\""));
  EXPECT_THAT(self, HasSubstr("id=\"send-referral\""));

  v.values["agency"] = "<b>staffs-probation</b>";
  const std::string agency = RenderKeyingFormPage(
      bar,
      Choose(common::v1::CHANNEL_SECURE_EMAIL, "<b>staffs-probation</b>",
             ProfessionalForm::kBehaviourChange),
      v);
  EXPECT_THAT(agency, HasSubstr("name=\"referrer-name\""));
  EXPECT_THAT(agency, HasSubstr("name=\"known-to-probation\""));
  EXPECT_THAT(agency, Not(HasSubstr("<b>staffs-probation")));
  EXPECT_THAT(agency, HasSubstr("&lt;b&gt;staffs-probation"));

  const std::string start = RenderKeyingStartPage(bar, v);
  for (const char* id :
       {"channel", "referred-by", "agency", "referral-form", "continue"}) {
    EXPECT_THAT(start, HasSubstr(absl::StrCat("id=\"", id, "\""))) << id;
  }
  const std::string received = RenderKeyingReceivedPage(bar, "FD-7K3M9Q2X4W8P");
  EXPECT_THAT(received, HasSubstr("govuk-notification-banner--success"));
  EXPECT_THAT(received, HasSubstr("<strong id=\"reference\">FD-7K3M9Q2X4W8P"));
  EXPECT_THAT(received, HasSubstr("href=\"/console/queue\""));
}

}  // namespace
}  // namespace frontdoor::web
