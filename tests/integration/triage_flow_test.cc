// intake-svc and triage-svc together, in process, over real mTLS with the
// development PKI and real SQLite: a referral submitted by a partner reaches
// triage through intake's outbox and comes out with its risk, flags and tier.
// Both services share one injected clock.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "common/audit/refusals.h"
#include "common/crypto/key_ring.h"
#include "common/outbox/outbox_cli.h"
#include "common/report/report_run.h"
#include "common/store/store.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_server.h"
#include "tests/testing/http_get.h"
#include "tests/testing/examples.h"
#include "tests/testing/captured_log.h"
#include "tests/testing/raw_call.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/test_store.h"
#include "tests/testing/suite_configs.h"
#include "tests/testing/report_calls.h"
#include "tests/unit/triage/rules_fixture.h"
#include "triage-svc/triage_server.h"

namespace frontdoor {
namespace {

using common::v1::Referral;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());
// How long a test waits for the flow to settle before failing.
constexpr absl::Duration kSettle = absl::Seconds(30);
constexpr absl::Duration kPoll = absl::Milliseconds(20);

Referral Example(const std::string& name) {
  return testing::ExampleReferral(name);
}

void Prepare(grpc::ClientContext& ctx) { testing::PrepareCall(ctx); }

class TriageFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshServiceDir("flow");

    triage_config_ = testing::TriageConfigIn(dir_);
    StartTriage();
    // Later restarts keep the port, which intake's relay is pointed at.
    triage_config_.mutable_server()->set_api_address(
        absl::StrCat("127.0.0.1:", triage_->api_port()));

    intake_config_ = testing::IntakeConfigIn(dir_);
    testing::PointAt(intake_config_.mutable_triage(), triage_->api_port());
    intake_config_.mutable_triage()->set_deadline_ms(2000);
    auto intake = intake::IntakeServer::Start(intake_config_, clock_);
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);

    auto police = testing::MakeMtlsChannel(intake_->api_port(), "staffs-police");
    ASSERT_TRUE(police.ok());
    police_ = intake::v1::IntakeService::NewStub(*police);
  }

  void TearDown() override {
    if (intake_) EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    if (triage_) EXPECT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
    intake_.reset();
    triage_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartTriage() {
    auto triage = triage::TriageServer::Start(triage_config_, clock_);
    ASSERT_TRUE(triage.ok()) << triage.status();
    triage_ = *std::move(triage);
    auto staff =
        testing::MakeMtlsChannel(triage_->api_port(), "frontdoor-helpline");
    ASSERT_TRUE(staff.ok());
    staff_ = triage::v1::TriageService::NewStub(*staff);
  }

  // Submits as the police; returns the reference.
  std::string Submit(const Referral& referral, const std::string& key) {
    grpc::ClientContext ctx;
    Prepare(ctx);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(key);
    *req.mutable_referral() = referral;
    intake::v1::SubmitReferralResponse resp;
    grpc::Status status = police_->SubmitReferral(&ctx, req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp.receipt().reference();
  }

  grpc::Status GetDecision(const std::string& reference,
                           triage::v1::Decision* out) {
    grpc::ClientContext ctx;
    Prepare(ctx);
    triage::v1::GetDecisionRequest req;
    req.set_reference(reference);
    return staff_->GetDecision(&ctx, req, out);
  }

  // The decision, once intake's relay has handed the referral over. The
  // relay's back-off runs on the shared clock: `tick` moves it on at each
  // poll, so that failed deliveries come due again.
  triage::v1::Decision AwaitDecision(
      const std::string& reference, absl::Duration tick = absl::ZeroDuration()) {
    triage::v1::Decision d;
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      d.Clear();
      grpc::Status s = GetDecision(reference, &d);
      if (s.ok()) return d;
      EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND)
          << s.error_message();
      clock_.Advance(tick);
      absl::SleepFor(kPoll);
    }
    ADD_FAILURE() << "no decision on " << reference;
    return d;
  }

  triage::v1::ListQueueResponse Queue() {
    grpc::ClientContext ctx;
    Prepare(ctx);
    triage::v1::ListQueueRequest req;
    req.set_page_size(500);
    triage::v1::ListQueueResponse resp;
    grpc::Status s = staff_->ListQueue(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  // staffs-police calls a practitioners' method (ListQueue) and the inbox
  // (DeliverReferral): both must be PERMISSION_DENIED.
  void PoliceCallsPractitionersAndInboxMethods() {
    auto channel =
        testing::MakeMtlsChannel(triage_->api_port(), "staffs-police");
    ASSERT_TRUE(channel.ok());
    auto as_police = triage::v1::TriageService::NewStub(*channel);
    grpc::ClientContext ctx;
    Prepare(ctx);
    triage::v1::ListQueueResponse resp;
    ASSERT_EQ(as_police->ListQueue(&ctx, {}, &resp).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    auto inbox = triage::v1::TriageInbox::NewStub(*channel);
    grpc::ClientContext ctx2;
    Prepare(ctx2);
    triage::v1::DeliverReferralResponse delivered;
    ASSERT_EQ(inbox->DeliverReferral(&ctx2, {}, &delivered).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }

  // Submits as the police; returns intake's receipt.
  intake::v1::Receipt SubmitForReceipt(const Referral& referral,
                                       const std::string& key) {
    grpc::ClientContext ctx;
    Prepare(ctx);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(key);
    *req.mutable_referral() = referral;
    intake::v1::SubmitReferralResponse resp;
    grpc::Status status = police_->SubmitReferral(&ctx, req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(resp.receipt().status(), intake::v1::REFERRAL_STATUS_ACCEPTED);
    return resp.receipt();
  }

  // Waits (bounded) until `n` referrals wait in the queue.
  void AwaitWaiting(int n) {
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up && Queue().total_waiting() < n) {
      absl::SleepFor(kPoll);
    }
    ASSERT_EQ(Queue().total_waiting(), n);
  }

  // TriageService.Report for the days [first, last] through `stub`, as
  // staff-9, naming `staff_role` when not null.
  static grpc::Status Report(triage::v1::TriageService::Stub& stub,
                             absl::CivilDay first, absl::CivilDay last,
                             common::v1::ReportResponse* out,
                             const char* staff_role = nullptr) {
    return testing::CallReport(stub, first, last, out, staff_role);
  }
  static constexpr auto& CountOf = testing::CountOf;

  // How many distinct counts (combinations of dimension values) `measure`
  // has.
  static int Entries(const common::v1::ReportResponse& report,
                     const std::string& measure) {
    int n = 0;
    for (const common::v1::ReportCount& c : report.counts()) {
      n += c.measure() == measure ? 1 : 0;
    }
    return n;
  }

  Referral WithDash(Referral r, int yes) {
    *r.mutable_risk_assessment() = triage::testing::Dash(yes);
    return r;
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  config::v1::TriageConfig triage_config_;
  config::v1::IntakeConfig intake_config_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<intake::IntakeServer> intake_;
  std::unique_ptr<intake::v1::IntakeService::Stub> police_;
  std::unique_ptr<triage::v1::TriageService::Stub> staff_;
};

TEST_F(TriageFlowTest, FourteenYesIsHighRiskTierFour) {
  const std::string ref = Submit(WithDash(Example("adult-victim.json"), 14), "a");
  triage::v1::Decision d = AwaitDecision(ref);
  EXPECT_EQ(d.risk_level(), common::v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(d.tier(), 4);
  EXPECT_TRUE(d.marac().visible_high_risk());
  EXPECT_TRUE(d.auto_triaged());
  EXPECT_TRUE(d.recipients().marac());
  EXPECT_TRUE(d.recipients().idva());
}

TEST_F(TriageFlowTest, ThirteenYesIsHighOnlyWithJudgement) {
  Referral judged = WithDash(Example("adult-victim.json"), 13);
  judged.mutable_risk_assessment()->set_professional_judgement_high_risk(true);
  judged.mutable_risk_assessment()->set_professional_judgement_reason(
      "Recent strangulation disclosed");
  const std::string with = Submit(judged, "judged");
  // Another person: the same one would be a MARAC repeat, hence high.
  Referral other = WithDash(Example("adult-victim.json"), 13);
  other.mutable_subject()->mutable_date_of_birth()->set_day(3);
  const std::string without = Submit(other, "plain");
  triage::v1::Decision high = AwaitDecision(with);
  EXPECT_EQ(high.risk_level(), common::v1::RISK_LEVEL_HIGH);
  EXPECT_TRUE(high.marac().professional_judgement());
  EXPECT_FALSE(high.marac().visible_high_risk());
  triage::v1::Decision medium = AwaitDecision(without);
  EXPECT_EQ(medium.risk_level(), common::v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(medium.tier(), 3);
}

TEST_F(TriageFlowTest, ThreeCallOutsFlagEscalation) {
  Referral r = WithDash(Example("adult-victim.json"), 2);
  r.mutable_risk_assessment()->set_police_callouts_past_12_months(3);
  triage::v1::Decision d = AwaitDecision(Submit(r, "callouts"));
  EXPECT_TRUE(d.marac().potential_escalation());
  EXPECT_EQ(d.risk_level(), common::v1::RISK_LEVEL_HIGH);
}

TEST_F(TriageFlowTest, RepeatWithinTwelveMonthsOfMarac) {
  const Referral first = WithDash(Example("adult-victim.json"), 15);
  AwaitDecision(Submit(first, "first"));
  clock_.Advance(absl::Hours(24 * 30 * 11));  // about 11 months later
  const std::string second = Submit(WithDash(first, 2), "second");
  triage::v1::Decision d = AwaitDecision(second);
  EXPECT_TRUE(d.marac().repeat());
  EXPECT_EQ(d.risk_level(), common::v1::RISK_LEVEL_HIGH);
}

TEST_F(TriageFlowTest, NoRepeatThirteenMonthsAfterMarac) {
  const Referral first = WithDash(Example("adult-victim.json"), 15);
  AwaitDecision(Submit(first, "first"));
  clock_.Advance(absl::Hours(24 * 30 * 13));  // about 13 months later
  triage::v1::Decision d = AwaitDecision(Submit(WithDash(first, 2), "second"));
  EXPECT_FALSE(d.marac().repeat());
  EXPECT_EQ(d.risk_level(), common::v1::RISK_LEVEL_STANDARD);
}

TEST_F(TriageFlowTest, ReferralsWithoutAssessmentWaitInTheQueue) {
  Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  const std::string adult = Submit(plain, "adult");
  clock_.Advance(absl::Minutes(1));  // waiting longer comes first
  const std::string child = Submit(Example("child-victim.json"), "child");
  const absl::Time give_up = absl::Now() + kSettle;
  triage::v1::ListQueueResponse queue;
  while (absl::Now() < give_up && (queue = Queue()).total_waiting() < 2) {
    absl::SleepFor(kPoll);
  }
  ASSERT_THAT(queue.entries(), SizeIs(2));
  EXPECT_EQ(queue.entries(0).reference(), adult);
  EXPECT_EQ(queue.entries(1).reference(), child);
  triage::v1::Decision none;
  EXPECT_EQ(GetDecision(adult, &none).error_code(), grpc::StatusCode::NOT_FOUND);
}

// The form a practitioner is shown comes from triage itself: the
// children's indicators of the rules it runs that apply at the child's age
// (13 here: own-relationship abuse and the young people's checklist too);
// for an adult, a DASH. Staff who may assess only: through the console, a
// call handler is refused.
TEST_F(TriageFlowTest, TheAssessmentFormIsTheRulesForTheChildsAge) {
  Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  const std::string adult = Submit(plain, "adult");
  const std::string child = Submit(Example("child-victim.json"), "child");
  const absl::Time give_up = absl::Now() + kSettle;
  while (absl::Now() < give_up && Queue().total_waiting() < 2) {
    absl::SleepFor(kPoll);
  }
  auto form = [&](triage::v1::TriageService::Stub& stub,
                  const std::string& reference, const char* staff_role,
                  triage::v1::AssessmentForm* out) {
    grpc::ClientContext ctx;
    Prepare(ctx);
    if (staff_role != nullptr) {
      ctx.AddMetadata("frontdoor-staff-role", staff_role);
    }
    triage::v1::GetAssessmentFormRequest req;
    req.set_reference(reference);
    return stub.GetAssessmentForm(&ctx, req, out);
  };
  triage::v1::AssessmentForm f;
  grpc::Status s = form(*staff_, child, nullptr, &f);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(f.reference(), child);
  EXPECT_EQ(f.front_door(), common::v1::FRONT_DOOR_CHILDREN);
  EXPECT_EQ(f.child().rules_version(), "roots-to-support-2");
  std::vector<std::string> ids;
  for (const auto& q : f.child().indicators()) ids.push_back(q.indicator());
  EXPECT_THAT(ids, ::testing::Contains("abused-in-own-relationship"));
  EXPECT_THAT(ids, ::testing::Contains("witnessed-violence"));
  EXPECT_EQ(f.child().young_people_checklist(), "safelives-yp-dash-24");
  EXPECT_EQ(f.child().young_people_checklist_questions(), 24);

  f.Clear();
  ASSERT_TRUE(form(*staff_, adult, nullptr, &f).ok());
  EXPECT_EQ(f.front_door(), common::v1::FRONT_DOOR_ADULT_VICTIM);
  EXPECT_FALSE(f.has_child());
  EXPECT_EQ(form(*staff_, "FD-0000000000AA", nullptr, &f).error_code(),
            grpc::StatusCode::NOT_FOUND);

  auto console = triage::v1::TriageService::NewStub(
      *testing::MakeMtlsChannel(triage_->api_port(), "web-svc"));
  EXPECT_EQ(form(*console, child, "call_handler", &f).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(form(*console, child, "commissioner", &f).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(form(*console, child, "practitioner", &f).ok());
}

TEST_F(TriageFlowTest, MetricsShowDecisionsQueueAndOutboxes) {
  AwaitDecision(Submit(WithDash(Example("adult-victim.json"), 14), "m1"));
  Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  plain.mutable_subject()->mutable_date_of_birth()->set_day(3);
  const std::string waiting = Submit(plain, "m2");
  const absl::Time give_up = absl::Now() + kSettle;
  while (absl::Now() < give_up && Queue().total_waiting() < 1) {
    absl::SleepFor(kPoll);
  }
  clock_.Advance(absl::Minutes(10));

  auto triage = testing::HttpGet(triage_->metrics_port(), "/metrics");
  ASSERT_TRUE(triage.ok()) << triage.status();
  const std::string& t = triage->body;
  EXPECT_EQ(testing::FindSample(
                t, "frontdoor_triage_decisions_total{front_door=\"adult_"
                   "victim\",mode=\"auto\",risk_level=\"high\",tier=\"4\"}"),
            1.0);
  EXPECT_EQ(testing::FindSample(
                t, "frontdoor_triage_marac_flags_total{kind=\"visible_high_"
                   "risk\"}"),
            1.0);
  EXPECT_EQ(testing::FindSample(t, "frontdoor_triage_queue_depth"), 1.0);
  EXPECT_EQ(testing::FindSample(t, "frontdoor_triage_queue_oldest_wait_seconds"),
            600.0);
  // No allocation-svc or notify-svc yet: each decision's events wait.
  EXPECT_EQ(testing::FindSample(
                t, "frontdoor_outbox_undelivered{topic=\"allocation.triage_"
                   "decided\"}"),
            1.0);
  EXPECT_EQ(testing::FindSample(
                t, "frontdoor_outbox_oldest_undelivered_age_seconds{topic="
                   "\"notify.triage_decided\"}"),
            600.0);

  auto intake = testing::HttpGet(intake_->metrics_port(), "/metrics");
  ASSERT_TRUE(intake.ok()) << intake.status();
  EXPECT_EQ(testing::FindSample(intake->body, "frontdoor_outbox_delivered_total"),
            2.0);
  EXPECT_EQ(testing::FindSample(
                intake->body,
                "frontdoor_outbox_undelivered{topic=\"intake.referral_"
                "received\"}"),
            0.0);
}

TEST_F(TriageFlowTest, PartnersCannotUseTriage) {
  PoliceCallsPractitionersAndInboxMethods();
}

// A partner's calls to the practitioners' methods and to the inbox are
// refused and each refusal is audited: the agency, the person, the method,
// reason code role_missing.
TEST_F(TriageFlowTest, PartnerRefusedIsAudited) {
  PoliceCallsPractitionersAndInboxMethods();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
  triage_.reset();

  auto store = testing::OpenTestStore(
      testing::StoreLocationOf(triage_config_.store()), audit::Migrations());
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<std::string> rows;
  ASSERT_TRUE((*store)
                  ->Read([&](store::Tx& tx) -> absl::Status {
                    auto found = tx.Query(
                        "SELECT actor_agency, actor_person, reason, details "
                        "FROM audit_log WHERE action = $1 ORDER BY seq",
                        {std::string(audit::kActionCallRefused)});
                    if (!found.ok()) return found.status();
                    for (const store::Row& row : *found) {
                      rows.push_back(absl::StrCat(row.Text(0), " ",
                                                  row.Text(1), " ", row.Text(2),
                                                  " ", row.Text(3)));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_THAT(
      rows,
      ::testing::ElementsAre(
          "staffs-police Test Person role_missing "
          "{\"method\":\"/frontdoor.triage.v1.TriageService/ListQueue\"}",
          "staffs-police Test Person role_missing "
          "{\"method\":\"/frontdoor.triage.v1.TriageInbox/"
          "DeliverReferral\"}"));
}

// Triage stopped while referrals flow, then restarted: every accepted
// referral is recorded, and each exactly once.
TEST_F(TriageFlowTest, TriageDownLosesNothingAndRecordsEachOnce) {
  constexpr int kBefore = 5;
  constexpr int kWhileDown = 10;
  std::vector<std::string> refs;
  for (int i = 0; i < kBefore; ++i) {
    refs.push_back(Submit(WithDash(Example("adult-victim.json"), i),
                          absl::StrCat("before-", i)));
  }
  ASSERT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
  triage_.reset();
  for (int i = 0; i < kWhileDown; ++i) {
    refs.push_back(Submit(WithDash(Example("adult-victim.json"), i),
                          absl::StrCat("down-", i)));
  }
  StartTriage();
  for (const std::string& ref : refs) AwaitDecision(ref, absl::Seconds(30));

  ASSERT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
  triage_.reset();
  auto db = testing::OpenTestStore(
      testing::StoreLocationOf(triage_config_.store()), {});
  ASSERT_TRUE(db.ok()) << db.status();
  int64_t referrals = 0, decisions = 0, distinct = 0;
  ASSERT_TRUE((*db)
                  ->Read([&](store::Tx& tx) -> absl::Status {
                    auto r = tx.Query(
                        "SELECT (SELECT COUNT(*) FROM triage_referrals), "
                        "(SELECT COUNT(*) FROM triage_decisions), "
                        "(SELECT COUNT(DISTINCT reference) FROM "
                        "triage_decisions)");
                    if (!r.ok()) return r.status();
                    referrals = (*r)[0].Int(0);
                    decisions = (*r)[0].Int(1);
                    distinct = (*r)[0].Int(2);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(referrals, kBefore + kWhileDown);
  EXPECT_EQ(decisions, kBefore + kWhileDown);
  EXPECT_EQ(distinct, kBefore + kWhileDown);
}

// A hop that keeps failing is retried through its configured window, then
// dead-lettered: counted in the metrics and no longer attempted. An
// operator's `frontdoor-outbox replay` on intake's database delivers it.
TEST_F(TriageFlowTest, HopFailingPastItsWindowDeadLettersAndReplayDelivers) {
  constexpr int kWindowSeconds = 3600;
  constexpr absl::Duration kStep = absl::Minutes(5);
  ASSERT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
  triage_.reset();
  ASSERT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
  intake_.reset();
  intake_config_.mutable_triage()->set_dead_letter_after_seconds(
      kWindowSeconds);
  auto restarted = intake::IntakeServer::Start(intake_config_, clock_);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  intake_ = *std::move(restarted);
  auto police = testing::MakeMtlsChannel(intake_->api_port(), "staffs-police");
  ASSERT_TRUE(police.ok());
  police_ = intake::v1::IntakeService::NewStub(*police);

  const std::string ref =
      Submit(WithDash(Example("adult-victim.json"), 14), "dead-letter-1");
  auto sample = [&](std::string_view series) {
    auto m = testing::HttpGet(intake_->metrics_port(), "/metrics");
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? testing::FindSample(m->body, series).value_or(0) : -1.0;
  };
  const std::string failures =
      "frontdoor_outbox_delivery_failures_total{topic=\"intake.referral_"
      "received\"}";
  const std::string dead =
      "frontdoor_outbox_dead_lettered{topic=\"intake.referral_received\"}";
  // Moves the clock on by `by` and waits (bounded) until the relay has
  // failed once more: the failure counted before the move is not taken for
  // the new one.
  auto advance_and_await_failure = [&](absl::Duration by) {
    const double before = sample(failures);
    clock_.Advance(by);
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up && sample(failures) <= before) {
      absl::SleepFor(kPoll);
    }
    EXPECT_GT(sample(failures), before);
  };

  // The first attempt fails: triage is down.
  const absl::Time first_give_up = absl::Now() + kSettle;
  while (absl::Now() < first_give_up && sample(failures) < 1) {
    absl::SleepFor(kPoll);
  }
  ASSERT_GE(sample(failures), 1);

  // Inside the window: retried, not dead-lettered.
  advance_and_await_failure(absl::Seconds(kWindowSeconds) - kStep);
  EXPECT_EQ(sample(dead), 0.0);

  // Past the window: dead-lettered on the next attempt.
  clock_.Advance(kStep * 2);
  const absl::Time give_up = absl::Now() + kSettle;
  while (absl::Now() < give_up && sample(dead) < 1.0) absl::SleepFor(kPoll);
  EXPECT_EQ(sample(dead), 1.0);
  EXPECT_EQ(sample("frontdoor_outbox_dead_lettered_total{topic=\"intake."
                   "referral_received\"}"),
            1.0);

  StartTriage();
  const config::v1::StoreConfig& store = intake_config_.store();
  std::ostringstream out, err;
  ASSERT_EQ(outbox::RunOutboxCommand(
                {"replay", "--topic", "intake.referral_received",
                 store.postgres_url().empty() ? "--sqlite" : "--postgres",
                 testing::StoreLocationOf(store)},
                clock_, out, err),
            outbox::kExitReplayed)
      << err.str();
  EXPECT_EQ(out.str(),
            "{\"topic\":\"intake.referral_received\",\"replayed\":1}\n");
  EXPECT_EQ(AwaitDecision(ref).reference(), ref);
  EXPECT_EQ(sample(dead), 0.0);
}

// TriageService.Report: the figures of the referrals intake received in a
// period, each at its latest decision, for report viewers only, each run
// audited. The dataset, all from the police through intake (one clock):
// in 2026-Q3 (October to December), A a woman in Stoke-on-Trent at high
// risk (14 yes) whose partner is Daniel Price; B another woman, in
// Stafford, whose partner is also Daniel Price (a repeat perpetrator, and
// his second victim: MATAC is told), decided medium then re-assessed by a
// practitioner as standard; C and D waiting (an adult with no DASH, a
// child); E at 23:30 UTC on 31 December, high on police call-outs. In
// 2026-Q4 (January to March 2027), F at 00:30 on 1 January, A again (a
// MARAC repeat; Daniel Price again, a repeat perpetrator but no new
// victim), and H a behaviour change referral at standard risk. G, at
// 23:30 UTC on 31 March 2027 (00:30 BST on 1 April), is in 2027-Q1.
TEST_F(TriageFlowTest, ReportCountsAPeriodsReferralsAtTheirLatestDecision) {
  const Referral adult = Example("adult-victim.json");
  const auto person = [&](int day, const char* partner_given,
                          const char* partner_family) {
    Referral r = adult;
    r.mutable_subject()->mutable_date_of_birth()->set_day(day);
    r.mutable_other_party()->mutable_name()->set_given_names(partner_given);
    r.mutable_other_party()->mutable_name()->set_family_name(partner_family);
    return r;
  };
  const auto at = [&](absl::CivilSecond utc) {
    clock_.Set(absl::FromCivil(utc, absl::UTCTimeZone()));
  };

  const intake::v1::Receipt a = SubmitForReceipt(WithDash(adult, 14), "r-a");
  AwaitDecision(a.reference());
  clock_.Advance(absl::Minutes(1));
  Referral b_referral = WithDash(person(3, "Daniel", "Price"), 12);
  b_referral.mutable_subject()->mutable_address()->set_postcode("ST16 2QQ");
  const intake::v1::Receipt b = SubmitForReceipt(b_referral, "r-b");
  ASSERT_EQ(AwaitDecision(b.reference()).risk_level(),
            common::v1::RISK_LEVEL_MEDIUM);
  clock_.Advance(absl::Minutes(1));
  Referral c_referral = person(4, "Owen", "Barker");
  c_referral.clear_risk_assessment();
  const intake::v1::Receipt c = SubmitForReceipt(c_referral, "r-c");
  AwaitWaiting(1);
  clock_.Advance(absl::Minutes(1));
  const intake::v1::Receipt d =
      SubmitForReceipt(Example("child-victim.json"), "r-d");
  AwaitWaiting(2);
  ASSERT_FALSE(HasFatalFailure());
  // A practitioner re-assesses B: the report counts this decision.
  {
    grpc::ClientContext ctx;
    Prepare(ctx);
    triage::v1::SubmitAssessmentRequest req;
    req.set_reference(b.reference());
    *req.mutable_dash() = triage::testing::Dash(5);
    triage::v1::Decision redecided;
    grpc::Status s = staff_->SubmitAssessment(&ctx, req, &redecided);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(redecided.risk_level(), common::v1::RISK_LEVEL_STANDARD);
    ASSERT_EQ(redecided.tier(), 2);
  }
  at(absl::CivilSecond(2026, 12, 31, 23, 30, 0));
  Referral e_referral = WithDash(person(5, "Gary", "Stone"), 3);
  e_referral.mutable_risk_assessment()->set_police_callouts_past_12_months(3);
  const intake::v1::Receipt e = SubmitForReceipt(e_referral, "r-e");
  ASSERT_EQ(AwaitDecision(e.reference()).risk_level(),
            common::v1::RISK_LEVEL_HIGH);

  at(absl::CivilSecond(2027, 1, 1, 0, 30, 0));
  const intake::v1::Receipt f = SubmitForReceipt(WithDash(adult, 2), "r-f");
  ASSERT_TRUE(AwaitDecision(f.reference()).marac().repeat());
  at(absl::CivilSecond(2027, 2, 10, 10, 0, 0));
  const intake::v1::Receipt h = SubmitForReceipt(
      WithDash(Example("adult-behaviour-change.json"), 2), "r-h");
  ASSERT_EQ(AwaitDecision(h.reference()).side(),
            common::v1::SIDE_BEHAVIOUR_CHANGE);
  at(absl::CivilSecond(2027, 3, 31, 23, 30, 0));
  const intake::v1::Receipt g =
      SubmitForReceipt(WithDash(person(6, "Ian", "Cole"), 14), "r-g");
  AwaitDecision(g.reference());
  ASSERT_FALSE(HasFatalFailure());

  const std::string stoke = a.district();
  const std::string stafford = b.district();
  ASSERT_FALSE(stoke.empty());
  ASSERT_NE(stoke, stafford);
  ASSERT_EQ(c.district(), stoke);
  ASSERT_EQ(e.district(), stoke);
  ASSERT_EQ(f.district(), stoke);
  const std::string tamworth = d.district();
  const std::string stafford_h = h.district();
  ASSERT_NE(tamworth, stoke);

  auto operations = triage::v1::TriageService::NewStub(
      *testing::MakeMtlsChannel(triage_->api_port(), "frontdoor-operations"));
  auto console = triage::v1::TriageService::NewStub(
      *testing::MakeMtlsChannel(triage_->api_port(), "web-svc"));
  auto police = triage::v1::TriageService::NewStub(
      *testing::MakeMtlsChannel(triage_->api_port(), "staffs-police"));

  common::v1::ReportResponse q3;
  grpc::Status ran = Report(*operations, absl::CivilDay(2026, 10, 1),
                            absl::CivilDay(2026, 12, 31), &q3);
  ASSERT_TRUE(ran.ok()) << ran.error_message();
  EXPECT_EQ(q3.service(), "triage-svc");
  EXPECT_EQ(q3.first_day().month(), 10);
  EXPECT_EQ(q3.last_day().day(), 31);
  // Risk: A and E high, B standard (its latest decision), C and D waiting.
  EXPECT_EQ(CountOf(q3, "risk_levels", {}), 5);
  EXPECT_EQ(Entries(q3, "risk_levels"), 4);
  EXPECT_EQ(CountOf(q3, "risk_levels",
                    {{"district", stoke},
                     {"risk", "high"},
                     {"service", "adult_victim"},
                     {"side", "victim"}}),
            2);
  EXPECT_EQ(CountOf(q3, "risk_levels",
                    {{"district", stafford},
                     {"risk", "standard"},
                     {"service", "adult_victim"},
                     {"side", "victim"}}),
            1);
  EXPECT_EQ(CountOf(q3, "risk_levels",
                    {{"district", stoke},
                     {"risk", "undecided"},
                     {"service", "adult_victim"},
                     {"side", "unknown"}}),
            1);
  EXPECT_EQ(CountOf(q3, "risk_levels",
                    {{"district", tamworth},
                     {"risk", "undecided"},
                     {"service", "children"},
                     {"side", "unknown"}}),
            1);
  EXPECT_EQ(CountOf(q3, "risk_levels", {{"risk", "medium"}}), 0);
  // MARAC: A on visible high risk, E on escalation; each once.
  EXPECT_EQ(CountOf(q3, "marac_referrals", {}), 2);
  EXPECT_EQ(Entries(q3, "marac_referrals"), 2);
  EXPECT_EQ(CountOf(q3, "marac_referrals",
                    {{"district", stoke}, {"flag", "visible_high_risk"}}),
            1);
  EXPECT_EQ(CountOf(q3, "marac_referrals",
                    {{"district", stoke}, {"flag", "potential_escalation"}}),
            1);
  EXPECT_EQ(CountOf(q3, "referred_to_marac", {}), 2);
  EXPECT_EQ(CountOf(q3, "referred_to_marac",
                    {{"district", stoke}, {"service", "adult_victim"}}),
            2);
  // Told: MARAC and an IDVA for A and E; children's social care for A, B
  // and E (a child in each household); not the waiting ones.
  EXPECT_EQ(CountOf(q3, "notifications", {}), 7);
  EXPECT_EQ(Entries(q3, "notifications"), 4);
  EXPECT_EQ(CountOf(q3, "notifications",
                    {{"district", stoke}, {"recipient", "marac"}}),
            2);
  EXPECT_EQ(CountOf(q3, "notifications",
                    {{"district", stoke}, {"recipient", "idva"}}),
            2);
  EXPECT_EQ(CountOf(q3, "notifications",
                    {{"district", stoke},
                     {"recipient", "childrens_social_care"}}),
            2);
  EXPECT_EQ(CountOf(q3, "notifications",
                    {{"district", stafford},
                     {"recipient", "childrens_social_care"}}),
            1);
  // Tiers of the decided: A and E tier 4, B tier 2 (re-assessed from 3).
  EXPECT_EQ(CountOf(q3, "tiers", {}), 3);
  EXPECT_EQ(Entries(q3, "tiers"), 2);
  EXPECT_EQ(CountOf(q3, "tiers",
                    {{"district", stoke},
                     {"service", "adult_victim"},
                     {"side", "victim"},
                     {"tier", "4"}}),
            2);
  EXPECT_EQ(CountOf(q3, "tiers",
                    {{"district", stafford},
                     {"service", "adult_victim"},
                     {"side", "victim"},
                     {"tier", "2"}}),
            1);
  // Daniel Price: named again in B (a repeat), his second victim (MATAC
  // told, one serial perpetrator).
  EXPECT_EQ(CountOf(q3, "repeat_perpetrators", {}), 1);
  EXPECT_EQ(CountOf(q3, "repeat_perpetrators", {{"district", stafford}}), 1);
  EXPECT_EQ(CountOf(q3, "matac", {}), 1);
  EXPECT_EQ(CountOf(q3, "matac", {{"district", stafford}}), 1);
  EXPECT_EQ(CountOf(q3, "serial_perpetrators", {}), 1);
  EXPECT_EQ(CountOf(q3, "serial_perpetrators", {{"district", stafford}}), 1);
  // Each count's dimensions come sorted by name; nothing names a person.
  for (const common::v1::ReportCount& count : q3.counts()) {
    for (int i = 1; i < count.dimensions_size(); ++i) {
      EXPECT_LT(count.dimensions(i - 1).name(), count.dimensions(i).name());
    }
    for (const common::v1::ReportDimension& dim : count.dimensions()) {
      EXPECT_THAT(dim.value(), Not(HasSubstr("FD-")));
    }
  }

  common::v1::ReportResponse q4;
  ASSERT_TRUE(Report(*operations, absl::CivilDay(2027, 1, 1),
                     absl::CivilDay(2027, 3, 31), &q4)
                  .ok());
  EXPECT_EQ(CountOf(q4, "risk_levels", {}), 2);  // F and H; not G
  EXPECT_EQ(CountOf(q4, "risk_levels",
                    {{"district", stoke},
                     {"risk", "high"},
                     {"service", "adult_victim"},
                     {"side", "victim"}}),
            1);
  EXPECT_EQ(CountOf(q4, "risk_levels",
                    {{"district", stafford_h},
                     {"risk", "standard"},
                     {"service", "adult_behaviour_change"},
                     {"side", "behaviour_change"}}),
            1);
  EXPECT_EQ(CountOf(q4, "marac_referrals", {}), 1);
  EXPECT_EQ(CountOf(q4, "marac_referrals",
                    {{"district", stoke}, {"flag", "repeat"}}),
            1);
  EXPECT_EQ(CountOf(q4, "referred_to_marac", {}), 1);
  EXPECT_EQ(CountOf(q4, "notifications", {}), 3);
  EXPECT_EQ(CountOf(q4, "notifications", {{"recipient", "marac"}}), 1);
  EXPECT_EQ(CountOf(q4, "notifications", {{"recipient", "idva"}}), 1);
  EXPECT_EQ(CountOf(q4, "notifications",
                    {{"district", stoke},
                     {"recipient", "childrens_social_care"}}),
            1);
  EXPECT_EQ(CountOf(q4, "tiers", {}), 2);
  EXPECT_EQ(CountOf(q4, "tiers",
                    {{"district", stafford_h},
                     {"service", "adult_behaviour_change"},
                     {"side", "behaviour_change"},
                     {"tier", "2"}}),
            1);
  EXPECT_EQ(CountOf(q4, "tiers", {{"district", stoke}, {"tier", "4"}}), 1);
  // F names Daniel Price again within 12 months: a repeat, no new victim.
  EXPECT_EQ(CountOf(q4, "repeat_perpetrators", {}), 1);
  EXPECT_EQ(CountOf(q4, "repeat_perpetrators", {{"district", stoke}}), 1);
  EXPECT_EQ(CountOf(q4, "matac", {}), 0);
  EXPECT_EQ(CountOf(q4, "serial_perpetrators", {}), 0);

  // G: 00:30 BST on 1 April is the next financial year's Q1.
  common::v1::ReportResponse q1;
  ASSERT_TRUE(Report(*operations, absl::CivilDay(2027, 4, 1),
                     absl::CivilDay(2027, 6, 30), &q1)
                  .ok());
  EXPECT_EQ(CountOf(q1, "risk_levels", {}), 1);
  EXPECT_EQ(CountOf(q1, "risk_levels", {{"risk", "high"}}), 1);

  // A commissioner through the console may; no one else.
  common::v1::ReportResponse other;
  grpc::Status commissioner =
      Report(*console, absl::CivilDay(2026, 10, 1),
             absl::CivilDay(2026, 12, 31), &other, "commissioner");
  ASSERT_TRUE(commissioner.ok()) << commissioner.error_message();
  EXPECT_EQ(CountOf(other, "risk_levels", {}), 5);
  EXPECT_EQ(Report(*console, absl::CivilDay(2026, 10, 1),
                   absl::CivilDay(2026, 12, 31), &other, "practitioner")
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Report(*police, absl::CivilDay(2026, 10, 1),
                   absl::CivilDay(2026, 12, 31), &other)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A period that ends before it starts, or with no first day.
  testing::ExpectPeriodsChecked(*operations);

  // Every run that answered is audited, with its period.
  ASSERT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
  triage_.reset();
  auto store = testing::OpenTestStore(
      testing::StoreLocationOf(triage_config_.store()), audit::Migrations());
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<std::vector<std::string>> runs;
  ASSERT_TRUE((*store)
                  ->Read([&](store::Tx& tx) -> absl::Status {
                    auto rows = tx.Query(
                        "SELECT actor_agency, reason, details, actor_person "
                        "FROM audit_log WHERE action = $1 ORDER BY seq",
                        {std::string(report::kActionReportRun)});
                    if (!rows.ok()) return rows.status();
                    for (const store::Row& row : *rows) {
                      runs.push_back({row.Text(0), row.Text(1), row.Text(2),
                                      row.Text(3)});
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0][0], "frontdoor-operations");
  EXPECT_EQ(runs[0][1], report::kReasonReportView);
  EXPECT_THAT(runs[0][2], HasSubstr("\"period\":\"2026-Q3\""));
  EXPECT_THAT(runs[1][2], HasSubstr("\"period\":\"2026-Q4\""));
  EXPECT_THAT(runs[2][2], HasSubstr("\"period\":\"2027-Q1\""));
  EXPECT_EQ(runs[3][0], "frontdoor-web");
  EXPECT_EQ(runs[3][3], "staff-9 as commissioner");
}

// Invalid UTF-8 in a nested string of a practitioner's assessment: refused
// naming the field, every log line JSON.
TEST_F(TriageFlowTest, InvalidUtf8IsRefusedNamingTheField) {
  testing::ScopedCapturedLog log;
  auto channel =
      testing::MakeMtlsChannel(triage_->api_port(), "frontdoor-helpline");
  ASSERT_TRUE(channel.ok()) << channel.status();
  triage::v1::SubmitAssessmentRequest request;
  request.set_reference("FD-0000000000");
  request.mutable_tier_override()->set_tier(2);
  request.mutable_tier_override()->set_reason(testing::kUtf8Probe);
  testing::ExpectInvalidUtf8Refused(
      *channel, "/frontdoor.triage.v1.TriageService/SubmitAssessment",
      request, "tier_override.reason", [&log] { return log.text(); });
}

}  // namespace
}  // namespace frontdoor

namespace frontdoor {
namespace {

// Retention (common/retention): a hop's delivered payloads (a sealed copy
// of the referral) are deleted once their schedule says, by the purge job
// every service runs; what has not been delivered stays.
TEST_F(TriageFlowTest, DeliveredPayloadsArePurgedAfterTheirRetention) {
  const std::string ref =
      Submit(WithDash(Example("adult-victim.json"), 14), "retention-1");
  AwaitDecision(ref);
  // Counts of intake's outbox: delivered, and waiting (the notify hop has
  // no target here, so its events wait).
  const auto outbox = [&]() {
    std::pair<int64_t, int64_t> counts{-1, -1};
    auto db = testing::OpenTestStore(
        testing::StoreLocationOf(intake_config_.store()), {});
    EXPECT_TRUE(db.ok()) << db.status();
    if (!db.ok()) return counts;
    EXPECT_TRUE((*db)
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto r = tx.Query(
                          "SELECT (SELECT COUNT(*) FROM outbox WHERE "
                          "delivered_at_us IS NOT NULL), (SELECT COUNT(*) "
                          "FROM outbox WHERE delivered_at_us IS NULL)");
                      if (!r.ok()) return r.status();
                      counts = {(*r)[0].Int(0), (*r)[0].Int(1)};
                      return absl::OkStatus();
                    })
                    .ok());
    return counts;
  };
  ASSERT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
  intake_.reset();
  const auto before = outbox();
  EXPECT_EQ(before.first, 1) << "the referral handed to triage";
  EXPECT_EQ(before.second, 1) << "the event for notify, which is not running";

  // Six days on: kept. Eight: purged, at the service's start.
  const auto restart_and_purge = [&](absl::Duration later) {
    clock_.Advance(later);
    auto restarted = intake::IntakeServer::Start(intake_config_, clock_);
    ASSERT_TRUE(restarted.ok()) << restarted.status();
    intake_ = *std::move(restarted);
    // The purge runs on its own thread as the service starts: once it has
    // run, the metrics say how long past its date the oldest row is.
    const absl::Time give_up = absl::Now() + kSettle;
    std::string metrics;
    while (absl::Now() < give_up) {
      auto m = testing::HttpGet(intake_->metrics_port(), "/metrics");
      metrics = m.ok() ? m->body : "";
      if (absl::StrContains(
              metrics,
              "frontdoor_retention_overdue_seconds{record=\"outbox_delivered\"} 0")) {
        break;
      }
      absl::SleepFor(kPoll);  // a bounded poll of the purge thread
    }
    ASSERT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    intake_.reset();
  };
  restart_and_purge(absl::Hours(24 * 6));
  EXPECT_EQ(outbox(), before);
  restart_and_purge(absl::Hours(24 * 2));
  EXPECT_EQ(outbox(), std::make_pair(int64_t{0}, int64_t{1}));
}

}  // namespace
}  // namespace frontdoor
