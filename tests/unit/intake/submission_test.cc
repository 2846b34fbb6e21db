// DecideSubmission, the pure decision of a submission's write: no store,
// no clock.

#include "intake-svc/submission.h"

#include <gtest/gtest.h>

#include "intake-svc/routing.h"

namespace frontdoor::intake {
namespace {

constexpr char kReference[] = "FD-7K3M9Q2X4W8P";

Submission Accepted() {
  Submission s;
  s.agency_id = "staffs-police";
  s.referring_agency = "staffs-police";
  s.request_hash = "hash-a";
  s.receipt.set_reference(kReference);
  s.receipt.set_status(intake::v1::REFERRAL_STATUS_ACCEPTED);
  s.receipt.set_front_door(common::v1::FRONT_DOOR_ADULT_VICTIM);
  s.receipt.set_district("stafford");
  s.receipt.mutable_received_at()->set_seconds(1700000000);
  s.event.set_event_id(std::string(kReference) + kReceivedEventIdSuffix);
  s.event.set_agency_id(s.referring_agency);
  s.event.set_subject_index("subject-index");
  s.event.mutable_referral()->mutable_subject()->mutable_name()->set_given_names(
      "Alex");
  return s;
}

SubmissionLoaded Fresh(intake::v1::RepeatStatus repeat) {
  SubmissionLoaded loaded;
  loaded.repeat = repeat;
  return loaded;
}

SubmissionLoaded Prior(const std::string& hash,
                       const intake::v1::Receipt& receipt) {
  SubmissionLoaded loaded;
  loaded.prior =
      SubmissionLoaded::Prior{hash, receipt.SerializeAsString()};
  return loaded;
}

TEST(IntakeDecideTest, NewReferralGetsItsRepeatStatusAndTwoEvents) {
  const Submission s = Accepted();
  absl::StatusOr<SubmissionDecision> d =
      DecideSubmission(s, Fresh(intake::v1::REPEAT_STATUS_POSSIBLE));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->replay);
  EXPECT_EQ(d->receipt.reference(), kReference);
  EXPECT_EQ(d->receipt.repeat(), intake::v1::REPEAT_STATUS_POSSIBLE);
  ASSERT_EQ(d->events.size(), 2u);
  EXPECT_EQ(d->events[0].topic, kReferralReceivedTopic);
  EXPECT_EQ(d->events[0].event.event_id(), "FD-7K3M9Q2X4W8P:received");
  EXPECT_EQ(d->events[1].topic, kReferralReceivedForNotifyTopic);
  EXPECT_EQ(d->events[1].event.event_id(), "FD-7K3M9Q2X4W8P:received:notify");
  for (const OutgoingEvent& e : d->events) {
    // Each event carries the receipt as stored, repeat included.
    EXPECT_EQ(e.event.receipt().SerializeAsString(),
              d->receipt.SerializeAsString());
    EXPECT_EQ(e.event.agency_id(), "staffs-police");
    EXPECT_EQ(e.event.subject_index(), "subject-index");
    EXPECT_EQ(e.event.referral().subject().name().given_names(), "Alex");
  }
  EXPECT_EQ(d->audit_reason, kReasonReferralAccepted);
  EXPECT_EQ(d->audit_details, "{\"front_door\":\"adult_victim\"}");
}

TEST(IntakeDecideTest, SameReferralUnderTheSameKeyIsAReplay) {
  const Submission s = Accepted();
  intake::v1::Receipt stored = s.receipt;
  stored.set_reference("FD-2222222222222");
  stored.set_repeat(intake::v1::REPEAT_STATUS_REPEAT);
  absl::StatusOr<SubmissionDecision> d =
      DecideSubmission(s, Prior("hash-a", stored));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->replay);
  // The earlier receipt is answered, and nothing is written.
  EXPECT_EQ(d->receipt.SerializeAsString(), stored.SerializeAsString());
  EXPECT_TRUE(d->events.empty());
}

TEST(IntakeDecideTest, ADifferentReferralUnderTheSameKeyIsRefused) {
  absl::StatusOr<SubmissionDecision> d =
      DecideSubmission(Accepted(), Prior("hash-b", intake::v1::Receipt()));
  EXPECT_TRUE(absl::IsAlreadyExists(d.status())) << d.status();
}

TEST(IntakeDecideTest, AStoredReceiptThatDoesNotParseIsInternal) {
  SubmissionLoaded same;
  same.prior = SubmissionLoaded::Prior{"hash-a", "\xff\xff\xff"};
  EXPECT_TRUE(absl::IsInternal(DecideSubmission(Accepted(), same).status()));
  // A different referral under the key is refused before the receipt is
  // read.
  SubmissionLoaded other = same;
  other.prior->request_hash = "hash-b";
  EXPECT_TRUE(
      absl::IsAlreadyExists(DecideSubmission(Accepted(), other).status()));
}

TEST(IntakeDecideTest, ReturnedReferralAuditsItsFirstReturnReasonCode) {
  Submission s = Accepted();
  s.receipt.set_status(intake::v1::REFERRAL_STATUS_RETURNED);
  s.receipt.set_front_door(common::v1::FRONT_DOOR_UNSPECIFIED);
  s.receipt.add_return_reasons()->set_code(kReturnChildToBehaviourChange);
  s.receipt.add_return_reasons()->set_code("SECOND");
  absl::StatusOr<SubmissionDecision> d =
      DecideSubmission(s, Fresh(intake::v1::REPEAT_STATUS_FIRST));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->audit_reason, kReasonReferralReturned);
  EXPECT_EQ(d->audit_details,
            "{\"front_door\":\"unspecified\",\"return_reason\":\""
            "CHILD_REFERRED_TO_BEHAVIOUR_CHANGE\"}");
  // Returned referrals are still told to triage (which ignores them) and
  // to notify (the referrer learns of the return).
  EXPECT_EQ(d->events.size(), 2u);
}

TEST(IntakeDecideTest, KeyedOnBehalfOfAnotherAgencyNamesItInTheAudit) {
  Submission s = Accepted();
  s.agency_id = "frontdoor-staff";
  s.referring_agency = "staffs-police";
  s.event.set_agency_id("staffs-police");
  absl::StatusOr<SubmissionDecision> d =
      DecideSubmission(s, Fresh(intake::v1::REPEAT_STATUS_FIRST));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->audit_details,
            "{\"front_door\":\"adult_victim\","
            "\"on_behalf_of_agency\":\"staffs-police\"}");
  EXPECT_EQ(d->events[1].event.agency_id(), "staffs-police");
}

}  // namespace
}  // namespace frontdoor::intake
