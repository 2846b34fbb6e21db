// notify-svc's core over a real SQLite store.
#include "notify-svc/notify_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/config/config.h"
#include "common/rights/data_keys.h"
#include "common/status/errors.h"
#include "google/protobuf/util/time_util.h"
#include "absl/strings/match.h"
#include "notify-svc/email.h"
#include "notify-svc/migrations.h"
#include "notify-svc/notify_retention.h"
#include "common/rights/rights.h"
#include "tests/testing/core_fixture.h"
#include "tests/testing/examples.h"

namespace frontdoor::notify {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Caller Service(const char* id) {
  return Caller{id, absl::StrCat("spiffe://frontdoor/svc/", id), "relay",
                {config::v1::ROLE_SERVICE}};
}
Caller Agency(const char* id) {
  return Caller{id, absl::StrCat("spiffe://frontdoor/agency/", id), "Someone",
                {config::v1::ROLE_REFERRER}};
}

class NotifyCoreTest : public testing::CoreStoreTest {
 protected:
  void SetUp() override {
    OpenStore(Migrations());
    if (HasFatalFailure()) return;
    auto proto = config::LoadJsonFile<config::v1::NotifyRules>(
        std::string(FRONTDOOR_SOURCE_DIR) + "/config/notify-rules.json");
    ASSERT_TRUE(proto.ok());
    auto recipients = Recipients::FromProto(*proto);
    ASSERT_TRUE(recipients.ok());
    recipients_ = std::make_unique<Recipients>(*std::move(recipients));
    core_ = std::make_unique<NotifyCore>(*store_, *keys_, *recipients_, clock_);
  }
  void TearDown() override {
    core_.reset();
    CoreStoreTest::TearDown();
  }

  absl::StatusOr<std::vector<v1::Notification>> Updates(
      const Caller& caller, const std::string& ref) {
    return Wait<std::vector<v1::Notification>>(
        [&](auto done) { core_->ListUpdates(caller, ref, done); });
  }

  // Audit rows of refusals and failures, oldest first: "action agency person
  // subject reason details".
  std::vector<std::string> AuditRows() {
    std::vector<std::string> out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(
                          "SELECT action, actor_agency, actor_person, "
                          "subject, reason, details FROM audit_log "
                          "WHERE action LIKE '%refused' OR action LIKE "
                          "'%failed' ORDER BY seq");
                      if (!rows.ok()) return rows.status();
                      for (const store::Row& r : *rows) {
                        out.push_back(absl::StrCat(
                            r.Text(0), " ", r.Text(1), " ", r.Text(2), " ",
                            r.Text(3), " ", r.Text(4), " ", r.Text(5)));
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }

  intake::v1::ReferralReceived Received(const std::string& ref) {
    intake::v1::ReferralReceived e;
    e.set_event_id(ref + ":received");
    e.set_agency_id("staffs-police");
    *e.mutable_referral() = testing::ExampleReferral("high-risk-dash.json");
    e.mutable_referral()->mutable_referrer()->set_agency_case_reference("P-9");
    e.mutable_receipt()->set_reference(ref);
    e.mutable_receipt()->set_status(intake::v1::REFERRAL_STATUS_ACCEPTED);
    e.mutable_receipt()->set_district("stafford");
    return e;
  }
  triage::v1::TriageDecided HighRisk(const std::string& ref) {
    triage::v1::TriageDecided e;
    e.set_event_id(ref + ":decision:1:notify");
    e.set_agency_id("staffs-police");
    e.set_district("stoke-on-trent");
    *e.mutable_referral() = testing::ExampleReferral("high-risk-dash.json");
    auto* child = e.mutable_referral()->add_children();
    child->mutable_name()->set_given_names("Kid");
    child->mutable_name()->set_family_name("Example");
    auto* d = e.mutable_decision();
    d->set_reference(ref);
    d->set_front_door(common::v1::FRONT_DOOR_ADULT_VICTIM);
    d->set_side(common::v1::SIDE_VICTIM);
    d->set_risk_level(common::v1::RISK_LEVEL_HIGH);
    d->mutable_marac()->set_visible_high_risk(true);
    d->mutable_recipients()->set_marac(true);
    d->mutable_recipients()->set_idva(true);
    d->mutable_recipients()->set_childrens_social_care(true);
    return e;
  }
  triage::v1::SerialPerpetratorIdentified Serial(const std::string& ref) {
    triage::v1::SerialPerpetratorIdentified e;
    e.set_event_id(ref + ":serial-perpetrator");
    e.set_reference(ref);
    e.set_agency_id("staffs-police");
    e.set_district("tamworth");
    e.mutable_suspect_name()->set_given_names("Lee");
    e.mutable_suspect_name()->set_family_name("Suspect");
    e.set_distinct_victims(2);
    e.set_window_months(36);
    e.add_related_references("FD-HHHHHHHHHHH1");
    e.add_related_references(ref);
    return e;
  }
  std::vector<std::string> Kinds(const char* agency) {
    auto got = core_->Fetch(Agency(agency), 0, 100);
    EXPECT_TRUE(got.ok()) << got.status();
    std::vector<std::string> out;
    for (const auto& p : *got) {
      out.push_back(std::string(p.notification.body_case() ==
                                        v1::Notification::kReferrerUpdate
                                    ? "referrer_update"
                                : p.notification.has_marac_alert()
                                    ? "marac_alert"
                                : p.notification.has_idva_case()
                                    ? "idva_case"
                                : p.notification.has_childrens_social_care_alert()
                                    ? "csc_alert"
                                : p.notification.has_young_person_case()
                                    ? "young_person_case"
                                : p.notification.has_matac_alert()
                                    ? "matac_alert"
                                    : "other"));
    }
    return out;
  }

  FakeClock clock_{absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 0, 0),
                                   absl::UTCTimeZone())};
  std::unique_ptr<Recipients> recipients_;
  std::unique_ptr<NotifyCore> core_;
};

TEST_F(NotifyCoreTest, HighRiskPoliceReferralReachesEachAudienceOnce) {
  const std::string ref = "FD-HHHHHHHHHHH1";
  for (int i = 0; i < 2; ++i) {  // at-least-once delivery, recorded once
    EXPECT_EQ(Wait<bool>([&](auto done) {
                core_->ReferralReceived(Service("intake-svc"), Received(ref),
                                        done);
              }).value_or(i == 1),
              i == 0);
    EXPECT_EQ(Wait<bool>([&](auto done) {
                core_->TriageDecided(Service("triage-svc"), HighRisk(ref),
                                     done);
              }).value_or(i == 1),
              i == 0);
  }
  EXPECT_THAT(Kinds("staffs-police"), ElementsAre("referrer_update"));
  EXPECT_THAT(Kinds("staffs-police-hub"), ElementsAre("marac_alert"));
  EXPECT_THAT(Kinds("frontdoor-idva"), ElementsAre("idva_case"));
  EXPECT_THAT(Kinds("stoke-childrens-social-care"), ElementsAre("csc_alert"));
  EXPECT_THAT(Kinds("staffs-childrens-social-care"), IsEmpty());
  EXPECT_THAT(Kinds("uhnm-health"), IsEmpty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'notify.share'"),
            4);
}

// A replayed event (a captured delivery sent again, its body altered, under
// the same event id) is an OK no-op: the first body stands, nobody is told
// twice or told something else, nothing more is audited. Only the suite's
// services can deliver at all (OnlyTheSuiteServicesDeliverEvents).
TEST_F(NotifyCoreTest, AReplayWithAnAlteredBodyChangesNothing) {
  const std::string ref = "FD-HHHHHHHHHHH1";
  ASSERT_TRUE(Wait<bool>([&](auto done) {
                core_->TriageDecided(Service("triage-svc"), HighRisk(ref),
                                     done);
              }).value_or(false));
  auto original = core_->Fetch(Agency("staffs-police-hub"), 0, 100);
  ASSERT_TRUE(original.ok());
  ASSERT_EQ(original->size(), 1u);
  const int64_t audited = Count("SELECT COUNT(*) FROM audit_log");

  triage::v1::TriageDecided altered = HighRisk(ref);
  altered.mutable_decision()->mutable_recipients()->set_mace(true);
  altered.set_district("tamworth");
  altered.mutable_decision()->set_risk_level(common::v1::RISK_LEVEL_STANDARD);
  absl::StatusOr<bool> replayed = Wait<bool>([&](auto done) {
    core_->TriageDecided(Service("triage-svc"), altered, done);
  });
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_FALSE(*replayed);  // OK, already recorded: nothing new

  auto after = core_->Fetch(Agency("staffs-police-hub"), 0, 100);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(after->front().notification.SerializeAsString(),
            original->front().notification.SerializeAsString());
  EXPECT_THAT(Kinds("stoke-childrens-social-care"), ElementsAre("csc_alert"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log"), audited);
}

// A partner's stream passes over an erased referral's notifications (they
// no longer open), however many of them come in a row: a page of nothing
// but those is read past, not taken for the end of the stream.
TEST_F(NotifyCoreTest, ARunOfErasedNotificationsLongerThanAPageIsPassedOver) {
  const std::vector<std::string> refs = {"FD-HHHHHHHHHHH1", "FD-HHHHHHHHHHH2",
                                         "FD-HHHHHHHHHHH3", "FD-HHHHHHHHHHH4"};
  for (const std::string& ref : refs) {
    ASSERT_TRUE(Wait<bool>([&](auto done) {
                  core_->TriageDecided(Service("triage-svc"), HighRisk(ref),
                                       done);
                }).value_or(false));
  }
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) -> absl::Status {
                    for (int i = 0; i < 3; ++i) {
                      absl::StatusOr<bool> destroyed =
                          rights::DestroyDataKey(tx, refs[i], clock_.Now());
                      if (!destroyed.ok()) return destroyed.status();
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  auto got = core_->Fetch(Agency("staffs-police-hub"), 0, 2);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().notification.marac_alert().reference(), refs[3]);
  auto rest = core_->Fetch(Agency("staffs-police-hub"), got->front().seq, 2);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_TRUE(rest->empty());
}

TEST_F(NotifyCoreTest, TellsExactlyWhomTheDecisionNames) {
  // Children in the household, but the decision names nobody: notify-svc
  // adds no one of its own.
  triage::v1::TriageDecided e = HighRisk("FD-HHHHHHHHHHH1");
  e.mutable_decision()->clear_recipients();
  ASSERT_TRUE(Wait<bool>([&](auto done) {
                core_->TriageDecided(Service("triage-svc"), e, done);
              }).ok());
  EXPECT_THAT(Kinds("staffs-police-hub"), IsEmpty());
  EXPECT_THAT(Kinds("frontdoor-idva"), IsEmpty());
  EXPECT_THAT(Kinds("stoke-childrens-social-care"), IsEmpty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'notify.not_shared'"),
            1);
  // A high-risk child: the YPVA service, never the IDVA.
  triage::v1::TriageDecided child = HighRisk("FD-HHHHHHHHHHH2");
  child.set_event_id("FD-HHHHHHHHHHH2:decision:1:notify");
  child.mutable_decision()->set_front_door(common::v1::FRONT_DOOR_CHILDREN);
  child.mutable_decision()->mutable_recipients()->set_idva(false);
  child.mutable_decision()->mutable_recipients()->set_ypva(true);
  ASSERT_TRUE(Wait<bool>([&](auto done) {
                core_->TriageDecided(Service("triage-svc"), child, done);
              }).ok());
  EXPECT_THAT(Kinds("frontdoor-ypva"), ElementsAre("young_person_case"));
  EXPECT_THAT(Kinds("frontdoor-idva"), IsEmpty());
  EXPECT_THAT(Kinds("staffs-police-hub"), ElementsAre("marac_alert"));
}

TEST_F(NotifyCoreTest, SerialPerpetratorGoesToMatacOnce) {
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Wait<bool>([&](auto done) {
                core_->SerialPerpetrator(Service("triage-svc"),
                                         Serial("FD-HHHHHHHHHHH2"), done);
              }).value_or(i == 1),
              i == 0);
  }
  EXPECT_THAT(Kinds("staffs-matac"), ElementsAre("matac_alert"));
  EXPECT_THAT(Kinds("staffs-police"), IsEmpty());
  EXPECT_THAT(Kinds("staffs-police-hub"), IsEmpty());
  auto from_intake = Wait<bool>([&](auto done) {
    core_->SerialPerpetrator(Service("intake-svc"), Serial("FD-HHHHHHHHHHH3"),
                             done);
  });
  EXPECT_EQ(from_intake.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(NotifyCoreTest, OnlyTheSuiteServicesDeliverEvents) {
  auto r = Wait<bool>([&](auto done) {
    core_->ReferralReceived(Agency("staffs-police"),
                            Received("FD-HHHHHHHHHHH1"), done);
  });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  auto wrong = Wait<bool>([&](auto done) {
    core_->TriageDecided(Service("intake-svc"), HighRisk("FD-HHHHHHHHHHH1"),
                         done);
  });
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(NotifyCoreTest, PositionsAndAcksResumeWhereThePartnerLeftOff) {
  for (const char* ref : {"FD-HHHHHHHHHHH1", "FD-HHHHHHHHHHH2",
                          "FD-HHHHHHHHHHH3"}) {
    ASSERT_TRUE(Wait<bool>([&](auto done) {
                  core_->TriageDecided(Service("triage-svc"), HighRisk(ref),
                                       done);
                }).ok());
  }
  const Caller hub = Agency("staffs-police-hub");
  auto all = core_->Fetch(hub, 0, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(core_->AckedPosition(hub).value_or(-1), 0);
  auto acked = Wait<int64_t>(
      [&](auto done) { core_->Ack(hub, (*all)[1].seq, done); });
  ASSERT_TRUE(acked.ok()) << acked.status();
  // An older ack never moves the position back.
  ASSERT_TRUE(Wait<int64_t>(
                  [&](auto done) { core_->Ack(hub, (*all)[0].seq, done); })
                  .ok());
  EXPECT_EQ(core_->AckedPosition(hub).value_or(-1), (*all)[1].seq);
  auto rest = core_->Fetch(hub, *core_->AckedPosition(hub), 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].notification.id(), (*all)[2].notification.id());
  // Nobody acknowledges another partner's notification.
  auto theirs = Wait<int64_t>([&](auto done) {
    core_->Ack(Agency("staffs-police"), (*all)[2].seq, done);
  });
  EXPECT_EQ(theirs.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(NotifyCoreTest, ReferrerTimelineIsItsOwnOnly) {
  const std::string ref = "FD-HHHHHHHHHHH1";
  ASSERT_TRUE(Wait<bool>([&](auto done) {
                core_->ReferralReceived(Service("intake-svc"), Received(ref),
                                        done);
              }).ok());
  allocation::v1::PlacementChanged placed;
  placed.set_event_id(ref + ":placement:1");
  placed.set_agency_id("staffs-police");
  placed.mutable_referrer()->set_agency_case_reference("P-9");
  placed.mutable_placement()->set_reference(ref);
  placed.mutable_placement()->set_state(
      allocation::v1::PLACEMENT_STATE_WAITING);
  placed.mutable_placement()->set_programme_id("imatter");
  ASSERT_TRUE(Wait<bool>([&](auto done) {
                core_->PlacementChanged(Service("allocation-svc"), placed,
                                        done);
              }).ok());
  auto timeline = Updates(Agency("staffs-police"), ref);
  ASSERT_TRUE(timeline.ok()) << timeline.status();
  ASSERT_EQ(timeline->size(), 2u);
  EXPECT_EQ((*timeline)[0].referrer_update().status(),
            v1::ReferrerUpdate::STATUS_ACCEPTED);
  EXPECT_EQ((*timeline)[0].referrer_update().agency_case_reference(), "P-9");
  EXPECT_EQ((*timeline)[1].referrer_update().status(),
            v1::ReferrerUpdate::STATUS_WAITING);
  EXPECT_EQ((*timeline)[1].referrer_update().programme(), "imatter");
  // Another agency's reference looks exactly like an unknown one.
  EXPECT_EQ(Updates(Agency("uhnm-health"), ref).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Updates(Agency("uhnm-health"), "FD-ZZZZZZZZZZZ9").status().code(),
            absl::StatusCode::kNotFound);
}

// Refused reads and acks are audited as refusals, another agency's and an
// unknown one alike (one row each), naming who asked and what.
TEST_F(NotifyCoreTest, RefusedUpdatesAndAcksAreAuditedAsRefusals) {
  const std::string ref = "FD-HHHHHHHHHHH1";
  ASSERT_TRUE(Wait<bool>([&](auto done) {
                core_->ReferralReceived(Service("intake-svc"), Received(ref),
                                        done);
              }).ok());
  ASSERT_TRUE(Updates(Agency("staffs-police"), ref).ok());
  EXPECT_EQ(Updates(Agency("uhnm-health"), ref).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Updates(Agency("uhnm-health"), "FD-ZZZZZZZZZZZ9").status().code(),
            absl::StatusCode::kNotFound);
  auto police = core_->Fetch(Agency("staffs-police"), 0, 10);
  ASSERT_TRUE(police.ok());
  ASSERT_EQ(police->size(), 1u);
  const int64_t seq = (*police)[0].seq;
  EXPECT_EQ(Wait<int64_t>([&](auto done) {
              core_->Ack(Agency("uhnm-health"), seq, done);
            }).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Wait<int64_t>([&](auto done) {
              core_->Ack(Agency("uhnm-health"), seq + 100, done);
            }).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(
      AuditRows(),
      ElementsAre(
          absl::StrCat(kAuditUpdatesRefused, " uhnm-health Someone ", ref,
                       " not_owner "),
          absl::StrCat(kAuditUpdatesRefused,
                       " uhnm-health Someone FD-ZZZZZZZZZZZ9 "
                       "unknown_reference "),
          absl::StrCat(kAuditAckRefused, " uhnm-health Someone  not_owner "
                       "{\"position\":", seq, "}"),
          absl::StrCat(kAuditAckRefused,
                       " uhnm-health Someone  unknown_reference "
                       "{\"position\":", seq + 100, "}")));
}

// An attacker with the database swaps two notifications' sealed columns:
// the timeline answers DATA_LOSS, audited as an integrity failure.
TEST_F(NotifyCoreTest, SwappedNotificationIsAuditedAsAnIntegrityFailure) {
  for (const char* ref : {"FD-HHHHHHHHHHH1", "FD-HHHHHHHHHHH2"}) {
    ASSERT_TRUE(Wait<bool>([&](auto done) {
                  core_->ReferralReceived(Service("intake-svc"), Received(ref),
                                          done);
                }).ok());
  }
  ASSERT_TRUE(store_
                  ->WriteSync([](store::Tx& tx) -> absl::Status {
                    auto rows = tx.Query(
                        "SELECT seq, sealed FROM notifications ORDER BY seq");
                    if (!rows.ok()) return rows.status();
                    if (rows->size() != 2) {
                      return absl::InternalError("two rows expected");
                    }
                    for (int i = 0; i < 2; ++i) {
                      absl::Status s =
                          tx.Exec("UPDATE notifications SET sealed = $1 "
                                  "WHERE seq = $2",
                                  {store::Blob{(*rows)[1 - i].Text(1)},
                                   (*rows)[i].Int(0)})
                              .status();
                      if (!s.ok()) return s;
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(Updates(Agency("staffs-police"), "FD-HHHHHHHHHHH1").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_THAT(AuditRows(),
              ElementsAre(absl::StrCat(kAuditUpdatesFailed,
                                       " staffs-police Someone "
                                       "FD-HHHHHHHHHHH1 integrity ")));
}

TEST_F(NotifyCoreTest, AStandardRiskAdultDecisionTellsNobodyAndSaysSo) {
  triage::v1::TriageDecided e = HighRisk("FD-SSSSSSSSSSS1");
  e.mutable_decision()->set_risk_level(common::v1::RISK_LEVEL_STANDARD);
  e.mutable_decision()->clear_marac();
  e.mutable_decision()->clear_recipients();
  e.mutable_referral()->clear_children();
  ASSERT_TRUE(Wait<bool>([&](auto done) {
                core_->TriageDecided(Service("triage-svc"), e, done);
              }).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'notify.not_shared'"),
            1);
}

// The web front door's referrers hear back by email (DELIVERY_MODE_EMAIL).
class EmailCoreTest : public NotifyCoreTest {
 protected:
  static constexpr char kWeb[] = "frontdoor-web";
  static constexpr char kAddress[] = "pat.referrerwick@staffordshire.police.uk";

  void SetUp() override {
    NotifyCoreTest::SetUp();
    if (HasFatalFailure()) return;
    config::v1::NotifyRules proto = recipients_->proto();
    auto* web = proto.add_recipients();
    web->set_agency_id(kWeb);
    web->set_kind(v1::RECIPIENT_KIND_REFERRER);
    web->set_mode(config::v1::DELIVERY_MODE_EMAIL);
    auto recipients = Recipients::FromProto(proto);
    ASSERT_TRUE(recipients.ok()) << recipients.status();
    core_.reset();
    email_recipients_ = std::make_unique<Recipients>(*std::move(recipients));
    core_ = std::make_unique<NotifyCore>(*store_, *keys_, *email_recipients_,
                                         clock_);
  }

  intake::v1::ReferralReceived FromTheWeb(const std::string& ref,
                                          bool self_referral) {
    intake::v1::ReferralReceived e = Received(ref);
    e.set_agency_id(kWeb);
    e.mutable_referral()->set_channel(common::v1::CHANNEL_WEB_FORM);
    e.mutable_referral()->mutable_referrer()->set_email(kAddress);
    e.mutable_referral()->mutable_referrer()->set_self_referral(self_referral);
    return e;
  }

  allocation::v1::PlacementChanged Allocated(const std::string& ref,
                                             bool self_referral) {
    allocation::v1::PlacementChanged placed;
    placed.set_event_id(ref + ":placement:1");
    placed.set_agency_id(kWeb);
    placed.mutable_referrer()->set_email(kAddress);
    placed.mutable_referrer()->set_self_referral(self_referral);
    placed.mutable_placement()->set_reference(ref);
    placed.mutable_placement()->set_state(
        allocation::v1::PLACEMENT_STATE_ALLOCATED);
    return placed;
  }

  void Record(const intake::v1::ReferralReceived& received,
              const allocation::v1::PlacementChanged& placed) {
    ASSERT_TRUE(Wait<bool>([&](auto done) {
                  core_->ReferralReceived(Service("intake-svc"), received,
                                          done);
                }).ok());
    ASSERT_TRUE(Wait<bool>([&](auto done) {
                  core_->PlacementChanged(Service("allocation-svc"), placed,
                                          done);
                }).ok());
  }

  std::unique_ptr<Recipients> email_recipients_;
};

TEST_F(EmailCoreTest, AProfessionalsUpdatesAreQueuedForEmailAndTheAddressSealed) {
  const std::string ref = "FD-EEEEEEEEEEE1";
  Record(FromTheWeb(ref, false), Allocated(ref, false));
  // Each update queued once on the agency's email topic (and listed).
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE topic = "
                  "'email.frontdoor-web'"),
            2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications WHERE "
                  "recipient_agency = 'frontdoor-web'"),
            2);
  // The address is stored once, sealed to its row.
  std::string sealed;
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> absl::Status {
                    auto rows = tx.Query(
                        "SELECT sealed_address FROM referrer_addresses WHERE "
                        "referring_agency = $1 AND reference = $2",
                        {std::string(kWeb), ref});
                    if (!rows.ok()) return rows.status();
                    if (rows->size() != 1) return absl::NotFoundError("rows");
                    sealed = (*rows)[0].Text(0);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_FALSE(absl::StrContains(sealed, "referrerwick"));
  EXPECT_EQ(rights::OpenSealed(*store_, *keys_, sealed, ReferrerAddressAad(kWeb, ref)).value_or(""),
            kAddress);
  EXPECT_FALSE(rights::OpenSealed(*store_, *keys_, sealed, ReferrerAddressAad(kWeb, "FD-EEEEEEEEEEE2"))
                   .ok());
  // Its backlog is the email topic's; an operator may replay it.
  auto stats = core_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->by_recipient[kWeb].undelivered, 2);
  EXPECT_TRUE(Wait<int64_t>([&](auto done) {
                core_->ReplayDeadLetters(
                    Caller{"frontdoor-operations", "", "Op",
                           {config::v1::ROLE_OPERATOR}},
                    kWeb, done);
              }).ok());
}

// A self-referral's "referrer" is the victim, whose email the abuser may
// read: nothing is stored and nothing is emailed, though the updates are
// recorded as for any referrer.
TEST_F(EmailCoreTest, ASelfReferralIsNeverEmailed) {
  const std::string ref = "FD-EEEEEEEEEEE3";
  Record(FromTheWeb(ref, true), Allocated(ref, true));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM referrer_addresses"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications WHERE "
                  "recipient_agency = 'frontdoor-web'"),
            2);
}

// Other agencies' referrers keep their streams: nothing of theirs is
// emailed or stored, whatever address their referral gives.
TEST_F(EmailCoreTest, OtherReferrersAreNotEmailed) {
  const std::string ref = "FD-EEEEEEEEEEE4";
  intake::v1::ReferralReceived e = Received(ref);
  e.mutable_referral()->mutable_referrer()->set_email(kAddress);
  ASSERT_TRUE(Wait<bool>([&](auto done) {
                core_->ReferralReceived(Service("intake-svc"), e, done);
              }).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM referrer_addresses"), 0);
  EXPECT_THAT(Kinds("staffs-police"), ElementsAre("referrer_update"));
}

// Restriction (common/rights): a restricted referral's notifications are
// stored and held back, audited, none shared; lifting the restriction
// shares them all, at the end of each stream, audited as shares.
TEST_F(NotifyCoreTest, ARestrictedReferralsNotificationsWaitUntilLifted) {
  const std::string ref = "FD-HHHHHHHHHHH1";
  const Caller dpo{"frontdoor-web", "spiffe://frontdoor/svc/web-svc", "dpo-1",
                   {config::v1::ROLE_DATA_PROTECTION}};
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return rights::SaveRestriction(tx, ref, true, "objection",
                                                   clock_.Now());
                  })
                  .ok());
  ASSERT_TRUE(Wait<bool>([&](auto done) {
                core_->ReferralReceived(Service("intake-svc"), Received(ref),
                                        done);
              }).value_or(false));
  ASSERT_TRUE(Wait<bool>([&](auto done) {
                core_->TriageDecided(Service("triage-svc"), HighRisk(ref),
                                     done);
              }).value_or(false));
  EXPECT_THAT(Kinds("staffs-police"), IsEmpty());
  EXPECT_THAT(Kinds("staffs-police-hub"), IsEmpty());
  EXPECT_THAT(Kinds("frontdoor-idva"), IsEmpty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM held_notifications"), 4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'notify.held_back' AND reason = 'restricted'"),
            4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'notify.share'"),
            0);
  EXPECT_EQ(core_->Stats()->held_back, 4);

  // Lifted: everything held is shared, nothing lost.
  std::vector<std::string> agencies;
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) -> absl::Status {
                    if (absl::Status s = rights::SaveRestriction(
                            tx, ref, false, "lifted", clock_.Now());
                        !s.ok()) {
                      return s;
                    }
                    auto released =
                        ReleaseHeld(tx, *keys_, dpo, ref, clock_.Now());
                    if (!released.ok()) return released.status();
                    agencies = *released;
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(agencies.size(), 4u);
  EXPECT_THAT(Kinds("staffs-police"), ElementsAre("referrer_update"));
  EXPECT_THAT(Kinds("staffs-police-hub"), ElementsAre("marac_alert"));
  EXPECT_THAT(Kinds("frontdoor-idva"), ElementsAre("idva_case"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM held_notifications"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'notify.share'"),
            4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'notify.released'"),
            1);
}

// Restricting withdraws what a pull recipient has not acknowledged (and
// nothing it has); lifting puts it back at the end of its stream.
TEST_F(NotifyCoreTest, RestrictingWithdrawsWhatIsNotYetAcknowledged) {
  const std::string ref = "FD-HHHHHHHHHHH1";
  const Caller dpo{"frontdoor-web", "spiffe://frontdoor/svc/web-svc", "dpo-1",
                   {config::v1::ROLE_DATA_PROTECTION}};
  ASSERT_TRUE(Wait<bool>([&](auto done) {
                core_->ReferralReceived(Service("intake-svc"), Received(ref),
                                        done);
              }).value_or(false));
  ASSERT_TRUE(Wait<bool>([&](auto done) {
                core_->TriageDecided(Service("triage-svc"), HighRisk(ref),
                                     done);
              }).value_or(false));
  auto police = core_->Fetch(Agency("staffs-police"), 0, 10);
  ASSERT_TRUE(police.ok());
  ASSERT_EQ(police->size(), 1u);
  ASSERT_TRUE(Wait<int64_t>([&](auto done) {
                core_->Ack(Agency("staffs-police"), (*police)[0].seq, done);
              }).ok());
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return WithdrawUnacknowledged(tx, *keys_, dpo, ref,
                                                  clock_.Now());
                  })
                  .ok());
  EXPECT_THAT(Kinds("staffs-police"), ElementsAre("referrer_update"))
      << "acknowledged: already shared";
  EXPECT_THAT(Kinds("staffs-police-hub"), IsEmpty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM held_notifications"), 3);
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return ReleaseHeld(tx, *keys_, dpo, ref, clock_.Now())
                        .status();
                  })
                  .ok());
  EXPECT_THAT(Kinds("staffs-police-hub"), ElementsAre("marac_alert"));
  EXPECT_THAT(Kinds("frontdoor-idva"), ElementsAre("idva_case"));
}

// Retention: a notification goes the schedule's period after its
// acknowledgement; unacknowledged ones, and a held referral's, stay.
TEST_F(NotifyCoreTest, AcknowledgedNotificationsArePurgedOnScheduleExceptHeld) {
  const std::string ref = "FD-HHHHHHHHHHH1";
  const std::string held = "FD-HHHHHHHHHHH2";
  for (const std::string& r : {ref, held}) {
    ASSERT_TRUE(Wait<bool>([&](auto done) {
                  core_->TriageDecided(Service("triage-svc"), HighRisk(r),
                                       done);
                }).value_or(false));
  }
  // The hub acknowledges everything; the IDVA service nothing.
  auto hub = core_->Fetch(Agency("staffs-police-hub"), 0, 10);
  ASSERT_TRUE(hub.ok());
  ASSERT_EQ(hub->size(), 2u);
  ASSERT_TRUE(Wait<int64_t>([&](auto done) {
                core_->Ack(Agency("staffs-police-hub"), hub->back().seq, done);
              }).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications WHERE acked_at_us "
                  "IS NOT NULL"),
            2);
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return rights::SaveHold(tx, held, true, "litigation",
                                            clock_.Now());
                  })
                  .ok());
  const absl::Duration kept = absl::Hours(24 * 30);
  // Not yet due.
  EXPECT_EQ(PurgeAcknowledgedNotifications(*store_, clock_.Now() + kept, kept,
                                           10)
                .value_or(-1),
            0);
  EXPECT_EQ(AcknowledgedNotificationsOverdue(*store_, clock_.Now() + kept,
                                             kept)
                .value_or(absl::Hours(-1)),
            absl::ZeroDuration());
  // Due: the one not held goes, in batches of one.
  const absl::Time later = clock_.Now() + kept + absl::Hours(1);
  EXPECT_EQ(AcknowledgedNotificationsOverdue(*store_, later, kept)
                .value_or(absl::Hours(-1)),
            absl::Hours(1));
  EXPECT_EQ(PurgeAcknowledgedNotifications(*store_, later, kept, 1)
                .value_or(-1),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications WHERE reference = '" +
                  ref + "' AND recipient_agency = 'staffs-police-hub'"),
            0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications WHERE reference = '" +
                  held + "'"),
            3)
      << "held: nothing purged";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications WHERE reference = '" +
                  ref + "'"),
            2)
      << "unacknowledged: kept";
  EXPECT_EQ(AcknowledgedNotificationsOverdue(*store_, later, kept)
                .value_or(absl::Hours(-1)),
            absl::ZeroDuration());
  // 0 keeps everything.
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return rights::SaveHold(tx, held, false, "lifted",
                                            clock_.Now());
                  })
                  .ok());
  EXPECT_EQ(PurgeAcknowledgedNotifications(*store_, later, absl::ZeroDuration(),
                                           10)
                .value_or(-1),
            0);
  EXPECT_EQ(PurgeAcknowledgedNotifications(*store_, later, kept, 10)
                .value_or(-1),
            1);
}

// A push or email notification is acknowledged when its relay delivered
// it: the purge copies that time before the outbox's own schedule goes.
TEST_F(NotifyCoreTest, ADeliveredPushCountsAsAcknowledged) {
  const std::string ref = "FD-HHHHHHHHHHH1";
  ASSERT_TRUE(Wait<bool>([&](auto done) {
                core_->TriageDecided(Service("triage-svc"), HighRisk(ref),
                                     done);
              }).value_or(false));
  // As a relay marks a delivery (the IDVA case's id as its event id).
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) -> absl::Status {
                    auto rows = tx.Query(
                        "SELECT id, sealed FROM notifications WHERE "
                        "recipient_agency = 'frontdoor-idva'");
                    if (!rows.ok()) return rows.status();
                    const std::string id = (*rows)[0].Text(0);
                    if (auto s = outbox::Enqueue(tx, "push.frontdoor-idva", id,
                                                 (*rows)[0].Text(1),
                                                 clock_.Now(), ref);
                        !s.ok()) {
                      return s;
                    }
                    return tx
                        .Exec("UPDATE outbox SET delivered_at_us = $2 WHERE "
                              "event_id = $1",
                              {id, absl::ToUnixMicros(clock_.Now())})
                        .status();
                  })
                  .ok());
  EXPECT_EQ(StampDeliveredAcks(*store_).value_or(-1), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications WHERE "
                  "recipient_agency = 'frontdoor-idva' AND acked_at_us = " +
                  std::to_string(absl::ToUnixMicros(clock_.Now()))),
            1);
  EXPECT_EQ(StampDeliveredAcks(*store_).value_or(-1), 0);
}

}  // namespace
}  // namespace frontdoor::notify
