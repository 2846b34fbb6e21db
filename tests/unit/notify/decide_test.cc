// The decide step of notify-svc's writes (decide.h), without a store: who
// is told what of each event, the shares as saved, and acknowledgements.

#include "notify-svc/decide.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "common/config/config.h"
#include "google/protobuf/util/time_util.h"

namespace frontdoor::notify {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kReference[] = "FD-7K3M9Q2X4W8P";
const absl::Time kNow = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 10, 0, 0), absl::UTCTimeZone());

config::v1::NotifyRules ShippedProto() {
  auto p = config::LoadJsonFile<config::v1::NotifyRules>(
      std::string(FRONTDOOR_SOURCE_DIR) + "/config/notify-rules.json");
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : config::v1::NotifyRules();
}

// The shipped recipients, with the MARAC hub taking its notifications by
// push.
Recipients WithPushHub() {
  config::v1::NotifyRules proto = ShippedProto();
  for (auto& r : *proto.mutable_recipients()) {
    if (r.agency_id() == "staffs-police-hub") {
      r.set_mode(config::v1::DELIVERY_MODE_PUSH);
      r.set_push_target("localhost:1");
    }
  }
  auto recipients = Recipients::FromProto(proto);
  EXPECT_TRUE(recipients.ok()) << recipients.status();
  return *std::move(recipients);
}

std::vector<Target> TargetsOf(const std::vector<Outgoing>& out) {
  std::vector<Target> targets;
  for (const Outgoing& o : out) targets.push_back(o.target);
  return targets;
}

TEST(NotifyDecideTest, AReceiptTellsTheReferrerOfAcceptanceOrReturn) {
  const Recipients r = WithPushHub();
  intake::v1::ReferralReceived e;
  e.set_agency_id("uhnm-health");
  e.mutable_receipt()->set_reference(kReference);
  e.mutable_receipt()->set_status(intake::v1::REFERRAL_STATUS_ACCEPTED);
  std::vector<Outgoing> out = OutgoingOf(r, e);
  ASSERT_THAT(TargetsOf(out),
              ElementsAre(Target{"uhnm-health", v1::RECIPIENT_KIND_REFERRER}));
  EXPECT_EQ(out[0].event, v1::EVENT_KIND_REFERRAL_ACCEPTED);
  EXPECT_EQ(out[0].reference, kReference);
  EXPECT_EQ(out[0].referring_agency, "uhnm-health");
  EXPECT_EQ(out[0].notification.referrer_update().reference(), kReference);

  e.mutable_receipt()->set_status(intake::v1::REFERRAL_STATUS_RETURNED);
  out = OutgoingOf(r, e);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event, v1::EVENT_KIND_REFERRAL_RETURNED);
}

TEST(NotifyDecideTest, ADecisionTellsExactlyWhomItNames) {
  const Recipients r = WithPushHub();
  triage::v1::TriageDecided e;
  e.set_agency_id("staffs-police");
  e.set_district("stafford");
  e.mutable_decision()->set_reference(kReference);
  EXPECT_THAT(OutgoingOf(r, e), IsEmpty());
  e.mutable_decision()->mutable_recipients()->set_marac(true);
  e.mutable_decision()->mutable_recipients()->set_idva(true);
  std::vector<Outgoing> out = OutgoingOf(r, e);
  ASSERT_THAT(
      TargetsOf(out),
      ElementsAre(
          Target{"staffs-police-hub", v1::RECIPIENT_KIND_MARAC_HUB},
          Target{"frontdoor-idva", v1::RECIPIENT_KIND_IDVA_SERVICE}));
  EXPECT_TRUE(out[0].notification.has_marac_alert());
  EXPECT_TRUE(out[1].notification.has_idva_case());
  EXPECT_EQ(out[1].referring_agency, "staffs-police");
}

TEST(NotifyDecideTest, ASerialPerpetratorTellsMatac) {
  triage::v1::SerialPerpetratorIdentified e;
  e.set_reference(kReference);
  e.set_agency_id("staffs-police");
  e.set_district("stafford");
  std::vector<Outgoing> out = OutgoingOf(WithPushHub(), e);
  ASSERT_THAT(TargetsOf(out),
              ElementsAre(Target{"staffs-matac", v1::RECIPIENT_KIND_MATAC}));
  EXPECT_EQ(out[0].event, v1::EVENT_KIND_SERIAL_PERPETRATOR);
  EXPECT_TRUE(out[0].notification.has_matac_alert());
}

TEST(NotifyDecideTest, APlacementTellsTheReferrerOnlyWhenAllocatedOrWaiting) {
  const Recipients r = WithPushHub();
  allocation::v1::PlacementChanged e;
  e.set_agency_id("staffs-police");
  e.mutable_referrer()->set_agency_case_reference("CASE-1");
  allocation::v1::Placement& p = *e.mutable_placement();
  p.set_reference(kReference);
  p.set_programme_id("adult-victim-support");
  p.set_state(allocation::v1::PLACEMENT_STATE_ALLOCATED);
  std::vector<Outgoing> out = OutgoingOf(r, e);
  ASSERT_EQ(out.size(), 1u);
  const v1::ReferrerUpdate& u = out[0].notification.referrer_update();
  EXPECT_EQ(u.status(), v1::ReferrerUpdate::STATUS_ALLOCATED);
  EXPECT_EQ(u.agency_case_reference(), "CASE-1");
  EXPECT_EQ(u.programme(), "adult-victim-support");
  p.set_state(allocation::v1::PLACEMENT_STATE_WAITING);
  out = OutgoingOf(r, e);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].notification.referrer_update().status(),
            v1::ReferrerUpdate::STATUS_WAITING);
  for (auto state : {allocation::v1::PLACEMENT_STATE_AWAITING_CONSENT,
                     allocation::v1::PLACEMENT_STATE_FAILED,
                     allocation::v1::PLACEMENT_STATE_RELEASED}) {
    p.set_state(state);
    EXPECT_THAT(OutgoingOf(r, e), IsEmpty()) << state;
  }
}

TEST(NotifyDecideTest, SharesAreStampedPushedByModeAndAuditedByPurpose) {
  const Recipients r = WithPushHub();
  triage::v1::TriageDecided e;
  e.set_agency_id("staffs-police");
  e.set_district("stafford");
  e.mutable_decision()->set_reference(kReference);
  e.mutable_decision()->mutable_recipients()->set_marac(true);
  e.mutable_decision()->mutable_recipients()->set_idva(true);
  const std::vector<Share> shares =
      DecideShares("ev-1", OutgoingOf(r, e), r, kNow);
  ASSERT_EQ(shares.size(), 2u);
  const Share& hub = shares[0];
  EXPECT_EQ(hub.notification.id(), "ev-1:staffs-police-hub:RECIPIENT_KIND_MARAC_HUB");
  EXPECT_EQ(hub.notification.recipient_kind(), v1::RECIPIENT_KIND_MARAC_HUB);
  EXPECT_EQ(hub.notification.event(), hub.event);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(hub.notification.created_at()),
            absl::ToUnixMicros(kNow));
  EXPECT_TRUE(hub.notification.has_marac_alert());
  EXPECT_EQ(hub.recipient_agency, "staffs-police-hub");
  EXPECT_EQ(hub.reference, kReference);
  EXPECT_EQ(hub.referring_agency, "staffs-police");
  EXPECT_TRUE(hub.push);
  EXPECT_EQ(hub.audit_reason, "marac_hub");
  EXPECT_EQ(hub.event, v1::EVENT_KIND_HIGH_RISK);
  EXPECT_EQ(hub.audit_details,
            "{\"notification\":\"ev-1:staffs-police-hub:RECIPIENT_KIND_MARAC_"
            "HUB\",\"event\":\"high_risk\",\"recipient\":\"staffs-police-"
            "hub\",\"rules\":\"notify-2026-2\"}");
  const Share& idva = shares[1];
  EXPECT_FALSE(idva.push);
  EXPECT_EQ(idva.audit_reason, "idva_service");
  EXPECT_EQ(idva.notification.id(),
            "ev-1:frontdoor-idva:RECIPIENT_KIND_IDVA_SERVICE");
}

TEST(NotifyDecideTest, NoOneToTellIsNoShare) {
  EXPECT_THAT(DecideShares("ev-1", {}, WithPushHub(), kNow), IsEmpty());
}

TEST(NotifyDecideTest, AnAckMovesOnlyTheOwnersPosition) {
  AckDecision d = DecideAck("staffs-police-hub",
                            std::string("staffs-police-hub"), 7);
  EXPECT_EQ(d.refused_reason, "");
  d = DecideAck("staffs-police-hub", std::string("frontdoor-idva"), 7);
  EXPECT_EQ(d.refused_reason, "not_owner");
  EXPECT_EQ(d.audit_details, "{\"position\":7}");
  d = DecideAck("staffs-police-hub", std::nullopt, 8);
  EXPECT_EQ(d.refused_reason, "unknown_reference");
  EXPECT_EQ(d.audit_details, "{\"position\":8}");
}

}  // namespace
}  // namespace frontdoor::notify
