// triage-svc's core over a real SQLite store, with an injected clock: the
// hand-off exactly once, auto-triage, the queue, practitioners' decisions,
// MARAC repeats, outbox events delivered to a fake receiver, the audit trail.
#include "triage-svc/triage_core.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "common/rights/data_keys.h"
#include "common/audit/audit.h"
#include "common/outbox/outbox.h"
#include "common/outbox/relay.h"
#include "common/status/errors.h"
#include "common/tls/staff_roles.h"
#include "frontdoor/triage/v1/events.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "prometheus/registry.h"
#include "tests/testing/core_fixture.h"
#include "tests/testing/examples.h"
#include "tests/unit/triage/rules_fixture.h"
#include "triage-svc/migrations.h"

namespace frontdoor::triage {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());

common::v1::Referral Example(const std::string& name) {
  return frontdoor::testing::ExampleReferral(name);
}

Caller Intake() {
  return Caller{"intake-svc", "spiffe://frontdoor/svc/intake-svc", "relay",
                {config::v1::ROLE_SERVICE}};
}
Caller Staff() {
  return Caller{"frontdoor-helpline",
                "spiffe://frontdoor/agency/frontdoor-helpline", "Sam Triage",
                {config::v1::ROLE_REFERRER, config::v1::ROLE_STAFF}};
}
Caller Police() {
  return Caller{"staffs-police", "spiffe://frontdoor/agency/staffs-police",
                "PC 1", {config::v1::ROLE_REFERRER}};
}

// web-svc's console acting for staff-42 in `staff_role`, with the service
// roles the services give that staff role.
Caller Console(const char* staff_role) {
  absl::StatusOr<const tls::StaffRole*> role = tls::FindStaffRole(staff_role);
  EXPECT_TRUE(role.ok()) << role.status();
  return Caller{"frontdoor-web", "spiffe://frontdoor/svc/web-svc", "staff-42",
                role.ok() ? (*role)->roles
                          : std::vector<config::v1::Role>{},
                staff_role};
}
Caller Console(const std::string& staff_role) {
  return Console(staff_role.c_str());
}

// Collects what the relay delivers.
class FakeReceiver final : public outbox::Sink {
 public:
  absl::Status Deliver(const outbox::Event& event, absl::Time) override {
    events.push_back(event);
    return absl::OkStatus();
  }
  std::vector<outbox::Event> events;
};



// Swaps the sealed values of the only two rows of `table`, as someone with
// the database file could.
void SwapSealedValues(store::Store& store, const std::string& table,
                      const std::string& column) {
  ASSERT_TRUE(store
                  .WriteSync([&](store::Tx& tx) -> absl::Status {
                    auto rows = tx.Query(absl::StrCat(
                        "SELECT reference, ", column, " FROM ", table,
                        " ORDER BY reference"));
                    if (!rows.ok()) return rows.status();
                    if (rows->size() != 2) {
                      return absl::InternalError("two rows expected");
                    }
                    for (int i = 0; i < 2; ++i) {
                      absl::Status s =
                          tx.Exec(absl::StrCat("UPDATE ", table, " SET ",
                                               column,
                                               " = $1 WHERE reference = $2"),
                                  {store::Blob{(*rows)[1 - i].Text(1)},
                                   (*rows)[i].Text(0)})
                              .status();
                      if (!s.ok()) return s;
                    }
                    return absl::OkStatus();
                  })
                  .ok());
}

class TriageCoreTest : public frontdoor::testing::CoreStoreTest {
 protected:
  void SetUp() override {
    OpenStore(Migrations());
    if (HasFatalFailure()) return;
    core_ = std::make_unique<TriageCore>(*store_, *keys_, rules_, clock_,
                                         metrics_);
  }
  void TearDown() override {
    core_.reset();
    CoreStoreTest::TearDown();
  }

  intake::v1::ReferralReceived Event(const common::v1::Referral& referral,
                                     const std::string& reference,
                                     const std::string& subject = "subj-a") {
    intake::v1::ReferralReceived e;
    e.set_event_id(reference + ":received");
    e.set_agency_id("staffs-police");
    e.set_subject_index(subject);
    *e.mutable_referral() = referral;
    auto* receipt = e.mutable_receipt();
    receipt->set_reference(reference);
    receipt->set_status(intake::v1::REFERRAL_STATUS_ACCEPTED);
    receipt->set_district("stoke-on-trent");
    receipt->set_front_door(
        referral.requested_service() ==
                common::v1::REQUESTED_SERVICE_BEHAVIOUR_CHANGE
            ? common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE
        : referral.requested_service() ==
                common::v1::REQUESTED_SERVICE_CHILDRENS_FRONT_DOOR
            ? common::v1::FRONT_DOOR_CHILDREN
            : common::v1::FRONT_DOOR_ADULT_VICTIM);
    *receipt->mutable_received_at() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
            absl::ToUnixMicros(clock_.Now()));
    return e;
  }

  absl::StatusOr<bool> Deliver(const intake::v1::ReferralReceived& e,
                               const Caller& caller = Intake()) {
    return Wait<bool>([&](auto done) { core_->Deliver(caller, e, done); });
  }

  absl::StatusOr<v1::Decision> Submit(const v1::SubmitAssessmentRequest& req,
                                      const Caller& caller = Staff()) {
    return Wait<v1::Decision>(
        [&](auto done) { core_->SubmitAssessment(caller, req, done); });
  }

  absl::StatusOr<v1::Decision> Get(const std::string& reference,
                                   const Caller& caller = Staff()) {
    return Wait<v1::Decision>(
        [&](auto done) { core_->GetDecision(caller, reference, done); });
  }

  absl::StatusOr<v1::Decision> Override(const std::string& reference, int tier,
                                        const std::string& reason,
                                        const Caller& caller = Console(
                                            "team_leader")) {
    v1::OverrideDecisionRequest req;
    req.set_reference(reference);
    req.mutable_tier_override()->set_tier(tier);
    req.mutable_tier_override()->set_reason(reason);
    return OverrideWith(req, caller);
  }
  absl::StatusOr<v1::Decision> OverrideWith(
      const v1::OverrideDecisionRequest& req,
      const Caller& caller = Console("team_leader")) {
    return Wait<v1::Decision>(
        [&](auto done) { core_->OverrideDecision(caller, req, done); });
  }

  v1::SubmitAssessmentRequest DashRequest(const std::string& reference,
                                          int yes) {
    v1::SubmitAssessmentRequest req;
    req.set_reference(reference);
    *req.mutable_dash() = testing::Dash(yes);
    return req;
  }

  FakeClock clock_{kStart};
  Rules rules_ = testing::RulesFrom(testing::ShippedRulesProto());
  prometheus::Registry registry_;
  TriageMetrics metrics_{registry_};
  std::unique_ptr<TriageCore> core_;
};

TEST_F(TriageCoreTest, EachReferralIsRecordedExactlyOnce) {
  const auto event = Event(Example("adult-victim.json"), "FD-AAAAAAAAAAA1");
  EXPECT_EQ(Deliver(event).value_or(false), true);
  EXPECT_EQ(Deliver(event).value_or(true), false);
  EXPECT_EQ(Deliver(event).value_or(true), false);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM triage_referrals"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'triage.record'"),
            1);
}

TEST_F(TriageCoreTest, OnlyIntakeHandsOver) {
  const auto event = Event(Example("adult-victim.json"), "FD-AAAAAAAAAAA1");
  EXPECT_EQ(Deliver(event, Police()).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Deliver(event, Staff()).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM triage_referrals"), 0);
}

TEST_F(TriageCoreTest, ReturnedReferralsAreNotTriaged) {
  auto event = Event(Example("adult-victim.json"), "FD-AAAAAAAAAAA1");
  event.mutable_receipt()->set_status(intake::v1::REFERRAL_STATUS_RETURNED);
  EXPECT_EQ(Deliver(event).value_or(true), false);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM triage_referrals"), 0);
}

TEST_F(TriageCoreTest, MalformedEventNamesTheFields) {
  auto event = Event(Example("adult-victim.json"), "not a reference");
  event.clear_subject_index();
  event.mutable_referral()->mutable_subject()->mutable_date_of_birth()->set_month(
      13);
  absl::StatusOr<bool> r = Deliver(event);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const auto& v : GetFieldViolations(r.status())) fields.push_back(v.field);
  EXPECT_THAT(fields, UnorderedElementsAre("receipt.reference", "subject_index",
                                           "referral.subject.date_of_birth"));
}

TEST_F(TriageCoreTest, CompleteHighRiskDashIsTriagedAtOnce) {
  // 15 yes answers and 4 police call-outs.
  ASSERT_TRUE(Deliver(Event(Example("high-risk-dash.json"), "FD-HHHHHHHHHHH1"))
                  .ok());
  absl::StatusOr<v1::Decision> d = Get("FD-HHHHHHHHHHH1");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->risk_level(), common::v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(d->tier(), 4);
  EXPECT_TRUE(d->marac().visible_high_risk());
  EXPECT_TRUE(d->marac().potential_escalation());
  EXPECT_TRUE(d->auto_triaged());
  EXPECT_EQ(d->decided_by(), kAutoTriageActor);
  EXPECT_TRUE(d->recipients().marac());
  EXPECT_TRUE(d->recipients().idva());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM marac_referrals"), 1);
  // Not in the queue.
  auto queue = core_->ListQueue(Staff(), {});
  ASSERT_TRUE(queue.ok());
  EXPECT_EQ(queue->total_waiting(), 0);
}

TEST_F(TriageCoreTest, DecisionsReachAllocationAndNotifyThroughTheOutbox) {
  ASSERT_TRUE(Deliver(Event(Example("high-risk-dash.json"), "FD-HHHHHHHHHHH1"))
                  .ok());
  FakeReceiver receiver;
  outbox::Relay relay(*store_, receiver, clock_);
  ASSERT_TRUE(relay.RunOnce().ok());
  ASSERT_EQ(receiver.events.size(), 2u);
  std::vector<std::string> topics;
  for (const outbox::Event& e : receiver.events) {
    topics.push_back(e.topic);
    absl::StatusOr<std::string> plain = rights::OpenSealed(*store_, *keys_, e.payload, e.event_id);
    ASSERT_TRUE(plain.ok()) << plain.status();
    v1::TriageDecided decided;
    ASSERT_TRUE(decided.ParseFromString(*plain));
    EXPECT_EQ(decided.event_id(), e.event_id);
    EXPECT_EQ(decided.decision().reference(), "FD-HHHHHHHHHHH1");
    EXPECT_EQ(decided.decision().risk_level(), common::v1::RISK_LEVEL_HIGH);
    EXPECT_EQ(decided.agency_id(), "staffs-police");
    EXPECT_EQ(decided.decision_number(), 1);
    EXPECT_EQ(decided.district(), "stoke-on-trent");
    EXPECT_TRUE(decided.referral().has_subject());
  }
  EXPECT_THAT(topics, UnorderedElementsAre(kDecidedForAllocationTopic,
                                           kDecidedForNotifyTopic));
  EXPECT_NE(receiver.events[0].event_id, receiver.events[1].event_id);
}

TEST_F(TriageCoreTest, QueueIsOrderedByRiskThenWaitingWithTargets) {
  common::v1::Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  ASSERT_TRUE(Deliver(Event(plain, "FD-SSSSSSSSSSS1")).ok());  // standard
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(Deliver(Event(plain, "FD-SSSSSSSSSSS2", "subj-b")).ok());
  clock_.Advance(absl::Hours(1));
  common::v1::Referral partial = Example("high-risk-dash.json");
  partial.mutable_risk_assessment()->mutable_answers()->RemoveLast();
  partial.mutable_risk_assessment()->clear_police_callouts_past_12_months();
  ASSERT_TRUE(Deliver(Event(partial, "FD-HHHHHHHHHHH1", "subj-c")).ok());
  ASSERT_TRUE(
      Deliver(Event(Example("child-victim.json"), "FD-CCCCCCCCCCC1", "subj-d"))
          .ok());
  clock_.Advance(absl::Hours(47));

  auto queue = core_->ListQueue(Staff(), {});
  ASSERT_TRUE(queue.ok()) << queue.status();
  EXPECT_EQ(queue->total_waiting(), 4);
  std::vector<std::string> order;
  for (const auto& e : queue->entries()) order.push_back(e.reference());
  EXPECT_THAT(order, ElementsAre("FD-HHHHHHHHHHH1", "FD-SSSSSSSSSSS1",
                                 "FD-SSSSSSSSSSS2", "FD-CCCCCCCCCCC1"));
  const v1::QueueEntry& high = queue->entries(0);
  EXPECT_EQ(high.provisional_risk(), common::v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(high.waited().seconds(), 47 * 3600);
  EXPECT_EQ(high.first_contact_target().seconds(), 24 * 3600);
  EXPECT_TRUE(high.overdue());
  EXPECT_THAT(high.waiting_reason(), HasSubstr("dash.answers"));
  const v1::QueueEntry& oldest = queue->entries(1);
  EXPECT_EQ(oldest.waited().seconds(), 49 * 3600);
  EXPECT_TRUE(oldest.overdue());  // 49 h against 48 h
  EXPECT_FALSE(queue->entries(3).overdue());  // 47 h against 48 h
  EXPECT_EQ(queue->entries(3).waiting_reason(),
            "children's front-door assessment needed");

  absl::StatusOr<QueueStats> stats = core_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->waiting, 4);
  EXPECT_EQ(stats->oldest_wait, absl::Hours(49));
}

TEST_F(TriageCoreTest, QueuePagesWithTokens) {
  common::v1::Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(Deliver(Event(plain, absl::StrCat("FD-PPPPPPPPPPP", i),
                              absl::StrCat("subj-", i)))
                    .ok());
    clock_.Advance(absl::Minutes(1));
  }
  std::vector<std::string> seen;
  v1::ListQueueRequest req;
  req.set_page_size(2);
  for (int page = 0; page < 5; ++page) {
    auto r = core_->ListQueue(Staff(), req);
    ASSERT_TRUE(r.ok()) << r.status();
    for (const auto& e : r->entries()) seen.push_back(e.reference());
    if (r->next_page_token().empty()) break;
    req.set_page_token(r->next_page_token());
  }
  EXPECT_THAT(seen, ElementsAre("FD-PPPPPPPPPPP1", "FD-PPPPPPPPPPP2",
                                "FD-PPPPPPPPPPP3", "FD-PPPPPPPPPPP4",
                                "FD-PPPPPPPPPPP5"));
  req.set_page_token("garbage");
  auto bad = core_->ListQueue(Staff(), req);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetFieldViolations(bad.status())[0].field, "page_token");
  req.clear_page_token();
  req.set_page_size(kMaxQueuePageSize + 1);
  EXPECT_EQ(core_->ListQueue(Staff(), req).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(core_->ListQueue(Police(), {}).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(TriageCoreTest, PractitionerDecidesWaitingReferrals) {
  common::v1::Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  ASSERT_TRUE(Deliver(Event(plain, "FD-AAAAAAAAAAA1")).ok());
  ASSERT_TRUE(Deliver(Event(plain, "FD-AAAAAAAAAAA2", "subj-b")).ok());
  ASSERT_TRUE(Deliver(Event(plain, "FD-AAAAAAAAAAA3", "subj-c")).ok());

  v1::SubmitAssessmentRequest judged = DashRequest("FD-AAAAAAAAAAA1", 13);
  judged.mutable_dash()->set_professional_judgement_high_risk(true);
  judged.mutable_dash()->set_professional_judgement_reason(
      "Threats to kill since the DASH");
  absl::StatusOr<v1::Decision> high = Submit(judged);
  ASSERT_TRUE(high.ok()) << high.status();
  EXPECT_EQ(high->risk_level(), common::v1::RISK_LEVEL_HIGH);
  EXPECT_TRUE(high->marac().professional_judgement());
  EXPECT_FALSE(high->auto_triaged());
  EXPECT_EQ(high->decided_by(), "Sam Triage");

  absl::StatusOr<v1::Decision> medium = Submit(DashRequest("FD-AAAAAAAAAAA2", 13));
  ASSERT_TRUE(medium.ok()) << medium.status();
  EXPECT_EQ(medium->risk_level(), common::v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(medium->tier(), 3);

  v1::SubmitAssessmentRequest callouts = DashRequest("FD-AAAAAAAAAAA3", 2);
  callouts.mutable_dash()->set_police_callouts_past_12_months(3);
  callouts.mutable_tier_override()->set_tier(3);
  callouts.mutable_tier_override()->set_reason("Lives with the perpetrator");
  absl::StatusOr<v1::Decision> escalated = Submit(callouts);
  ASSERT_TRUE(escalated.ok()) << escalated.status();
  EXPECT_TRUE(escalated->marac().potential_escalation());
  EXPECT_EQ(escalated->tier(), 3);
  EXPECT_EQ(escalated->tier_from_risk(), 4);

  auto queue = core_->ListQueue(Staff(), {});
  ASSERT_TRUE(queue.ok());
  EXPECT_EQ(queue->total_waiting(), 0);
  EXPECT_EQ(Get("FD-AAAAAAAAAAA2")->tier(), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'triage.decide'"),
            3);
  auto verified = audit::Verify(*store_, *keys_);
  ASSERT_TRUE(verified.ok());
  EXPECT_FALSE(verified->first_bad_seq.has_value());
}

TEST_F(TriageCoreTest, AssessmentErrorsAreSpecific) {
  common::v1::Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  ASSERT_TRUE(Deliver(Event(plain, "FD-AAAAAAAAAAA1")).ok());
  ASSERT_TRUE(
      Deliver(Event(Example("child-victim.json"), "FD-CCCCCCCCCCC1", "c")).ok());

  v1::SubmitAssessmentRequest incomplete = DashRequest("FD-AAAAAAAAAAA1", 3);
  incomplete.mutable_dash()->mutable_answers()->RemoveLast();
  auto r = Submit(incomplete);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetFieldViolations(r.status())[0].field, "dash.answers");

  EXPECT_EQ(Submit(DashRequest("FD-CCCCCCCCCCC1", 3)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Submit(DashRequest("FD-ZZZZZZZZZZZ9", 3)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Submit(DashRequest("FD-AAAAAAAAAAA1", 3), Police()).status().code(),
            absl::StatusCode::kPermissionDenied);
  v1::SubmitAssessmentRequest none;
  none.set_reference("FD-AAAAAAAAAAA1");
  EXPECT_EQ(GetFieldViolations(Submit(none).status())[0].field, "assessment");
  v1::SubmitAssessmentRequest bad_override = DashRequest("FD-AAAAAAAAAAA1", 3);
  bad_override.mutable_tier_override()->set_tier(2);
  EXPECT_EQ(GetFieldViolations(Submit(bad_override).status())[0].field,
            "tier_override.reason");
  EXPECT_EQ(Get("FD-AAAAAAAAAAA1").status().code(), absl::StatusCode::kNotFound);
  // Nothing was decided by the failed attempts.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM triage_decisions"), 0);
}

// Each staff role through the console is bounded by the services' own
// table: a call handler cannot assess; a practitioner assesses but cannot
// override the tier; a team leader can. The helpline's own certificate
// (no staff role) overrides as before. Nothing is decided by a refusal.
TEST_F(TriageCoreTest, ConsoleStaffRolesBoundAssessmentsAndOverrides) {
  common::v1::Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  ASSERT_TRUE(Deliver(Event(plain, "FD-AAAAAAAAAAA1")).ok());
  const v1::SubmitAssessmentRequest dash = DashRequest("FD-AAAAAAAAAAA1", 5);
  v1::SubmitAssessmentRequest overridden = dash;
  overridden.mutable_tier_override()->set_tier(3);
  overridden.mutable_tier_override()->set_reason("Lives with the perpetrator");

  for (const char* refused : {"call_handler", "commissioner", "operator"}) {
    EXPECT_EQ(Submit(dash, Console(refused)).status().code(),
              absl::StatusCode::kPermissionDenied)
        << refused;
  }
  absl::StatusOr<v1::Decision> by_practitioner =
      Submit(overridden, Console("practitioner"));
  EXPECT_EQ(by_practitioner.status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(by_practitioner.status().message(), HasSubstr("practitioner"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM triage_decisions"), 0);

  absl::StatusOr<v1::Decision> assessed = Submit(dash, Console("practitioner"));
  ASSERT_TRUE(assessed.ok()) << assessed.status();
  EXPECT_EQ(assessed->tier_from_risk(), 0);
  absl::StatusOr<v1::Decision> by_leader =
      Submit(overridden, Console("team_leader"));
  ASSERT_TRUE(by_leader.ok()) << by_leader.status();
  EXPECT_EQ(by_leader->tier(), 3);
  absl::StatusOr<v1::Decision> by_helpline = Submit(overridden, Staff());
  ASSERT_TRUE(by_helpline.ok()) << by_helpline.status();
  EXPECT_EQ(by_helpline->tier(), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM triage_decisions"), 3);
}

// ListHistory: the referral's rows of triage's own trail, oldest first,
// for staff who may read referrals; each call audited as a read.
TEST_F(TriageCoreTest, ListHistoryIsTheReferralsTrailForStaffWhoMayRead) {
  common::v1::Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  ASSERT_TRUE(Deliver(Event(plain, "FD-AAAAAAAAAAA1")).ok());
  ASSERT_TRUE(Deliver(Event(plain, "FD-AAAAAAAAAAA2", "subj-b")).ok());
  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(Submit(DashRequest("FD-AAAAAAAAAAA1", 5),
                     Console("practitioner"))
                  .ok());
  ASSERT_TRUE(Get("FD-AAAAAAAAAAA1").ok());

  const auto history = [&](const Caller& caller, const std::string& ref) {
    common::v1::ListHistoryRequest request;
    request.set_reference(ref);
    return Wait<common::v1::ListHistoryResponse>(
        [&](auto done) { core_->ListHistory(caller, request, done); });
  };
  absl::StatusOr<common::v1::ListHistoryResponse> got =
      history(Console("practitioner"), "FD-AAAAAAAAAAA1");
  ASSERT_TRUE(got.ok()) << got.status();
  std::vector<std::string> seen;
  for (const common::v1::HistoryEntry& e : got->entries()) {
    EXPECT_EQ(e.service(), "triage-svc");
    seen.push_back(absl::StrCat(e.action(), "/", e.reason(), "/", e.actor(),
                                "/", e.agency()));
  }
  EXPECT_THAT(seen,
              ElementsAre("triage.record/no_assessment_attached/relay/"
                          "intake-svc",
                          "triage.decide/practitioner_assessment/staff-42 as "
                          "practitioner/frontdoor-web",
                          "triage.read_decision/practitioner_view/Sam "
                          "Triage/frontdoor-helpline"));
  ASSERT_EQ(got->entries_size(), 3);
  EXPECT_EQ(got->entries(0).at().seconds(), absl::ToUnixSeconds(kStart));
  EXPECT_EQ(got->entries(1).at().seconds(),
            absl::ToUnixSeconds(kStart + absl::Minutes(5)));
  EXPECT_FALSE(got->truncated());

  // A team leader and the helpline's own staff may too; a reference
  // triage has not heard of is an empty history.
  EXPECT_TRUE(history(Console("team_leader"), "FD-AAAAAAAAAAA1").ok());
  EXPECT_TRUE(history(Staff(), "FD-AAAAAAAAAAA1").ok());
  absl::StatusOr<common::v1::ListHistoryResponse> unknown =
      history(Staff(), "FD-ZZZZZZZZZZZ9");
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_EQ(unknown->entries_size(), 0);
  EXPECT_EQ(GetFieldViolations(history(Staff(), "nope").status())[0].field,
            "reference");
  // Call handlers and commissioners through the console, and an agency
  // without ROLE_STAFF, may not.
  for (const Caller& refused :
       {Console("call_handler"), Console("commissioner"), Police()}) {
    EXPECT_EQ(history(refused, "FD-AAAAAAAAAAA1").status().code(),
              absl::StatusCode::kPermissionDenied)
        << refused.agency_id << " " << refused.staff_role;
  }
  // Three reads of FD-AAAAAAAAAAA1 and one of the unknown one, audited.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'history.read' AND subject = 'FD-AAAAAAAAAAA1'"),
            3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'history.read'"),
            4);
  // The second read saw the first.
  absl::StatusOr<common::v1::ListHistoryResponse> again =
      history(Staff(), "FD-AAAAAAAAAAA1");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->entries_size(), 6);
  EXPECT_EQ(again->entries(3).action(), "history.read");
  EXPECT_EQ(again->entries(3).reason(), "history_view");
}

TEST_F(TriageCoreTest, ChildAssessmentDecidesSideTierAndWhoToTell) {
  ASSERT_TRUE(
      Deliver(Event(Example("child-victim.json"), "FD-CCCCCCCCCCC1")).ok());
  v1::SubmitAssessmentRequest req;
  req.set_reference("FD-CCCCCCCCCCC1");
  v1::ChildAssessment& child = *req.mutable_child();
  child.set_rules_version("roots-to-support-2");
  // The child in the example is 13: every indicator for that age is
  // answered, witnessing violence yes, and the young people's checklist
  // with 14 yes answers.
  constexpr int kAge = 13;
  for (const auto& ind : rules_.child().indicators()) {
    const bool applies = (ind.min_age() == 0 && ind.max_age() == 0) ||
                         (kAge >= ind.min_age() && kAge <= ind.max_age());
    if (!applies) continue;
    auto* a = child.add_indicators();
    a->set_indicator(ind.id());
    a->set_answer(ind.id() == "witnessed-violence" ? common::v1::ANSWER_YES
                                                   : common::v1::ANSWER_NO);
  }
  v1::SubmitAssessmentRequest without_checklist = req;
  auto missing = Submit(without_checklist);
  ASSERT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetFieldViolations(missing.status())[0].field,
            "child.young_people_checklist");

  testing::FillChecklist(24, 14, child.mutable_young_people_checklist());
  auto d = Submit(req);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->side(), common::v1::SIDE_VICTIM);
  EXPECT_EQ(d->child_severity(), v1::CHILD_SEVERITY_MODERATE_TO_SERIOUS);
  EXPECT_EQ(d->risk_level(), common::v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(d->tier(), 4);
  EXPECT_TRUE(d->recipients().marac());
  EXPECT_TRUE(d->recipients().ypva());
  EXPECT_FALSE(d->recipients().idva());
  EXPECT_TRUE(d->recipients().childrens_social_care());  // a child referral
  EXPECT_FALSE(d->recipients().mace());
  EXPECT_EQ(d->rules_version(), "roots-to-support-2");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM marac_referrals"), 1);
}

TEST_F(TriageCoreTest, MaracRepeatWithinTwelveMonths) {
  ASSERT_TRUE(
      Deliver(Event(Example("high-risk-dash.json"), "FD-MMMMMMMMMMM1", "same"))
          .ok());
  common::v1::Referral low = Example("high-risk-dash.json");
  *low.mutable_risk_assessment() = testing::Dash(2);
  clock_.Advance(absl::Hours(24 * 30 * 11));  // about 11 months
  ASSERT_TRUE(Deliver(Event(low, "FD-MMMMMMMMMMM2", "same")).ok());
  auto repeat = Get("FD-MMMMMMMMMMM2");
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_TRUE(repeat->marac().repeat());
  EXPECT_EQ(repeat->risk_level(), common::v1::RISK_LEVEL_HIGH);
  // Another person at the same time is not a repeat.
  ASSERT_TRUE(Deliver(Event(low, "FD-MMMMMMMMMMM3", "other")).ok());
  EXPECT_FALSE(Get("FD-MMMMMMMMMMM3")->marac().repeat());
}

TEST_F(TriageCoreTest, NoRepeatThirteenMonthsAfterMarac) {
  ASSERT_TRUE(
      Deliver(Event(Example("high-risk-dash.json"), "FD-MMMMMMMMMMM1", "same"))
          .ok());
  common::v1::Referral low = Example("high-risk-dash.json");
  *low.mutable_risk_assessment() = testing::Dash(2);
  clock_.Advance(absl::Hours(24 * 30 * 13));  // about 13 months
  ASSERT_TRUE(Deliver(Event(low, "FD-MMMMMMMMMMM2", "same")).ok());
  auto later = Get("FD-MMMMMMMMMMM2");
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_FALSE(later->marac().repeat());
  EXPECT_EQ(later->risk_level(), common::v1::RISK_LEVEL_STANDARD);
}

TEST_F(TriageCoreTest, DecisionsAreSealedAtRest) {
  ASSERT_TRUE(Deliver(Event(Example("high-risk-dash.json"), "FD-HHHHHHHHHHH1"))
                  .ok());
  const std::string subject_name =
      Example("high-risk-dash.json").subject().name().family_name();
  ASSERT_FALSE(subject_name.empty());
  store_->Close();
  auto bytes = frontdoor::testing::StoredBytes(location_);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_NE(bytes->find("FD-HHHHHHHHHHH1"), std::string::npos);
  EXPECT_EQ(bytes->find(subject_name), std::string::npos);
}

// Two referrals' sealed decisions swapped in the database: the read answers
// DATA_LOSS and is audited as an integrity failure, never as a read.
TEST_F(TriageCoreTest, SwappedDecisionIsAuditedAsAnIntegrityFailure) {
  for (const char* ref : {"FD-HHHHHHHHHHH1", "FD-HHHHHHHHHHH2"}) {
    ASSERT_TRUE(Deliver(Event(Example("high-risk-dash.json"), ref)).ok());
  }
  SwapSealedValues(*store_, "triage_decisions", "sealed_decision");
  EXPECT_EQ(Get("FD-HHHHHHHHHHH1").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'triage.read_decision_failed' AND reason = 'integrity' "
                  "AND subject = 'FD-HHHHHHHHHHH1'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'triage.read_decision'"),
            0);
}

TEST_F(TriageCoreTest, SwappedReferralOnAnAssessmentIsAuditedAsAnIntegrityFailure) {
  for (const char* ref : {"FD-AAAAAAAAAAA1", "FD-AAAAAAAAAAA2"}) {
    ASSERT_TRUE(Deliver(Event(Example("adult-victim.json"), ref)).ok());
  }
  // Two referrals' sealed events swapped, as someone with the file could.
  SwapSealedValues(*store_, "triage_referrals", "sealed_event");
  EXPECT_EQ(Submit(DashRequest("FD-AAAAAAAAAAA1", 13)).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'triage.assess_failed' AND reason = 'integrity' "
                  "AND subject = 'FD-AAAAAAAAAAA1'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'triage.decide'"),
            0);
}

// A team leader's override re-decides on the assessment the decision was
// made on: the same as that assessment submitted with the override, a new
// decision (number 2) published to allocation and notify, audited.
TEST_F(TriageCoreTest, ATeamLeaderOverridesTheTierOnTheKeptAssessment) {
  common::v1::Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  ASSERT_TRUE(Deliver(Event(plain, "FD-VVVVVVVVVVV1")).ok());
  ASSERT_TRUE(Deliver(Event(plain, "FD-VVVVVVVVVVV2", "subj-b")).ok());
  v1::SubmitAssessmentRequest assessment = DashRequest("FD-VVVVVVVVVVV1", 13);
  assessment.mutable_dash()->set_police_callouts_past_12_months(1);
  absl::StatusOr<v1::Decision> first = Submit(assessment);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->tier(), 3);

  absl::StatusOr<v1::Decision> overridden =
      Override("FD-VVVVVVVVVVV1", 4, "Disclosed a new threat to the children");
  ASSERT_TRUE(overridden.ok()) << overridden.status();
  EXPECT_EQ(overridden->tier(), 4);
  EXPECT_EQ(overridden->tier_from_risk(), 3);
  EXPECT_EQ(overridden->tier_override_reason(),
            "Disclosed a new threat to the children");
  EXPECT_EQ(overridden->risk_level(), common::v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(overridden->score(), 13);
  EXPECT_FALSE(overridden->auto_triaged());
  EXPECT_EQ(overridden->decided_by(), "staff-42");
  absl::StatusOr<v1::Decision> latest = Get("FD-VVVVVVVVVVV1");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->tier(), 4);

  // Exactly what the same assessment submitted with the override decides.
  v1::SubmitAssessmentRequest same = assessment;
  same.set_reference("FD-VVVVVVVVVVV2");
  same.mutable_tier_override()->set_tier(4);
  same.mutable_tier_override()->set_reason(
      "Disclosed a new threat to the children");
  absl::StatusOr<v1::Decision> submitted =
      Submit(same, Console("team_leader"));
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  v1::Decision a = *overridden, b = *submitted;
  for (v1::Decision* d : {&a, &b}) {
    d->clear_reference();
    d->clear_decided_at();
  }
  EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString())
      << a.ShortDebugString() << "\n" << b.ShortDebugString();

  // Published as decision number 2, as a re-assessment is.
  FakeReceiver receiver;
  outbox::Relay relay(*store_, receiver, clock_);
  ASSERT_TRUE(relay.RunOnce().ok());
  int second = 0;
  for (const outbox::Event& e : receiver.events) {
    absl::StatusOr<std::string> plain_event =
        rights::OpenSealed(*store_, *keys_, e.payload, e.event_id);
    ASSERT_TRUE(plain_event.ok());
    v1::TriageDecided decided;
    ASSERT_TRUE(decided.ParseFromString(*plain_event));
    if (decided.decision().reference() != "FD-VVVVVVVVVVV1" ||
        decided.decision_number() != 2) {
      continue;
    }
    ++second;
    EXPECT_EQ(decided.decision().tier(), 4);
  }
  EXPECT_EQ(second, 2);  // allocation's and notify's
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'triage.decide' AND reason = 'tier_override' AND "
                  "subject = 'FD-VVVVVVVVVVV1' AND actor_person = "
                  "'staff-42 as team_leader'"),
            1);
  // The reason typed is nowhere in the audit trail.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE details LIKE "
                  "'%threat%'"),
            0);

  // Overriding again starts from the same assessment, not from tier 4.
  absl::StatusOr<v1::Decision> again =
      Override("FD-VVVVVVVVVVV1", 2, "Moved out of the county");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->tier(), 2);
  EXPECT_EQ(again->tier_from_risk(), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM triage_decisions WHERE reference = "
                  "'FD-VVVVVVVVVVV1'"),
            3);
}

TEST_F(TriageCoreTest, AnAutomaticDecisionIsOverriddenOnTheReferralsOwnDash) {
  ASSERT_TRUE(Deliver(Event(Example("high-risk-dash.json"), "FD-HHHHHHHHHHH1"))
                  .ok());
  absl::StatusOr<v1::Decision> overridden =
      Override("FD-HHHHHHHHHHH1", 3, "Supported by another IDVA already");
  ASSERT_TRUE(overridden.ok()) << overridden.status();
  EXPECT_EQ(overridden->tier(), 3);
  EXPECT_EQ(overridden->tier_from_risk(), 4);
  EXPECT_EQ(overridden->risk_level(), common::v1::RISK_LEVEL_HIGH);
  EXPECT_TRUE(overridden->marac().visible_high_risk());
  EXPECT_FALSE(overridden->auto_triaged());
  // The override kept the assessment: a second one works on it too.
  absl::StatusOr<v1::Decision> again =
      Override("FD-HHHHHHHHHHH1", 4, "The other IDVA closed the case");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->tier_from_risk(), 4);
}

TEST_F(TriageCoreTest, OverrideErrorsAreSpecificAndDecideNothing) {
  common::v1::Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  ASSERT_TRUE(Deliver(Event(plain, "FD-VVVVVVVVVVV1")).ok());
  // Not decided yet.
  EXPECT_EQ(Override("FD-VVVVVVVVVVV1", 4, "Why").status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Submit(DashRequest("FD-VVVVVVVVVVV1", 13)).ok());
  EXPECT_EQ(Override("FD-ZZZZZZZZZZZ9", 4, "Why").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(GetFieldViolations(Override("nope", 4, "Why").status())[0].field,
            "reference");
  v1::OverrideDecisionRequest none;
  none.set_reference("FD-VVVVVVVVVVV1");
  EXPECT_EQ(GetFieldViolations(OverrideWith(none).status())[0].field,
            "tier_override");
  EXPECT_EQ(GetFieldViolations(Override("FD-VVVVVVVVVVV1", 7, "Why").status())[0]
                .field,
            "tier_override.tier");
  EXPECT_EQ(GetFieldViolations(Override("FD-VVVVVVVVVVV1", 4, " ").status())[0]
                .field,
            "tier_override.reason");
  // Through the console only team leaders override; partners never.
  for (const char* role : {"practitioner", "call_handler", "commissioner"}) {
    EXPECT_EQ(Override("FD-VVVVVVVVVVV1", 4, "Why", Console(role))
                  .status()
                  .code(),
              absl::StatusCode::kPermissionDenied)
        << role;
  }
  EXPECT_EQ(Override("FD-VVVVVVVVVVV1", 4, "Why", Police()).status().code(),
            absl::StatusCode::kPermissionDenied);
  // The helpline's own certificate (staff, no console role) may.
  EXPECT_TRUE(Override("FD-VVVVVVVVVVV1", 4, "Why", Staff()).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM triage_decisions"), 2);
}

// A practitioner's decision made before assessments were kept cannot be
// re-decided: the override asks for the assessment again.
TEST_F(TriageCoreTest, AnOverrideNeedsTheKeptAssessment) {
  common::v1::Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  ASSERT_TRUE(Deliver(Event(plain, "FD-VVVVVVVVVVV1")).ok());
  ASSERT_TRUE(Submit(DashRequest("FD-VVVVVVVVVVV1", 13)).ok());
  ASSERT_TRUE(store_
                  ->WriteSync([](store::Tx& tx) {
                    return tx
                        .Exec("UPDATE triage_decisions SET "
                              "sealed_assessment = NULL")
                        .status();
                  })
                  .ok());
  EXPECT_EQ(Override("FD-VVVVVVVVVVV1", 4, "Why").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM triage_decisions"), 1);
}

TEST_F(TriageCoreTest, AssessmentsAreKeptSealed) {
  common::v1::Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  ASSERT_TRUE(Deliver(Event(plain, "FD-VVVVVVVVVVV1")).ok());
  ASSERT_TRUE(Deliver(Event(plain, "FD-VVVVVVVVVVV2", "subj-b")).ok());
  v1::SubmitAssessmentRequest req = DashRequest("FD-VVVVVVVVVVV1", 13);
  req.mutable_dash()->mutable_answers(0)->set_comment("Canary comment 7Q");
  ASSERT_TRUE(Submit(req).ok());
  ASSERT_TRUE(Submit(DashRequest("FD-VVVVVVVVVVV2", 3)).ok());
  // Swapped between two decisions: DATA_LOSS, audited as what it is.
  SwapSealedValues(*store_, "triage_decisions", "sealed_assessment");
  EXPECT_EQ(Override("FD-VVVVVVVVVVV1", 4, "Why").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'triage.override_failed' AND reason = 'integrity' AND "
                  "subject = 'FD-VVVVVVVVVVV1'"),
            1);
  store_->Close();
  auto bytes = frontdoor::testing::StoredBytes(location_);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(bytes->find("Canary comment 7Q"), std::string::npos);
}

}  // namespace
}  // namespace frontdoor::triage
