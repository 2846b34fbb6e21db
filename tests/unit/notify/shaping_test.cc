#include "notify-svc/shaping.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/examples.h"

namespace frontdoor::notify {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Strings that must never leave in a notification, and where they hide.
constexpr char kConcerns[] = "CONCERNS-TEXT-MARKER";
constexpr char kDashComment[] = "DASH-COMMENT-MARKER";
constexpr char kJudgement[] = "JUDGEMENT-REASON-MARKER";
constexpr char kOtherPartyName[] = "OTHERPARTYMARKER";
constexpr char kOtherPartyPhone[] = "07000 111222";
constexpr char kUnsafePhone[] = "07999 000111";
constexpr char kEmail[] = "safe@example.org";

common::v1::Referral Rich() {
  common::v1::Referral r = testing::ExampleReferral("high-risk-dash.json");
  r.set_concerns(kConcerns);
  r.mutable_risk_assessment()->mutable_answers(0)->set_comment(kDashComment);
  r.mutable_risk_assessment()->set_professional_judgement_reason(kJudgement);
  r.mutable_other_party()->mutable_name()->set_family_name(kOtherPartyName);
  r.mutable_other_party()->mutable_contact()->set_phone(kOtherPartyPhone);
  auto* contact = r.mutable_subject()->mutable_contact();
  contact->set_phone(kUnsafePhone);
  contact->set_safe_to_call(false);
  contact->set_email(kEmail);
  contact->set_safe_to_leave_message(true);
  auto* child = r.add_children();
  child->mutable_name()->set_given_names("Kid");
  child->mutable_name()->set_family_name("Example");
  child->mutable_date_of_birth()->set_year(2018);
  child->mutable_date_of_birth()->set_month(3);
  child->mutable_date_of_birth()->set_day(4);
  return r;
}

triage::v1::Decision HighRisk() {
  triage::v1::Decision d;
  d.set_reference("FD-HHHHHHHHHHH1");
  d.set_front_door(common::v1::FRONT_DOOR_ADULT_VICTIM);
  d.set_risk_level(common::v1::RISK_LEVEL_HIGH);
  d.set_score(15);
  d.mutable_marac()->set_visible_high_risk(true);
  d.mutable_recipients()->set_marac(true);
  d.mutable_recipients()->set_idva(true);
  d.set_tier_override_reason("OVERRIDE-REASON-MARKER");
  return d;
}

// Nothing beyond the audience's purpose, whatever the message type.
void ExpectNothingPrivate(const google::protobuf::Message& m) {
  const std::string bytes = m.SerializeAsString();
  for (const char* s : {kConcerns, kDashComment, kJudgement, kOtherPartyName,
                        kOtherPartyPhone, kUnsafePhone,
                        "OVERRIDE-REASON-MARKER"}) {
    EXPECT_EQ(bytes.find(s), std::string::npos)
        << m.GetTypeName() << " carries " << s;
  }
}

TEST(ShapingTest, ReferrerLearnsStatusAndReferenceOnly) {
  common::v1::Referral r = Rich();
  r.mutable_referrer()->set_agency_case_reference("POL-123");
  intake::v1::Receipt receipt;
  receipt.set_reference("FD-HHHHHHHHHHH1");
  receipt.set_status(intake::v1::REFERRAL_STATUS_ACCEPTED);
  v1::ReferrerUpdate u = ForReferrer(receipt, r);
  EXPECT_EQ(u.reference(), "FD-HHHHHHHHHHH1");
  EXPECT_EQ(u.agency_case_reference(), "POL-123");
  EXPECT_EQ(u.status(), v1::ReferrerUpdate::STATUS_ACCEPTED);
  ExpectNothingPrivate(u);
  const std::string bytes = u.SerializeAsString();
  EXPECT_EQ(bytes.find(r.subject().name().family_name()), std::string::npos);
  EXPECT_EQ(bytes.find(kEmail), std::string::npos);

  receipt.set_status(intake::v1::REFERRAL_STATUS_RETURNED);
  auto* reason = receipt.add_return_reasons();
  reason->set_code("CHILD_REFERRED_TO_BEHAVIOUR_CHANGE");
  reason->set_message("refer to the children's front door");
  EXPECT_THAT(ForReferrer(receipt, r).return_reasons(),
              ElementsAre("CHILD_REFERRED_TO_BEHAVIOUR_CHANGE: refer to the "
                          "children's front door"));
}

TEST(ShapingTest, MaracGetsTheRiskSummaryAndFlags) {
  const common::v1::Referral r = Rich();
  v1::MaracAlert a = ForMarac(HighRisk(), r, "stafford", "staffs-police");
  EXPECT_EQ(a.subject_name().family_name(), r.subject().name().family_name());
  EXPECT_TRUE(a.flags().visible_high_risk());
  EXPECT_EQ(a.dash_score(), 15);
  EXPECT_EQ(a.district(), "stafford");
  EXPECT_EQ(a.children_in_household(), 1);
  ExpectNothingPrivate(a);
  EXPECT_EQ(a.SerializeAsString().find(kEmail), std::string::npos);
}

TEST(ShapingTest, IdvaGetsOnlySafeContactDetails) {
  v1::IdvaCase c = ForIdva(HighRisk(), Rich(), "stafford");
  EXPECT_EQ(c.contact().phone(), "");  // not safe to call
  EXPECT_EQ(c.contact().email(), kEmail);
  ExpectNothingPrivate(c);

  common::v1::SafeContact nothing_safe;
  nothing_safe.set_phone("07123 456789");
  nothing_safe.set_email("x@example.org");
  nothing_safe.set_safe_times("mornings");
  const v1::SafeContactDetails none = SafeDetails(nothing_safe);
  EXPECT_EQ(none.phone(), "");
  EXPECT_EQ(none.email(), "");
  EXPECT_EQ(none.safe_times(), "");
}

TEST(ShapingTest, ChildrensSocialCareGetsTheChildren) {
  v1::ChildrensSocialCareAlert a =
      ForChildrensSocialCare(HighRisk(), Rich(), "stafford", "staffs-police");
  ASSERT_EQ(a.children_size(), 1);
  EXPECT_EQ(a.children(0).name().given_names(), "Kid");
  EXPECT_FALSE(a.has_subject_child());  // an adult referral
  ExpectNothingPrivate(a);
  EXPECT_EQ(a.SerializeAsString().find(kEmail), std::string::npos);
}

TEST(ShapingTest, MaceGetsTheChildAndDistrict) {
  triage::v1::Decision d = HighRisk();
  d.set_front_door(common::v1::FRONT_DOOR_CHILDREN);
  common::v1::Referral r = Rich();
  v1::MaceAlert a = ForMace(d, r, "tamworth");
  EXPECT_EQ(a.child().name().family_name(), r.subject().name().family_name());
  EXPECT_EQ(a.district(), "tamworth");
  ExpectNothingPrivate(a);
  EXPECT_EQ(a.SerializeAsString().find(kEmail), std::string::npos);
}

TEST(ShapingTest, AudiencesAreExactlyTheDecisionsRecipients) {
  triage::v1::Recipients none;
  EXPECT_THAT(AudiencesOf(none), IsEmpty());
  // Each flag alone gives its one audience, and nothing else: notify-svc
  // adds no recipient of its own (children in the household included).
  struct Case {
    void (triage::v1::Recipients::*set)(bool);
    v1::EventKind event;
    v1::RecipientKind kind;
  };
  for (const Case& c :
       {Case{&triage::v1::Recipients::set_marac, v1::EVENT_KIND_HIGH_RISK,
             v1::RECIPIENT_KIND_MARAC_HUB},
        Case{&triage::v1::Recipients::set_idva, v1::EVENT_KIND_HIGH_RISK,
             v1::RECIPIENT_KIND_IDVA_SERVICE},
        Case{&triage::v1::Recipients::set_ypva, v1::EVENT_KIND_HIGH_RISK,
             v1::RECIPIENT_KIND_YPVA_SERVICE},
        Case{&triage::v1::Recipients::set_childrens_social_care,
             v1::EVENT_KIND_CHILD_SAFEGUARDING,
             v1::RECIPIENT_KIND_CHILDRENS_SOCIAL_CARE},
        Case{&triage::v1::Recipients::set_mace,
             v1::EVENT_KIND_CHILD_EXPLOITATION, v1::RECIPIENT_KIND_MACE}}) {
    triage::v1::Recipients one;
    (one.*c.set)(true);
    const std::vector<Audience> got = AudiencesOf(one);
    ASSERT_EQ(got.size(), 1u) << v1::RecipientKind_Name(c.kind);
    EXPECT_EQ(got[0].event, c.event);
    EXPECT_EQ(got[0].kind, c.kind);
  }
  triage::v1::Recipients child;
  child.set_marac(true);
  child.set_ypva(true);
  child.set_childrens_social_care(true);
  std::vector<v1::RecipientKind> kinds;
  for (const Audience& a : AudiencesOf(child)) kinds.push_back(a.kind);
  EXPECT_THAT(kinds, ElementsAre(v1::RECIPIENT_KIND_MARAC_HUB,
                                 v1::RECIPIENT_KIND_YPVA_SERVICE,
                                 v1::RECIPIENT_KIND_CHILDRENS_SOCIAL_CARE));
}

TEST(ShapingTest, YoungPersonCaseGetsTheChildAndSafeContactOnly) {
  triage::v1::Decision d = HighRisk();
  d.set_front_door(common::v1::FRONT_DOOR_CHILDREN);
  common::v1::Referral r = Rich();
  v1::YoungPersonCase c = ForYoungPerson(d, r, "stafford");
  EXPECT_EQ(c.subject_name().family_name(), r.subject().name().family_name());
  EXPECT_EQ(c.subject_date_of_birth().year(),
            r.subject().date_of_birth().year());
  EXPECT_EQ(c.contact().phone(), "");  // not safe to call
  EXPECT_EQ(c.contact().email(), kEmail);
  EXPECT_EQ(c.risk_level(), common::v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(c.district(), "stafford");
  ExpectNothingPrivate(c);
  // Not the other children of the household either.
  EXPECT_EQ(c.SerializeAsString().find("Kid"), std::string::npos);
}

TEST(ShapingTest, MatacGetsTheSuspectAndCountsNeverAVictim) {
  const common::v1::Referral r = Rich();
  triage::v1::SerialPerpetratorIdentified e;
  e.set_event_id("FD-HHHHHHHHHHH2:serial-perpetrator");
  e.set_reference("FD-HHHHHHHHHHH2");
  e.set_agency_id("staffs-police");
  e.set_district("tamworth");
  *e.mutable_suspect_name() = r.other_party().name();
  e.mutable_suspect_date_of_birth()->set_year(1980);
  e.set_distinct_victims(2);
  e.set_window_months(36);
  e.add_related_references("FD-HHHHHHHHHHH1");
  e.add_related_references("FD-HHHHHHHHHHH2");
  e.set_rules_version("dash-2026-2");
  v1::MatacAlert a = ForMatac(e);
  EXPECT_EQ(a.reference(), "FD-HHHHHHHHHHH2");
  EXPECT_EQ(a.suspect_name().family_name(), kOtherPartyName);
  EXPECT_EQ(a.suspect_date_of_birth().year(), 1980);
  EXPECT_EQ(a.distinct_victims(), 2);
  EXPECT_EQ(a.window_months(), 36);
  EXPECT_THAT(a.related_references(),
              ElementsAre("FD-HHHHHHHHHHH1", "FD-HHHHHHHHHHH2"));
  EXPECT_EQ(a.referring_agency(), "staffs-police");
  EXPECT_EQ(a.district(), "tamworth");
  // Nothing of the victims: no name, contact, children, concerns, answers.
  const std::string bytes = a.SerializeAsString();
  for (const std::string& s :
       {r.subject().name().family_name(), r.subject().name().given_names(),
       std::string(kEmail), std::string(kUnsafePhone), std::string("Kid"),
       std::string(kConcerns), std::string(kDashComment),
       std::string(kJudgement)}) {
    EXPECT_EQ(bytes.find(s), std::string::npos) << "MatacAlert carries " << s;
  }
  // The message type itself has no field for them.
  const auto* type = v1::MatacAlert::descriptor();
  for (int i = 0; i < type->field_count(); ++i) {
    EXPECT_THAT(type->field(i)->name(),
                ::testing::Not(::testing::AnyOf(
                    ::testing::HasSubstr("victim_name"),
                    ::testing::HasSubstr("contact"),
                    ::testing::HasSubstr("address"))));
  }
}

}  // namespace
}  // namespace frontdoor::notify
