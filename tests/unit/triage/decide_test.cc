// The decide step of triage's writes (decide.h), without a store: how a
// delivered referral is recorded, a practitioner's assessment, and a
// decision stamped with its events and audit entry.

#include "triage-svc/decide.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "common/status/errors.h"
#include "google/protobuf/util/time_util.h"
#include "tests/unit/triage/rules_fixture.h"

namespace frontdoor::triage {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kReference[] = "FD-7K3M9Q2X4W8P";
const absl::Time kReceived = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 10, 0, 0), absl::UTCTimeZone());
const absl::Time kNow = kReceived + absl::Hours(3);

CaseFacts Adult() {
  CaseFacts f;
  f.front_door = common::v1::FRONT_DOOR_ADULT_VICTIM;
  f.age = 34;
  f.received_at = kReceived;
  return f;
}

CaseFacts Child(int age) {
  CaseFacts f;
  f.front_door = common::v1::FRONT_DOOR_CHILDREN;
  f.age = age;
  f.received_at = kReceived;
  return f;
}

Caller Practitioner() {
  return Caller{"frontdoor-helpline",
                "spiffe://frontdoor/agency/frontdoor-helpline", "Sam Triage",
                {config::v1::ROLE_STAFF}};
}

intake::v1::ReferralReceived Received() {
  intake::v1::ReferralReceived e;
  e.set_event_id(std::string(kReference) + ":received");
  e.set_agency_id("staffs-police");
  e.set_subject_index("subject-index");
  e.mutable_receipt()->set_reference(kReference);
  e.mutable_receipt()->set_district("stafford");
  *e.mutable_receipt()->mutable_received_at() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(kReceived));
  e.mutable_referral()->mutable_subject()->mutable_name()->set_given_names(
      "Alex");
  return e;
}

class TriageDecideTest : public ::testing::Test {
 protected:
  Rules rules_ = testing::RulesFrom(testing::ShippedRulesProto());
};

// ---- DecideRecording -----------------------------------------------------

TEST_F(TriageDecideTest, AdultWithACompleteDashIsDecidedAtOnce) {
  common::v1::Referral referral;
  *referral.mutable_risk_assessment() = testing::Dash(14);
  const Recording r = DecideRecording(referral, Adult(), rules_);
  ASSERT_TRUE(r.decision.has_value());
  EXPECT_TRUE(r.decision->auto_triaged());
  EXPECT_EQ(r.decision->risk_level(), common::v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(r.reason_code, kReasonAutoTriage);
  EXPECT_EQ(r.waiting_reason, "");
  EXPECT_EQ(r.provisional_risk, common::v1::RISK_LEVEL_HIGH);
}

TEST_F(TriageDecideTest, AdultWithoutAnAssessmentWaits) {
  const Recording r =
      DecideRecording(common::v1::Referral(), Adult(), rules_);
  EXPECT_FALSE(r.decision.has_value());
  EXPECT_EQ(r.reason_code, kReasonNoAssessmentAttached);
  EXPECT_EQ(r.waiting_reason, "no risk assessment attached");
  EXPECT_EQ(r.provisional_risk, common::v1::RISK_LEVEL_STANDARD);
}

TEST_F(TriageDecideTest, AdultWithAnIncompleteDashWaitsNamingTheFirstProblem) {
  common::v1::Referral referral;
  // 20 of the 24 questions answered, 14 of them yes: high so far.
  *referral.mutable_risk_assessment() =
      testing::Dash(14, "safelives-dash-24", 20);
  const Recording r = DecideRecording(referral, Adult(), rules_);
  EXPECT_FALSE(r.decision.has_value());
  EXPECT_EQ(r.reason_code, kReasonAttachedAssessmentIncomplete);
  EXPECT_THAT(r.waiting_reason,
              StartsWith("attached DASH incomplete or not valid: dash"));
  // Ordered in the queue by what is known so far.
  EXPECT_EQ(r.provisional_risk,
            ProvisionalRisk(referral, Adult(), rules_));
  EXPECT_EQ(r.provisional_risk, common::v1::RISK_LEVEL_HIGH);
}

TEST_F(TriageDecideTest, ChildrenAlwaysWaitForTheChildrensAssessment) {
  common::v1::Referral referral;
  *referral.mutable_risk_assessment() = testing::Dash(14);
  Recording r = DecideRecording(referral, Child(15), rules_);
  EXPECT_FALSE(r.decision.has_value());
  EXPECT_EQ(r.reason_code, kReasonChildrensAssessmentNeeded);
  EXPECT_EQ(r.waiting_reason, "children's front-door assessment needed");

  *referral.mutable_risk_assessment() =
      testing::Dash(2, "safelives-yp-dash-24");
  r = DecideRecording(referral, Child(15), rules_);
  EXPECT_EQ(r.waiting_reason,
            "children's front-door assessment needed (young people's DASH "
            "attached)");
}

// ---- DecideAssessment ----------------------------------------------------

TEST_F(TriageDecideTest, TheFormMustFitTheDoor) {
  v1::SubmitAssessmentRequest dash;
  *dash.mutable_dash() = testing::Dash(3);
  EXPECT_TRUE(absl::IsFailedPrecondition(
      DecideAssessment(dash, common::v1::Referral(), Child(15), rules_)
          .status()));
  v1::SubmitAssessmentRequest child;
  *child.mutable_child() = testing::ChildAnswers("injured");
  EXPECT_TRUE(absl::IsFailedPrecondition(
      DecideAssessment(child, common::v1::Referral(), Adult(), rules_)
          .status()));
}

TEST_F(TriageDecideTest, ADashDecidesAnAdultWithItsOverride) {
  v1::SubmitAssessmentRequest request;
  *request.mutable_dash() = testing::Dash(3);
  request.mutable_tier_override()->set_tier(3);
  request.mutable_tier_override()->set_reason("escalating since the call");
  absl::StatusOr<Assessed> a =
      DecideAssessment(request, common::v1::Referral(), Adult(), rules_);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->form, "safelives-dash-24");
  EXPECT_FALSE(a->decision.auto_triaged());
  EXPECT_EQ(a->decision.tier(), 3);
  EXPECT_EQ(a->decision.tier_override_reason(), "escalating since the call");

  request.mutable_tier_override()->set_reason("");
  EXPECT_THAT(
      GetFieldViolations(
          DecideAssessment(request, common::v1::Referral(), Adult(), rules_)
              .status()),
      ::testing::Contains(::testing::Field(&FieldViolation::field,
                                           "tier_override.reason")));
}

TEST_F(TriageDecideTest, TheYoungPeoplesDashAttachedAtIntakeStandsForTheChecklist) {
  v1::SubmitAssessmentRequest request;
  *request.mutable_child() = testing::ChildAnswers("");
  request.mutable_child()->clear_young_people_checklist();
  common::v1::Referral referral;
  *referral.mutable_risk_assessment() =
      testing::Dash(14, "safelives-yp-dash-24");
  absl::StatusOr<Assessed> a =
      DecideAssessment(request, referral, Child(15), rules_);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->form, "roots-to-support-2");
  EXPECT_EQ(a->decision.score(), 14);
  EXPECT_EQ(a->decision.risk_level(), common::v1::RISK_LEVEL_HIGH);
  // Answered afresh, the practitioner's checklist counts instead.
  testing::FillChecklist(
      24, 2, request.mutable_child()->mutable_young_people_checklist());
  a = DecideAssessment(request, referral, Child(15), rules_);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->decision.score(), 2);
  // Without one answered or attached, the checklist is missing.
  request.mutable_child()->clear_young_people_checklist();
  EXPECT_TRUE(absl::IsInvalidArgument(
      DecideAssessment(request, common::v1::Referral(), Child(15), rules_)
          .status()));
}

// ---- DecideOverride ------------------------------------------------------

TEST_F(TriageDecideTest, AnOverrideDecidesAsTheAssessmentWithItsOverride) {
  v1::SubmitAssessmentRequest kept;
  kept.set_reference(kReference);
  *kept.mutable_dash() = testing::Dash(11);  // medium: tier 3 from risk
  v1::TierOverride override_tier;
  override_tier.set_tier(4);
  override_tier.set_reason("threats since the assessment");
  absl::StatusOr<Assessed> overridden = DecideOverride(
      kept, &override_tier, common::v1::Referral(), Adult(), rules_);
  ASSERT_TRUE(overridden.ok()) << overridden.status();
  v1::SubmitAssessmentRequest both = kept;
  *both.mutable_tier_override() = override_tier;
  absl::StatusOr<Assessed> submitted =
      DecideAssessment(both, common::v1::Referral(), Adult(), rules_);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  EXPECT_EQ(overridden->decision.SerializeAsString(),
            submitted->decision.SerializeAsString());
  EXPECT_EQ(overridden->form, submitted->form);
  EXPECT_EQ(overridden->decision.tier(), 4);
  EXPECT_EQ(overridden->decision.tier_from_risk(), 3);

  EXPECT_EQ(GetFieldViolations(DecideOverride(kept, nullptr,
                                              common::v1::Referral(), Adult(),
                                              rules_)
                                   .status())[0]
                .field,
            "tier_override");
  override_tier.set_tier(0);
  EXPECT_EQ(GetFieldViolations(DecideOverride(kept, &override_tier,
                                              common::v1::Referral(), Adult(),
                                              rules_)
                                   .status())[0]
                .field,
            "tier_override.tier");
}

TEST_F(TriageDecideTest, AnAutomaticDecisionsAssessmentIsTheReferralsDash) {
  intake::v1::ReferralReceived recorded = Received();
  *recorded.mutable_referral()->mutable_risk_assessment() = testing::Dash(14);
  const v1::SubmitAssessmentRequest a = AttachedAssessment(recorded);
  EXPECT_EQ(a.reference(), kReference);
  ASSERT_TRUE(a.has_dash());
  EXPECT_EQ(a.dash().SerializeAsString(),
            recorded.referral().risk_assessment().SerializeAsString());
  EXPECT_FALSE(a.has_tier_override());
}

// ---- DecideWrite ---------------------------------------------------------

TEST_F(TriageDecideTest, AnAutomaticDecisionIsTriageSvcsAndGoesToBothServices) {
  v1::Decision d;
  d.set_auto_triaged(true);
  d.set_risk_level(common::v1::RISK_LEVEL_HIGH);
  d.set_tier(4);
  d.set_score(14);
  d.set_rules_version("dash-2026-2");
  d.mutable_marac()->set_visible_high_risk(true);
  const DecisionWrite w =
      DecideWrite(Received(), 0, d, Practitioner(), "safelives-dash-24", kNow);
  EXPECT_EQ(w.number, 1);
  EXPECT_EQ(w.decision.reference(), kReference);
  EXPECT_EQ(w.decision.decided_by(), kAutoTriageActor);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(w.decision.decided_at()),
            absl::ToUnixMicros(kNow));
  EXPECT_EQ(w.decider.agency_id, kAutoTriageActor);
  EXPECT_EQ(w.decider.actor, kAutoTriageActor);
  EXPECT_EQ(w.audit_reason, kReasonCompleteDashAttached);
  EXPECT_EQ(w.audit_details,
            "{\"form\":\"safelives-dash-24\",\"score\":14,\"risk_level\":"
            "\"high\",\"tier\":4,\"tier_overridden\":false,\"marac\":"
            "[\"visible_high_risk\"],\"rules_version\":\"dash-2026-2\","
            "\"auto\":true}");
  ASSERT_EQ(w.events.size(), 2u);
  EXPECT_EQ(w.events[0].topic, kDecidedForAllocationTopic);
  EXPECT_EQ(w.events[0].event.event_id(), "FD-7K3M9Q2X4W8P:decision:1:allocation");
  EXPECT_EQ(w.events[1].topic, kDecidedForNotifyTopic);
  EXPECT_EQ(w.events[1].event.event_id(), "FD-7K3M9Q2X4W8P:decision:1:notify");
  for (const OutgoingDecided& e : w.events) {
    EXPECT_EQ(e.event.decision().SerializeAsString(),
              w.decision.SerializeAsString());
    EXPECT_EQ(e.event.decision_number(), 1);
    EXPECT_EQ(e.event.agency_id(), "staffs-police");
    EXPECT_EQ(e.event.subject_index(), "subject-index");
    EXPECT_EQ(e.event.district(), "stafford");
    EXPECT_EQ(TimeUtil::TimestampToMicroseconds(e.event.received_at()),
              absl::ToUnixMicros(kReceived));
    EXPECT_EQ(e.event.referral().subject().name().given_names(), "Alex");
  }
}

TEST_F(TriageDecideTest, APractitionersDecisionIsTheirsAndNumberedAfterTheLast) {
  v1::Decision d;
  d.set_tier(2);
  d.set_tier_override_reason("reason");
  const DecisionWrite w = DecideWrite(Received(), 2, d, Practitioner(),
                                      "roots-to-support-2", kNow);
  EXPECT_EQ(w.number, 3);
  EXPECT_EQ(w.decision.decided_by(), "Sam Triage");
  EXPECT_EQ(w.decider.agency_id, "frontdoor-helpline");
  EXPECT_EQ(w.decider.actor, "Sam Triage");
  EXPECT_EQ(w.audit_reason, kReasonPractitionerAssessment);
  EXPECT_THAT(w.audit_details, HasSubstr("\"tier_overridden\":true"));
  EXPECT_THAT(w.audit_details, HasSubstr("\"auto\":false"));
  EXPECT_EQ(w.events[0].event.event_id(),
            "FD-7K3M9Q2X4W8P:decision:3:allocation");
  EXPECT_EQ(w.events[1].event.decision_number(), 3);
}

}  // namespace
}  // namespace frontdoor::triage
