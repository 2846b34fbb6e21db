#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status/errors.h"
#include "google/protobuf/util/json_util.h"
#include "intake-svc/validation.h"
#include "tests/unit/intake/validation_cases.h"

namespace frontdoor::intake {
namespace {

using common::v1::Referral;
using testing::kAdult;
using testing::kChange;
using testing::LoadExample;
using testing::RuleCase;
using ::testing::Contains;
using ::testing::Field;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 0, 0),
                                        absl::UTCTimeZone());

const DistrictDirectory& Districts() {
  static const DistrictDirectory* dir = [] {
    std::ifstream in(std::string(FRONTDOOR_SOURCE_DIR) +
                     "/config/districts.json");
    std::stringstream json;
    json << in.rdbuf();
    config::v1::DistrictList list;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(json.str(), &list).ok());
    return new DistrictDirectory(*DistrictDirectory::FromProto(list));
  }();
  return *dir;
}

const tls::AgencyRegistry& Agencies() {
  static const tls::AgencyRegistry* registry = [] {
    auto loaded = tls::AgencyRegistry::LoadFromFile(
        std::string(FRONTDOOR_SOURCE_DIR) + "/config/agencies.json");
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new tls::AgencyRegistry(*std::move(loaded));
  }();
  return *registry;
}

absl::StatusOr<ValidatedReferral> Validate(const Referral& r,
                                           bool staff = false,
                                           const std::string& key = "k-1") {
  intake::v1::SubmitReferralRequest req;
  req.set_idempotency_key(key);
  *req.mutable_referral() = r;
  ValidationContext ctx;
  ctx.now = kNow;
  ctx.today = absl::ToCivilDay(kNow, absl::UTCTimeZone());
  ctx.districts = &Districts();
  ctx.caller_is_staff = staff;
  ctx.agencies = &Agencies();
  return ValidateSubmission(req, ctx);
}

// The description of the violation of `field`, or "" when there is none.
std::string DescriptionOf(const absl::Status& s, const std::string& field) {
  for (const auto& v : GetFieldViolations(s)) {
    if (v.field == field) return v.description;
  }
  return "";
}

std::vector<std::string> ViolatedFields(const absl::Status& s) {
  std::vector<std::string> out;
  for (const auto& v : GetFieldViolations(s)) out.push_back(v.field);
  return out;
}

TEST(ValidationTest, EveryExampleIsValid) {
  int examples = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::string(FRONTDOOR_SOURCE_DIR) + "/tools/examples")) {
    if (entry.path().extension() != ".json") continue;
    const std::string name = entry.path().filename().string();
    const Referral r = LoadExample(name);
    // Partners' systems submit by API; the service's staff key the rest.
    auto v = Validate(r, r.channel() != common::v1::CHANNEL_PARTNER_API);
    EXPECT_TRUE(v.ok()) << name << ": " << v.status();
    ++examples;
  }
  EXPECT_GE(examples, 9);
}

TEST(ValidationTest, DistrictIsDerivedFromThePostcodeOrTakenAsGiven) {
  auto v = Validate(LoadExample("adult-victim.json"));  // ST4 7AB
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->district, "stoke-on-trent");
  EXPECT_EQ(v->age, 35);
  Referral r = LoadExample("adult-victim.json");
  r.mutable_subject()->mutable_address()->set_district("lichfield");
  EXPECT_EQ(Validate(r)->district, "lichfield");
}

class ValidationRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(ValidationRuleTest, NamesTheViolatedField) {
  Referral r = LoadExample(GetParam().example);
  GetParam().mutate(r);
  auto v = Validate(r, GetParam().staff);
  ASSERT_FALSE(v.ok()) << GetParam().name;
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(v.status()), Contains(GetParam().field))
      << GetParam().name << ": " << v.status();
}


INSTANTIATE_TEST_SUITE_P(Rules, ValidationRuleTest,
                         ::testing::ValuesIn(testing::RuleCases()),
                         testing::CaseName);
TEST(ValidationTest, EveryViolationIsListedInOneReply) {
  Referral r = LoadExample(kChange);
  r.clear_other_party();
  r.clear_concerns();
  r.mutable_subject()->mutable_name()->clear_given_names();
  r.mutable_behaviour_change()->clear_known_to_probation();
  auto v = Validate(r, false, "bad key with spaces");
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(ViolatedFields(v.status()),
              ::testing::UnorderedElementsAre(
                  "idempotency_key", "referral.other_party",
                  "referral.concerns", "referral.subject.name.given_names",
                  "referral.behaviour_change.known_to_probation"));
}

TEST(ValidationTest, FormatControlInANameIsNamedWithTheReason) {
  Referral r = LoadExample(kAdult);
  r.mutable_subject()->mutable_name()->set_family_name("Rah\u202Eman");
  auto v = Validate(r);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(GetFieldViolations(v.status()),
              ::testing::ElementsAre(::testing::AllOf(
                  Field(&FieldViolation::field,
                        "referral.subject.name.family_name"),
                  Field(&FieldViolation::description,
                        "must not contain bidirectional or other format "
                        "control characters"))));
}

// Unbounded, a repeated enum let a request just under the receive limit
// through, whose events then exceeded the next hop's limit.
TEST(ValidationTest, SpecialistNeedsAreBoundedAndListedOnce) {
  constexpr int kFlood = 1 << 20;
  Referral r = LoadExample(kAdult);
  auto* needs = r.mutable_subject()->mutable_specialist_needs();
  for (int i = 0; i < kFlood; ++i) {
    needs->Add(common::v1::SPECIALIST_NEED_MALE_VICTIM);
  }
  auto flooded = Validate(r);
  ASSERT_FALSE(flooded.ok());
  EXPECT_THAT(GetFieldViolations(flooded.status()),
              ::testing::ElementsAre(Field(&FieldViolation::field,
                                           "referral.subject.specialist_"
                                           "needs")));

  needs->Clear();
  needs->Add(common::v1::SPECIALIST_NEED_MALE_VICTIM);
  needs->Add(common::v1::SPECIALIST_NEED_MALE_VICTIM);
  auto twice = Validate(r);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(DescriptionOf(twice.status(), "referral.subject.specialist_needs[1]"),
            "listed twice");

  needs->Clear();
  for (int n = 1; n <= kMaxSpecialistNeeds; ++n) {
    needs->Add(static_cast<common::v1::SpecialistNeed>(n));
  }
  EXPECT_TRUE(Validate(r).ok());
}

TEST(ValidationTest, ZeroWidthCharactersInNamesAreAccepted) {
  Referral r = LoadExample(kAdult);
  r.mutable_subject()->mutable_name()->set_family_name("Rah\u200Bman");
  r.mutable_subject()->mutable_name()->set_given_names("\uFEFFAi\u00ADsha");
  r.mutable_other_party()->mutable_name()->set_given_names("Dan\u2060iel");
  r.mutable_children(0)->mutable_name()->set_given_names(
      "\u0645\u06CC\u200C\u0631\u0648\u062F");  // ZWNJ in Persian
  r.mutable_referrer()->set_name("PC Sam \u0915\u094D\u200D\u0937");  // ZWJ
  auto v = Validate(r);
  EXPECT_TRUE(v.ok()) << v.status();
}

TEST(ValidationTest, StaffMayRecordPhoneReferralsForVictimsOnly) {
  Referral r = LoadExample(kAdult);
  r.set_channel(common::v1::CHANNEL_PHONE);
  EXPECT_TRUE(Validate(r, /*staff=*/true).ok());
  Referral change = LoadExample(kChange);
  change.set_channel(common::v1::CHANNEL_LIVE_CHAT);
  auto v = Validate(change, /*staff=*/true);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(ViolatedFields(v.status()), Contains("referral.channel"));
}

TEST(ValidationTest, YoungPeoplesDashIsForThirteenToSeventeen) {
  Referral r = LoadExample("child-victim.json");
  common::v1::RiskAssessment* a = r.mutable_risk_assessment();
  a->set_form_version("safelives-yp-dash-24");
  for (int q = 1; q <= 24; ++q) {
    auto* answer = a->add_answers();
    answer->set_question(q);
    answer->set_answer(q <= 3 ? common::v1::ANSWER_YES
                              : common::v1::ANSWER_NO);
  }
  auto v = Validate(r);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_GE(v->age, 13);
  ASSERT_LE(v->age, 17);
  a->mutable_answers(0)->set_question(25);
  EXPECT_THAT(ViolatedFields(Validate(r).status()),
              Contains("referral.risk_assessment.answers[0].question"));
  a->mutable_answers(0)->set_question(1);
  // Twelve years old: too young for the young people's DASH.
  const absl::CivilDay twelve =
      absl::ToCivilDay(kNow, absl::UTCTimeZone()) - 365 * 12;
  r.mutable_subject()->mutable_date_of_birth()->set_year(
      static_cast<int32_t>(twelve.year()));
  auto young = Validate(r);
  ASSERT_FALSE(young.ok());
  EXPECT_THAT(ViolatedFields(young.status()),
              Contains("referral.risk_assessment.form_version"));
}

TEST(ValidationTest, ASuspectsKnownVictimsAreCountedFromOne) {
  Referral r = LoadExample(kAdult);
  r.set_suspect_known_victims(1);
  EXPECT_TRUE(Validate(r).ok());
  r.set_suspect_known_victims(1001);
  EXPECT_THAT(ViolatedFields(Validate(r).status()),
              Contains("referral.suspect_known_victims"));
}

TEST(ValidationTest, StaffKeyAReferralOnBehalfOfAReferringAgency) {
  Referral r = LoadExample(kChange);
  r.set_channel(common::v1::CHANNEL_SECURE_EMAIL);
  r.mutable_referrer()->set_on_behalf_of_agency("staffs-probation");
  EXPECT_TRUE(Validate(r, /*staff=*/true).ok());
  // By phone too, and a phone referral need not name an agency (a victim's
  // own call has none).
  Referral phoned = LoadExample(kAdult);
  phoned.set_channel(common::v1::CHANNEL_PHONE);
  EXPECT_TRUE(Validate(phoned, /*staff=*/true).ok());
  phoned.mutable_referrer()->set_on_behalf_of_agency(
      "hillside-medical-practice");
  EXPECT_TRUE(Validate(phoned, /*staff=*/true).ok());
}

// The web front door (ROLE_WEB_FORM) submits as CHANNEL_WEB_FORM, and as
// nothing else; nobody else but staff may claim the web channel.
TEST(ValidationTest, TheWebFrontDoorSubmitsAsTheWebFormOnly) {
  auto as_web = [](const Referral& r) {
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key("web-1");
    *req.mutable_referral() = r;
    ValidationContext ctx;
    ctx.now = kNow;
    ctx.today = absl::ToCivilDay(kNow, absl::UTCTimeZone());
    ctx.districts = &Districts();
    ctx.caller_is_web_form = true;
    ctx.agencies = &Agencies();
    return ValidateSubmission(req, ctx);
  };
  Referral r = LoadExample(kAdult);
  r.set_channel(common::v1::CHANNEL_WEB_FORM);
  EXPECT_TRUE(as_web(r).ok()) << as_web(r).status();
  EXPECT_THAT(ViolatedFields(Validate(r).status()),
              Contains("referral.channel"));
  for (auto other : {common::v1::CHANNEL_PARTNER_API, common::v1::CHANNEL_PHONE,
                     common::v1::CHANNEL_SECURE_EMAIL,
                     common::v1::CHANNEL_LIVE_CHAT}) {
    r.set_channel(other);
    EXPECT_EQ(DescriptionOf(as_web(r).status(), "referral.channel"),
              "the web front door submits as CHANNEL_WEB_FORM only")
        << common::v1::Channel_Name(other);
  }
}

TEST(ValidationTest, OnBehalfOfAgencyViolationsSayWhy) {
  const std::string f = "referral.referrer.on_behalf_of_agency";
  Referral r = LoadExample(kAdult);
  r.mutable_referrer()->set_on_behalf_of_agency("staffs-probation");
  EXPECT_EQ(DescriptionOf(Validate(r).status(), f),
            "only the service's staff may key a referral on behalf of another "
            "agency");
  r.set_channel(common::v1::CHANNEL_SECURE_EMAIL);
  r.mutable_referrer()->set_on_behalf_of_agency("no-such-agency");
  EXPECT_EQ(DescriptionOf(Validate(r, true).status(), f),
            "unknown agency: not in the agency registry");
  r.mutable_referrer()->set_on_behalf_of_agency("staffs-matac");
  EXPECT_EQ(DescriptionOf(Validate(r, true).status(), f),
            "not a referring agency");
  r.mutable_referrer()->clear_on_behalf_of_agency();
  EXPECT_THAT(DescriptionOf(Validate(r, true).status(), f),
              ::testing::StartsWith("required"));
  // A partner's own secure email is refused for its channel, not for a
  // missing agency: the agency is the caller.
  auto partner = Validate(r, /*staff=*/false);
  EXPECT_THAT(ViolatedFields(partner.status()),
              ::testing::ElementsAre("referral.channel"));
}

TEST(ValidationTest, IdempotencyKeyRules) {
  Referral r = LoadExample(kAdult);
  EXPECT_FALSE(Validate(r, false, "").ok());
  EXPECT_FALSE(Validate(r, false, std::string(129, 'k')).ok());
  EXPECT_TRUE(Validate(r, false, std::string(128, 'k')).ok());
  EXPECT_TRUE(Validate(r, false, "partner-2026.11:ref_7").ok());
}

TEST(ValidationTest, MissingReferralIsOneViolation) {
  intake::v1::SubmitReferralRequest req;
  req.set_idempotency_key("k");
  ValidationContext ctx;
  ctx.now = kNow;
  ctx.today = absl::ToCivilDay(kNow, absl::UTCTimeZone());
  ctx.districts = &Districts();
  auto v = ValidateSubmission(req, ctx);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(ViolatedFields(v.status()), ::testing::ElementsAre("referral"));
}

}  // namespace
}  // namespace frontdoor::intake
