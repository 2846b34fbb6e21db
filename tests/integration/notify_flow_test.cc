// The whole suite in process, over real mTLS with real SQLite: intake-svc,
// triage-svc, allocation-svc and notify-svc, each relaying to the next, a
// pull partner holding Subscribe streams and a push partner (the IDVA
// service) running the sample partner inbox. The services share one fake
// clock, which drives the push retries and the dead-letter window.
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "absl/synchronization/mutex.h"
#include "allocation-svc/allocation_server.h"
#include "common/server/server_options.h"
#include "intake-svc/validation.h"
#include "common/crypto/key_ring.h"
#include "common/tls/credentials.h"
#include "common/status/grpc_status.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/common/v1/data_rights.grpc.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/notify/v1/notify_service.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_server.h"
#include "notify-svc/notify_server.h"
#include "tests/testing/examples.h"
#include "tests/testing/captured_log.h"
#include "tests/testing/raw_call.h"
#include "tests/testing/http_get.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
#include "tests/testing/triage_calls.h"
#include "tests/unit/triage/rules_fixture.h"
#include "tools/partner-inbox/partner_inbox.h"
#include "tests/testing/web_browser.h"
#include "triage-svc/triage_server.h"
#include "web-svc/professional_referral.h"
#include "web-svc/web_server.h"

namespace frontdoor {
namespace {

using common::v1::Referral;
using notify::v1::Delivery;
using notify::v1::Notification;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());
constexpr absl::Duration kSettle = absl::Seconds(30);
constexpr absl::Duration kPoll = absl::Milliseconds(20);
// How long a stream must stay quiet to count as "nothing more".
constexpr absl::Duration kQuiet = absl::Milliseconds(1500);
constexpr int kDeadLetterAfterSeconds = 3600;

void Prepare(grpc::ClientContext& ctx) { testing::PrepareCall(ctx); }

std::vector<Notification> About(const std::vector<Delivery>& deliveries,
                                const std::string& reference);

std::string Source(const std::string& file) { return testing::ConfigFile(file); }

// A Subscribe stream held open by a reader thread.
class Subscription {
 public:
  Subscription(int port, const std::string& agency,
               std::optional<int64_t> after = std::nullopt) {
    stub_ = notify::v1::NotifyService::NewStub(
        *testing::MakeMtlsChannel(port, agency));
    context_.AddMetadata("frontdoor-actor", "Test Person");
    notify::v1::SubscribeRequest request;
    if (after.has_value()) request.set_after_position(*after);
    reader_ = stub_->Subscribe(&context_, request);
    thread_ = std::thread([this] {
      Delivery d;
      while (reader_->Read(&d)) {
        absl::MutexLock lock(&mu_);
        received_.push_back(d);
      }
      grpc::Status status = reader_->Finish();
      absl::MutexLock lock(&mu_);
      status_ = status;
    });
  }
  ~Subscription() { Close(); }

  void Close() {
    if (!thread_.joinable()) return;
    context_.TryCancel();
    thread_.join();
  }

  // The next delivery, or nullopt after `wait`.
  std::optional<Delivery> Next(absl::Duration wait = kSettle) {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return !received_.empty() || status_.has_value();
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
    if (received_.empty()) return std::nullopt;
    Delivery d = received_.front();
    received_.pop_front();
    return d;
  }

  // Deliveries until the stream stays quiet for kQuiet.
  std::vector<Delivery> Drain() {
    std::vector<Delivery> out;
    while (std::optional<Delivery> d = Next(kQuiet)) out.push_back(*d);
    return out;
  }

  // The stream's end status once it has ended (or nullopt after `wait`).
  std::optional<grpc::Status> Ended(absl::Duration wait = kSettle) {
    absl::MutexLock lock(&mu_);
    auto ended = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return status_.has_value();
    };
    mu_.AwaitWithTimeout(absl::Condition(&ended), wait);
    return status_;
  }

 private:
  std::unique_ptr<notify::v1::NotifyService::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<Delivery>> reader_;
  std::thread thread_;
  absl::Mutex mu_;
  std::deque<Delivery> received_ ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> status_ ABSL_GUARDED_BY(mu_);
};

// The sample partner inbox as the IDVA service runs it.
class PushPartner {
 public:
  explicit PushPartner(int port = 0)
      : inbox_(partner::kNotifyIdentity, [this](const Notification& n) {
          received_.push_back(n);  // Under the inbox's lock.
        }) {
    Start(port);
  }
  ~PushPartner() { Stop(); }

  void Start(int port) {
    auto credentials =
        tls::MakeServerCredentials(testing::PkiFiles("frontdoor-idva"));
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(absl::StrCat("127.0.0.1:", port), *credentials,
                             &port_);
    builder.RegisterService(&inbox_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void Stop() {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now());
    server_.reset();
  }
  int port() const { return port_; }
  partner::SamplePartnerInbox& inbox() { return inbox_; }
  // The n-th new notification taken (inbox order).
  std::vector<Notification> received() {
    // received_ is appended under the inbox's lock; reading the count
    // through the inbox orders this read after those appends.
    const int64_t n = inbox_.accepted();
    return std::vector<Notification>(received_.begin(),
                                     received_.begin() + n);
  }

 private:
  partner::SamplePartnerInbox inbox_;
  std::vector<Notification> received_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

class NotifyFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshServiceDir("notify-flow");

    idva_ = std::make_unique<PushPartner>();
    // The IDVA service takes its cases by push, to the partner inbox.
    std::ifstream in(Source("notify-rules.json"));
    std::stringstream rules;
    rules << in.rdbuf();
    std::string text = rules.str();
    const std::string pull =
        "\"agencyId\": \"frontdoor-idva\", \"kind\": "
        "\"RECIPIENT_KIND_IDVA_SERVICE\", \"mode\": \"DELIVERY_MODE_PULL\"";
    ASSERT_NE(text.find(pull), std::string::npos);
    text.replace(text.find(pull), pull.size(),
                 absl::StrCat("\"agencyId\": \"frontdoor-idva\", \"kind\": "
                              "\"RECIPIENT_KIND_IDVA_SERVICE\", \"mode\": "
                              "\"DELIVERY_MODE_PUSH\", \"pushTarget\": "
                              "\"localhost:",
                              idva_->port(), "\""));
    std::ofstream(dir_ / "notify-rules.json") << text;

    const auto to = testing::PointAt;

    config::v1::NotifyConfig n = testing::NotifyConfigIn(dir_);
    n.set_rules_file((dir_ / "notify-rules.json").string());
    n.mutable_push()->set_initial_backoff_ms(1000);
    n.mutable_push()->set_max_backoff_ms(10000);
    n.mutable_push()->set_dead_letter_after_seconds(kDeadLetterAfterSeconds);
    n.mutable_push()->set_deadline_ms(2000);
    auto notify = notify::NotifyServer::Start(n, clock_);
    ASSERT_TRUE(notify.ok()) << notify.status();
    notify_ = *std::move(notify);

    config::v1::AllocationConfig a = testing::AllocationConfigIn(dir_);
    to(a.mutable_notify(), notify_->api_port());
    auto allocation = allocation::AllocationServer::Start(a, clock_);
    ASSERT_TRUE(allocation.ok()) << allocation.status();
    allocation_ = *std::move(allocation);

    config::v1::TriageConfig t = testing::TriageConfigIn(dir_);
    to(t.mutable_allocation(), allocation_->api_port());
    to(t.mutable_notify(), notify_->api_port());
    auto triage = triage::TriageServer::Start(t, clock_);
    ASSERT_TRUE(triage.ok()) << triage.status();
    triage_ = *std::move(triage);

    config::v1::IntakeConfig i = testing::IntakeConfigIn(dir_);
    to(i.mutable_triage(), triage_->api_port());
    to(i.mutable_notify(), notify_->api_port());
    auto intake = intake::IntakeServer::Start(i, clock_);
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);
  }

  void TearDown() override {
    if (intake_) EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    if (triage_) EXPECT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
    if (allocation_) EXPECT_TRUE(allocation_->Shutdown(absl::Seconds(5)).ok());
    if (notify_) EXPECT_TRUE(notify_->Shutdown(absl::Seconds(5)).ok());
    idva_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Submit(const std::string& agency, const Referral& referral,
                     const std::string& key) {
    return SubmitForReceipt(agency, referral, key).reference();
  }

  intake::v1::Receipt SubmitForReceipt(const std::string& agency,
                                       const Referral& referral,
                                       const std::string& key) {
    auto stub = intake::v1::IntakeService::NewStub(
        *testing::MakeMtlsChannel(intake_->api_port(), agency));
    grpc::ClientContext ctx;
    Prepare(ctx);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(key);
    *req.mutable_referral() = referral;
    intake::v1::SubmitReferralResponse resp;
    grpc::Status s = stub->SubmitReferral(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.receipt();
  }

  // A referral with a complete DASH of `yes` "yes" answers, for the subject
  // born on `dob_day` of the example's month.
  Referral WithDash(int dob_day, int yes) {
    Referral r = HighRisk(dob_day);
    common::v1::RiskAssessment* a = r.mutable_risk_assessment();
    a->clear_answers();
    a->clear_police_callouts_past_12_months();  // no escalation flag
    triage::testing::FillChecklist(24, yes, a->mutable_answers());
    return r;
  }

  // The MARAC alert the hub gets about `reference`, or nullopt.
  std::optional<notify::v1::MaracAlert> HubAlert(Subscription& hub,
                                                 const std::string& reference) {
    for (const Notification& n : About(hub.Drain(), reference)) {
      if (n.has_marac_alert()) return n.marac_alert();
    }
    return std::nullopt;
  }

  Referral HighRisk(int dob_day) {
    Referral r = testing::ExampleReferral("high-risk-dash.json");
    r.mutable_subject()->mutable_date_of_birth()->set_day(dob_day);
    return r;
  }

  std::unique_ptr<notify::v1::NotifyService::Stub> NotifyAs(
      const std::string& agency) {
    return notify::v1::NotifyService::NewStub(
        *testing::MakeMtlsChannel(notify_->api_port(), agency));
  }

  grpc::Status Ack(const std::string& agency, int64_t position) {
    grpc::ClientContext ctx;
    Prepare(ctx);
    notify::v1::AckRequest req;
    req.set_position(position);
    notify::v1::AckResponse resp;
    return NotifyAs(agency)->Ack(&ctx, req, &resp);
  }

  // The notify metric `series`, 0 when absent.
  double Metric(const std::string& series) {
    auto page = testing::HttpGet(notify_->metrics_port(), "/metrics");
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) return -1;
    return testing::FindSample(page->body, series).value_or(0);
  }

  // Waits until `series` reaches at least `value`.
  bool AwaitMetric(const std::string& series, double value) {
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      if (Metric(series) >= value) return true;
      absl::SleepFor(kPoll * 5);
    }
    ADD_FAILURE() << series << " never reached " << value;
    return false;
  }

  // As AwaitMetric, moving the shared clock on by `step` between looks, so
  // that retries backing off come due (a channel reconnecting to a
  // restarted partner takes real time, and fails attempts meanwhile).
  bool AwaitMetricAdvancing(const std::string& series, double value,
                            absl::Duration step) {
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      if (Metric(series) >= value) return true;
      clock_.Advance(step);
      absl::SleepFor(kPoll * 10);
    }
    ADD_FAILURE() << series << " never reached " << value;
    return false;
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<PushPartner> idva_;
  std::unique_ptr<notify::NotifyServer> notify_;
  std::unique_ptr<allocation::AllocationServer> allocation_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<intake::IntakeServer> intake_;
};

// Every notification's body for `reference` on a stream, by body case.
std::vector<Notification> About(const std::vector<Delivery>& deliveries,
                                const std::string& reference) {
  std::vector<Notification> out;
  for (const Delivery& d : deliveries) {
    const Notification& n = d.notification();
    const std::string ref =
        n.has_referrer_update()               ? n.referrer_update().reference()
        : n.has_marac_alert()                 ? n.marac_alert().reference()
        : n.has_idva_case()                   ? n.idva_case().reference()
        : n.has_childrens_social_care_alert() ? n.childrens_social_care_alert().reference()
        : n.has_mace_alert()                  ? n.mace_alert().reference()
        : n.has_young_person_case()           ? n.young_person_case().reference()
        : n.has_matac_alert()                 ? n.matac_alert().reference()
                                              : "";
    if (ref == reference) out.push_back(n);
  }
  return out;
}

TEST_F(NotifyFlowTest, HighRiskPoliceReferralReachesReferrerHubAndIdva) {
  Subscription police(notify_->api_port(), "staffs-police");
  Subscription hub(notify_->api_port(), "staffs-police-hub");
  Subscription health(notify_->api_port(), "uhnm-health");
  const std::string ref = Submit("staffs-police", HighRisk(1), "high-1");

  // The police agency's own stream: acknowledged, then allocated.
  std::optional<Delivery> ack = police.Next();
  ASSERT_TRUE(ack.has_value());
  ASSERT_TRUE(ack->notification().has_referrer_update());
  const notify::v1::ReferrerUpdate& update =
      ack->notification().referrer_update();
  EXPECT_EQ(update.reference(), ref);
  EXPECT_EQ(update.status(), notify::v1::ReferrerUpdate::STATUS_ACCEPTED);
  EXPECT_EQ(ack->notification().recipient_kind(),
            notify::v1::RECIPIENT_KIND_REFERRER);

  // The hub's stream: a MARAC alert with the risk summary and flags.
  std::optional<Delivery> alert = hub.Next();
  ASSERT_TRUE(alert.has_value());
  ASSERT_TRUE(alert->notification().has_marac_alert());
  const notify::v1::MaracAlert& marac = alert->notification().marac_alert();
  EXPECT_EQ(marac.reference(), ref);
  EXPECT_EQ(marac.risk_level(), common::v1::RISK_LEVEL_HIGH);
  EXPECT_TRUE(marac.flags().visible_high_risk());
  EXPECT_GE(marac.dash_score(), 14);
  EXPECT_EQ(marac.referring_agency(), "staffs-police");

  // The IDVA service, by push: the case with safe contact details only.
  const absl::Time give_up = absl::Now() + kSettle;
  while (idva_->inbox().accepted() < 1 && absl::Now() < give_up) {
    absl::SleepFor(kPoll);
  }
  std::vector<Notification> idva = idva_->received();
  ASSERT_THAT(idva, SizeIs(1));
  ASSERT_TRUE(idva[0].has_idva_case());
  EXPECT_EQ(idva[0].idva_case().reference(), ref);
  EXPECT_EQ(idva[0].idva_case().contact().phone(),
            HighRisk(1).subject().contact().phone());

  // Nothing else for the hub, and nothing at all for another referrer.
  EXPECT_THAT(hub.Drain(), IsEmpty());
  EXPECT_THAT(About(health.Drain(), ref), IsEmpty());

  // The referrer's timeline: only ReferrerUpdates, for the police only.
  std::vector<Delivery> later = police.Drain();
  ASSERT_FALSE(later.empty());
  EXPECT_EQ(later.back().notification().referrer_update().status(),
            notify::v1::ReferrerUpdate::STATUS_ALLOCATED);
  grpc::ClientContext ctx;
  Prepare(ctx);
  notify::v1::ListUpdatesRequest req;
  req.set_reference(ref);
  notify::v1::ListUpdatesResponse timeline;
  ASSERT_TRUE(NotifyAs("staffs-police")->ListUpdates(&ctx, req, &timeline).ok());
  ASSERT_EQ(timeline.updates_size(), 1 + static_cast<int>(later.size()));
  EXPECT_EQ(timeline.updates(0).id(), ack->notification().id());
  for (const Notification& n : timeline.updates()) {
    EXPECT_TRUE(n.has_referrer_update()) << n.ShortDebugString();
  }
  grpc::ClientContext other_ctx;
  Prepare(other_ctx);
  notify::v1::ListUpdatesResponse other;
  grpc::Status refused =
      NotifyAs("uhnm-health")->ListUpdates(&other_ctx, req, &other);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(other.updates_size(), 0);

  // A service identity and an unregistered agency hold no subscription.
  for (const char* who : {"intake-svc", "frontdoor-operations"}) {
    Subscription refused_stream(notify_->api_port(), who);
    std::optional<grpc::Status> end = refused_stream.Ended();
    ASSERT_TRUE(end.has_value()) << who;
    EXPECT_EQ(end->error_code(), grpc::StatusCode::PERMISSION_DENIED) << who;
  }
  Subscription unregistered(notify_->api_port(), "unregistered-agency");
  std::optional<grpc::Status> end = unregistered.Ended();
  ASSERT_TRUE(end.has_value());
  EXPECT_NE(end->error_code(), grpc::StatusCode::OK);
  // One partner cannot acknowledge another's notification either.
  EXPECT_EQ(Ack("uhnm-health", alert->position()).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Metrics: what was recorded, streams open, pushes delivered.
  EXPECT_EQ(Metric("frontdoor_notify_notifications_total{event=\"high_risk\","
                   "recipient_kind=\"marac_hub\"}"),
            1);
  EXPECT_EQ(Metric("frontdoor_notify_open_subscriptions{recipient="
                   "\"staffs-police-hub\"}"),
            1);
  EXPECT_EQ(Metric("frontdoor_notify_delivered_total{recipient="
                   "\"frontdoor-idva\"}"),
            1);
  // The hub has not acknowledged its alert yet.
  EXPECT_EQ(Metric("frontdoor_notify_undelivered{recipient="
                   "\"staffs-police-hub\"}"),
            1);
  ASSERT_TRUE(Ack("staffs-police-hub", alert->position()).ok());
  EXPECT_EQ(Metric("frontdoor_notify_undelivered{recipient="
                   "\"staffs-police-hub\"}"),
            0);
}

// `n` four-byte characters: the most bytes a field of n characters holds.
std::string Widest(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += "\xF0\x9F\x8C\xBB";  // U+1F33B
  return out;
}

// The largest referral intake accepts, as far as its limits go: every free
// text at its maximum in four-byte characters, the most children, and a
// DASH comment at its maximum on every answer.
Referral LargestAccepted(Referral r) {
  r.mutable_referrer()->set_name(Widest(intake::kMaxNameChars));
  r.mutable_referrer()->set_role(Widest(intake::kMaxRoleChars));
  common::v1::Subject* subject = r.mutable_subject();
  subject->mutable_name()->set_given_names(Widest(intake::kMaxNameChars));
  subject->mutable_name()->set_family_name(Widest(intake::kMaxNameChars));
  subject->set_gender(Widest(intake::kMaxGenderChars));
  subject->mutable_contact()->set_safe_times(Widest(intake::kMaxSafeTimesChars));
  common::v1::Address* address = subject->mutable_address();
  address->clear_lines();
  for (int i = 0; i < intake::kMaxAddressLines; ++i) {
    address->add_lines(Widest(intake::kMaxAddressLineChars));
  }
  address->set_town(Widest(intake::kMaxTownChars));
  subject->clear_specialist_needs();
  for (int n = 1; n <= intake::kMaxSpecialistNeeds; ++n) {
    subject->add_specialist_needs(static_cast<common::v1::SpecialistNeed>(n));
  }
  r.mutable_other_party()->mutable_name()->set_given_names(
      Widest(intake::kMaxNameChars));
  r.mutable_other_party()->mutable_name()->set_family_name(
      Widest(intake::kMaxNameChars));
  r.clear_children();
  for (int i = 0; i < intake::kMaxChildren; ++i) {
    common::v1::Child* child = r.add_children();
    child->mutable_name()->set_given_names(Widest(intake::kMaxNameChars));
    child->mutable_name()->set_family_name(Widest(intake::kMaxNameChars));
    child->mutable_date_of_birth()->set_year(2016);
    child->mutable_date_of_birth()->set_month(1 + i % 12);
    child->mutable_date_of_birth()->set_day(1 + i);
  }
  r.set_concerns(Widest(intake::kMaxConcernsChars));
  for (common::v1::DashAnswer& answer :
       *r.mutable_risk_assessment()->mutable_answers()) {
    answer.set_comment(Widest(intake::kMaxCommentChars));
  }
  return r;
}

// The largest referral intake accepts is decided, allocated and notified:
// every hop takes what the service before it makes of it.
TEST_F(NotifyFlowTest, LargestAcceptedReferralFitsEveryHop) {
  Subscription police(notify_->api_port(), "staffs-police");
  Subscription hub(notify_->api_port(), "staffs-police-hub");
  const Referral largest = LargestAccepted(HighRisk(2));
  ASSERT_GT(largest.ByteSizeLong(), size_t{256 * 1024});
  // Validation, not the transport, bounds a referral.
  EXPECT_LT(largest.ByteSizeLong(),
            static_cast<size_t>(server::kMaxPartnerRequestBytes) / 4);
  RecordProperty("largest_referral_bytes",
                 static_cast<int>(largest.ByteSizeLong()));
  const std::string ref = Submit("staffs-police", largest, "largest-1");
  ASSERT_FALSE(ref.empty());

  std::optional<Delivery> alert = hub.Next();
  ASSERT_TRUE(alert.has_value());
  ASSERT_TRUE(alert->notification().has_marac_alert());
  EXPECT_EQ(alert->notification().marac_alert().reference(), ref);
  EXPECT_EQ(alert->notification().marac_alert().risk_level(),
            common::v1::RISK_LEVEL_HIGH);

  constexpr int kMostUpdates = 10;
  bool allocated = false;
  for (int i = 0; i < kMostUpdates && !allocated; ++i) {
    std::optional<Delivery> d = police.Next();
    if (!d.has_value()) break;
    allocated = d->notification().has_referrer_update() &&
                d->notification().referrer_update().reference() == ref &&
                d->notification().referrer_update().status() ==
                    notify::v1::ReferrerUpdate::STATUS_ALLOCATED;
  }
  EXPECT_TRUE(allocated);
}

TEST_F(NotifyFlowTest, StandardRiskHealthReferralGivesNoMaracAlert) {
  Subscription hub(notify_->api_port(), "staffs-police-hub");
  Subscription health(notify_->api_port(), "uhnm-health");
  Referral standard = testing::ExampleReferral("adult-victim.json");
  *standard.mutable_risk_assessment() = triage::testing::Dash(5);
  const std::string ref = Submit("uhnm-health", standard, "standard-1");
  std::optional<Delivery> ack = health.Next();
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->notification().referrer_update().reference(), ref);
  // The referral has been triaged (and allocated) by the time the health
  // agency hears it was placed; still nothing for the hub.
  bool placed = false;
  for (const Delivery& d : health.Drain()) {
    placed = placed || d.notification().referrer_update().status() ==
                           notify::v1::ReferrerUpdate::STATUS_ALLOCATED;
  }
  EXPECT_TRUE(placed);
  EXPECT_THAT(hub.Drain(), IsEmpty());
  EXPECT_EQ(idva_->inbox().accepted(), 0);
}

TEST_F(NotifyFlowTest, ChildReferralNotifiesChildrensSocialCare) {
  Subscription csc(notify_->api_port(), "staffs-childrens-social-care");
  Subscription stoke(notify_->api_port(), "stoke-childrens-social-care");
  const std::string ref = Submit(
      "staffs-police", testing::ExampleReferral("child-victim.json"), "child");
  // A practitioner assesses the child (children's front door).
  auto staff = triage::v1::TriageService::NewStub(
      *testing::MakeMtlsChannel(triage_->api_port(), "frontdoor-helpline"));
  triage::v1::SubmitAssessmentRequest req;
  req.set_reference(ref);
  *req.mutable_child() = triage::testing::ChildAnswers("witnessed-violence");
  triage::v1::Decision d;
  grpc::Status s = testing::SubmitAssessmentWhenQueued(*staff, req, &d, kSettle);
  ASSERT_TRUE(s.ok()) << s.error_message();

  std::optional<Delivery> alert = csc.Next();
  ASSERT_TRUE(alert.has_value());
  ASSERT_TRUE(alert->notification().has_childrens_social_care_alert());
  const notify::v1::ChildrensSocialCareAlert& a =
      alert->notification().childrens_social_care_alert();
  EXPECT_EQ(a.reference(), ref);
  EXPECT_EQ(a.district(), "tamworth");
  EXPECT_EQ(a.subject_child().name().given_names(), "Leo");
  // The city's children's social care covers Stoke-on-Trent only.
  EXPECT_THAT(About(stoke.Drain(), ref), IsEmpty());
}

// A school's secure email keyed by the helpline: the child was sent
// straight to behaviour change, so the referral is returned, and the return
// notice goes to the school that made the referral, not to the helpline
// that keyed it.
TEST_F(NotifyFlowTest, ReturnNoticeOfAKeyedReferralReachesTheAgencyThatMadeIt) {
  Subscription school(notify_->api_port(), "oakfield-academy");
  Subscription helpline(notify_->api_port(), "frontdoor-helpline");
  Referral r = testing::ExampleReferral("child-to-behaviour-change.json");
  r.set_channel(common::v1::CHANNEL_SECURE_EMAIL);
  r.mutable_referrer()->set_on_behalf_of_agency("oakfield-academy");
  r.mutable_referrer()->set_agency_case_reference("OA-DSL-0207");

  auto intake = intake::v1::IntakeService::NewStub(
      *testing::MakeMtlsChannel(intake_->api_port(), "frontdoor-helpline"));
  grpc::ClientContext ctx;
  Prepare(ctx);
  intake::v1::SubmitReferralRequest req;
  req.set_idempotency_key("email-oakfield-1");
  *req.mutable_referral() = r;
  intake::v1::SubmitReferralResponse resp;
  grpc::Status s = intake->SubmitReferral(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string ref = resp.receipt().reference();
  EXPECT_EQ(resp.receipt().status(), intake::v1::REFERRAL_STATUS_RETURNED);

  // The school's stream: the return notice, with the reason and the
  // school's own case reference.
  std::optional<Delivery> notice = school.Next();
  ASSERT_TRUE(notice.has_value());
  ASSERT_TRUE(notice->notification().has_referrer_update());
  const notify::v1::ReferrerUpdate& update =
      notice->notification().referrer_update();
  EXPECT_EQ(update.reference(), ref);
  EXPECT_EQ(update.status(), notify::v1::ReferrerUpdate::STATUS_RETURNED);
  EXPECT_EQ(update.agency_case_reference(), "OA-DSL-0207");
  ASSERT_EQ(update.return_reasons_size(), 1);
  EXPECT_THAT(update.return_reasons(0),
              ::testing::HasSubstr("CHILD_REFERRED_TO_BEHAVIOUR_CHANGE"));
  EXPECT_EQ(notice->notification().recipient_kind(),
            notify::v1::RECIPIENT_KIND_REFERRER);

  // The school's timeline has it; the helpline has nothing about it.
  notify::v1::ListUpdatesRequest list;
  list.set_reference(ref);
  {
    grpc::ClientContext c;
    Prepare(c);
    notify::v1::ListUpdatesResponse timeline;
    ASSERT_TRUE(
        NotifyAs("oakfield-academy")->ListUpdates(&c, list, &timeline).ok());
    ASSERT_EQ(timeline.updates_size(), 1);
    EXPECT_EQ(timeline.updates(0).id(), notice->notification().id());
  }
  {
    grpc::ClientContext c;
    Prepare(c);
    notify::v1::ListUpdatesResponse none;
    EXPECT_EQ(NotifyAs("frontdoor-helpline")
                  ->ListUpdates(&c, list, &none)
                  .error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_THAT(About(helpline.Drain(), ref), IsEmpty());
  EXPECT_THAT(About(school.Drain(), ref), IsEmpty());  // Nothing more.
}

TEST_F(NotifyFlowTest, ReconnectingPartnerGetsEverythingItMissedOnceEach) {
  int64_t acked = 0;
  {
    Subscription hub(notify_->api_port(), "staffs-police-hub");
    Submit("staffs-police", HighRisk(1), "r-1");
    std::optional<Delivery> first = hub.Next();
    ASSERT_TRUE(first.has_value());
    acked = first->position();
    ASSERT_TRUE(Ack("staffs-police-hub", acked).ok());
  }  // Disconnected.
  std::vector<std::string> missed;
  for (int i = 2; i <= 4; ++i) {
    missed.push_back(
        Submit("staffs-police", HighRisk(i), absl::StrCat("r-", i)));
  }
  // Wait until notify has all three before reconnecting.
  ASSERT_TRUE(AwaitMetric(
      "frontdoor_notify_notifications_total{event=\"high_risk\","
      "recipient_kind=\"marac_hub\"}",
      4));

  Subscription again(notify_->api_port(), "staffs-police-hub");
  std::vector<Delivery> got = again.Drain();
  ASSERT_THAT(got, SizeIs(3));
  std::set<std::string> ids;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_GT(got[i].position(), acked);
    EXPECT_EQ(got[i].notification().marac_alert().reference(), missed[i]);
    ids.insert(got[i].notification().id());
  }
  EXPECT_THAT(ids, SizeIs(3));
  // Acknowledging never moves back.
  ASSERT_TRUE(Ack("staffs-police-hub", got.back().position()).ok());
  ASSERT_TRUE(Ack("staffs-police-hub", acked).ok());
  {
    Subscription after_ack(notify_->api_port(), "staffs-police-hub");
    EXPECT_THAT(after_ack.Drain(), IsEmpty());
  }
  // From a given cursor: all four again, with the same ids.
  Subscription replay(notify_->api_port(), "staffs-police-hub", 0);
  std::vector<Delivery> all = replay.Drain();
  ASSERT_THAT(all, SizeIs(4));
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_EQ(all[i].notification().id(), got[i - 1].notification().id());
  }
}

TEST_F(NotifyFlowTest, PushPartnerDownRetriesThenDeadLettersAndReplays) {
  const std::string idva_series = "{recipient=\"frontdoor-idva\"}";
  // Down for less than the window: everything arrives after recovery.
  const int port = idva_->port();
  idva_->Stop();
  const std::string first = Submit("staffs-police", HighRisk(1), "p-1");
  ASSERT_TRUE(
      AwaitMetric("frontdoor_notify_retries_total" + idva_series, 1));
  for (int minute = 1; minute <= 5; ++minute) {
    clock_.Advance(absl::Minutes(1));
    ASSERT_TRUE(AwaitMetric("frontdoor_notify_retries_total" + idva_series,
                            1 + minute));
  }
  idva_->Start(port);
  ASSERT_TRUE(AwaitMetricAdvancing(
      "frontdoor_notify_delivered_total" + idva_series, 1, absl::Seconds(10)));
  EXPECT_EQ(Metric("frontdoor_notify_dead_lettered_total" + idva_series), 0);
  ASSERT_THAT(idva_->received(), SizeIs(1));
  EXPECT_EQ(idva_->received()[0].idva_case().reference(), first);

  // Down past the window: dead-lettered, counted, kept.
  idva_->inbox().SetAvailable(false);
  const absl::Time second_at = clock_.Now();
  const std::string second = Submit("staffs-police", HighRisk(2), "p-2");
  const double retries =
      Metric("frontdoor_notify_retries_total" + idva_series);
  ASSERT_TRUE(AwaitMetric("frontdoor_notify_retries_total" + idva_series,
                          retries + 1));
  ASSERT_TRUE(AwaitMetricAdvancing(
      "frontdoor_notify_dead_lettered_total" + idva_series, 1,
      absl::Minutes(2)));
  // Not before the window had passed.
  EXPECT_GE(clock_.Now() - second_at, absl::Seconds(kDeadLetterAfterSeconds));
  EXPECT_EQ(Metric("frontdoor_notify_dead_letters" + idva_series), 1);
  EXPECT_EQ(Metric("frontdoor_notify_undelivered" + idva_series), 0);
  // Recovery alone does not bring it back...
  idva_->inbox().SetAvailable(true);
  clock_.Advance(absl::Hours(1));
  absl::SleepFor(absl::Seconds(2));
  EXPECT_THAT(idva_->received(), SizeIs(1));

  // ...an operator's replay does; a partner may not replay.
  notify::v1::ReplayDeadLettersRequest req;
  req.set_recipient_agency("frontdoor-idva");
  notify::v1::ReplayDeadLettersResponse resp;
  {
    grpc::ClientContext ctx;
    Prepare(ctx);
    EXPECT_EQ(NotifyAs("staffs-police-hub")
                  ->ReplayDeadLetters(&ctx, req, &resp)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    Prepare(ctx);
    notify::v1::ReplayDeadLettersRequest unknown;
    unknown.set_recipient_agency("staffs-police-hub");  // Pull, not push.
    EXPECT_EQ(NotifyAs("frontdoor-operations")
                  ->ReplayDeadLetters(&ctx, unknown, &resp)
                  .error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  grpc::ClientContext ctx;
  Prepare(ctx);
  ASSERT_TRUE(
      NotifyAs("frontdoor-operations")->ReplayDeadLetters(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.replayed(), 1);
  ASSERT_TRUE(AwaitMetric("frontdoor_notify_delivered_total" + idva_series, 2));
  std::vector<Notification> received = idva_->received();
  ASSERT_THAT(received, SizeIs(2));
  EXPECT_EQ(received[1].idva_case().reference(), second);
  EXPECT_EQ(idva_->inbox().duplicates(), 0);
  EXPECT_EQ(Metric("frontdoor_notify_dead_letters" + idva_series), 0);
}

// ---- Decisions through the whole suite (issue: decisions right in every
// case) --------------------------------------------------------------------

// Subject born on `dob_day`; the suspect (the other party) named `given`
// `family`.
Referral AboutSuspect(Referral r, const std::string& given,
                      const std::string& family) {
  r.mutable_other_party()->mutable_name()->set_given_names(given);
  r.mutable_other_party()->mutable_name()->set_family_name(family);
  return r;
}

TEST_F(NotifyFlowTest, MatacIsToldAtTheSecondDistinctVictimWithinThreeYears) {
  Subscription matac(notify_->api_port(), "staffs-matac");
  const std::string first = Submit(
      "staffs-police", AboutSuspect(WithDash(1, 3), "Ryan", "Hart"), "v1");
  // The same victim again: one victim referred twice is not a series.
  Submit("staffs-police", AboutSuspect(WithDash(1, 4), "Ryan", "Hart"), "v1b");
  EXPECT_THAT(matac.Drain(), IsEmpty());
  // A second victim, the suspect written with a zero-width space and in
  // capitals: the same person.
  const std::string second = Submit(
      "staffs-police",
      AboutSuspect(WithDash(2, 3), "RYAN", "Ha\u200Brt"), "v2");
  std::optional<Delivery> alert = matac.Next();
  ASSERT_TRUE(alert.has_value());
  ASSERT_TRUE(alert->notification().has_matac_alert());
  const notify::v1::MatacAlert& a = alert->notification().matac_alert();
  EXPECT_EQ(alert->notification().event(),
            notify::v1::EVENT_KIND_SERIAL_PERPETRATOR);
  EXPECT_EQ(a.reference(), second);
  EXPECT_EQ(a.distinct_victims(), 2);
  EXPECT_EQ(a.window_months(), 36);
  ASSERT_GE(a.related_references_size(), 2);
  EXPECT_EQ(a.related_references(0), first);
  EXPECT_EQ(a.related_references(a.related_references_size() - 1), second);
  EXPECT_EQ(a.suspect_name().given_names(), "RYAN");
  // Nothing of a victim reaches MATAC.
  const std::string bytes = alert->notification().SerializeAsString();
  EXPECT_EQ(bytes.find("Kowalski"), std::string::npos);
  EXPECT_EQ(bytes.find(HighRisk(1).subject().contact().phone()),
            std::string::npos);
  // The second victim referred again: no new victim, no new alert.
  Submit("staffs-police", AboutSuspect(WithDash(2, 5), "Ryan", "Hart"), "v2b");
  EXPECT_THAT(matac.Drain(), IsEmpty());
}

TEST_F(NotifyFlowTest, NoMatacForTwoVictimsMoreThanThreeYearsApart) {
  Subscription matac(notify_->api_port(), "staffs-matac");
  Submit("staffs-police", AboutSuspect(WithDash(1, 3), "Ryan", "Hart"), "old");
  clock_.Advance(absl::Hours(24 * (3 * 365 + 2)));
  Submit("staffs-police", AboutSuspect(WithDash(2, 3), "Ryan", "Hart"), "new");
  EXPECT_THAT(matac.Drain(), IsEmpty());
  // The police know of a second victim within the window: that counts.
  Referral stated = AboutSuspect(WithDash(3, 3), "Ryan", "Hart");
  stated.set_suspect_known_victims(3);
  const std::string ref = Submit("staffs-police", stated, "stated");
  std::optional<Delivery> alert = matac.Next();
  ASSERT_TRUE(alert.has_value());
  EXPECT_EQ(alert->notification().matac_alert().reference(), ref);
  EXPECT_EQ(alert->notification().matac_alert().distinct_victims(), 3);
}

TEST_F(NotifyFlowTest, EachSpellingOfOnePersonIsARepeatAndAMaracRepeat) {
  Subscription hub(notify_->api_port(), "staffs-police-hub");
  struct Variant {
    const char* first_given;
    const char* first_family;
    const char* again_given;
    const char* again_family;
  };
  int day = 1;
  for (const Variant& v :
       {Variant{"Amir", "Rahman", "Amir", "Rah\u200Bman"},
        Variant{"Zo\u00E9", "Martin", "Zoe\u0301", "Martin"},
        Variant{"Amir", "Rahman", "\uFF21\uFF4D\uFF49\uFF52",
                "\uFF32\uFF41\uFF48\uFF4D\uFF41\uFF4E"},
        Variant{"Sean", "O'Brien", "Sean", "O\u2019Brien"}}) {
    SCOPED_TRACE(absl::StrCat(v.first_family, " / ", v.again_family));
    // A first referral at high risk goes to MARAC.
    Referral first = WithDash(day, 14);
    first.mutable_subject()->mutable_name()->set_given_names(v.first_given);
    first.mutable_subject()->mutable_name()->set_family_name(v.first_family);
    const std::string first_ref = Submit(
        "staffs-police", first, absl::StrCat("first-", day));
    ASSERT_TRUE(HubAlert(hub, first_ref).has_value());
    // The same person written otherwise, at standard risk: a repeat, and a
    // MARAC repeat within 12 months.
    Referral again = WithDash(day, 2);
    again.mutable_subject()->mutable_name()->set_given_names(v.again_given);
    again.mutable_subject()->mutable_name()->set_family_name(v.again_family);
    const intake::v1::Receipt receipt =
        SubmitForReceipt("staffs-police", again, absl::StrCat("again-", day));
    EXPECT_EQ(receipt.repeat(), intake::v1::REPEAT_STATUS_REPEAT);
    std::optional<notify::v1::MaracAlert> alert =
        HubAlert(hub, receipt.reference());
    ASSERT_TRUE(alert.has_value());
    EXPECT_TRUE(alert->flags().repeat());
    EXPECT_FALSE(alert->flags().visible_high_risk());
    ++day;
  }
}

TEST_F(NotifyFlowTest, AReportedMaracReferralWithinTwelveMonthsIsARepeat) {
  Subscription hub(notify_->api_port(), "staffs-police-hub");
  const auto reported = [&](int dob_day, int months_ago) {
    Referral r = WithDash(dob_day, 2);
    const absl::CivilDay today =
        absl::ToCivilDay(clock_.Now(), absl::UTCTimeZone());
    const absl::CivilDay then(today.year(), today.month() - months_ago,
                              today.day());
    google::type::Date* d =
        r.mutable_risk_assessment()->mutable_previous_marac_referral_date();
    d->set_year(static_cast<int32_t>(then.year()));
    d->set_month(then.month());
    d->set_day(then.day());
    return r;
  };
  const std::string eleven =
      Submit("staffs-police", reported(1, 11), "eleven-months");
  const std::string thirteen =
      Submit("staffs-police", reported(2, 13), "thirteen-months");
  std::optional<notify::v1::MaracAlert> alert = HubAlert(hub, eleven);
  ASSERT_TRUE(alert.has_value());
  EXPECT_TRUE(alert->flags().repeat());
  // Thirteen months ago is a new referral, at standard risk: no alert.
  std::vector<Delivery> rest = hub.Drain();
  EXPECT_THAT(About(rest, thirteen), IsEmpty());
}

TEST_F(NotifyFlowTest, TheHubSeesJudgementOnlyWhenItWasAsserted) {
  Subscription hub(notify_->api_port(), "staffs-police-hub");
  Referral judged = WithDash(1, 13);
  judged.mutable_risk_assessment()->set_professional_judgement_high_risk(true);
  judged.mutable_risk_assessment()->set_professional_judgement_reason(
      "Threats to kill since separation");
  const std::string judged_ref = Submit("staffs-police", judged, "judged");
  // A reason written at 14 "yes" answers, arguing for lower risk, asserts
  // nothing.
  Referral noted = WithDash(2, 14);
  noted.mutable_risk_assessment()->set_professional_judgement_reason(
      "Officer thinks the risk is lower than the score");
  const std::string noted_ref = Submit("staffs-police", noted, "noted");
  // 13 "yes" answers with only a reason: medium, no alert at all.
  Referral reason_only = WithDash(3, 13);
  reason_only.mutable_risk_assessment()->set_professional_judgement_reason(
      "Worried about the children");
  const std::string reason_ref = Submit("staffs-police", reason_only, "reason");

  std::vector<Delivery> all;
  for (int i = 0; i < 2; ++i) {
    std::optional<Delivery> d = hub.Next();
    ASSERT_TRUE(d.has_value());
    all.push_back(*d);
  }
  for (const Delivery& d : hub.Drain()) all.push_back(d);
  std::vector<Notification> j = About(all, judged_ref);
  ASSERT_THAT(j, SizeIs(1));
  EXPECT_TRUE(j[0].marac_alert().flags().professional_judgement());
  EXPECT_FALSE(j[0].marac_alert().flags().visible_high_risk());
  std::vector<Notification> n = About(all, noted_ref);
  ASSERT_THAT(n, SizeIs(1));
  EXPECT_FALSE(n[0].marac_alert().flags().professional_judgement());
  EXPECT_TRUE(n[0].marac_alert().flags().visible_high_risk());
  EXPECT_THAT(About(all, reason_ref), IsEmpty());
}

TEST_F(NotifyFlowTest, AHighRiskSixteenYearOldReachesTheYpvaNeverTheIdva) {
  Subscription ypva(notify_->api_port(), "frontdoor-ypva");
  Subscription hub(notify_->api_port(), "staffs-police-hub");
  Subscription csc(notify_->api_port(), "staffs-childrens-social-care");
  // The school's... here the police's referral of a 16-year-old, with the
  // young people's DASH attached (14 "yes"): no re-entry by staff.
  Referral r = testing::ExampleReferral("child-victim.json");
  const absl::CivilDay today =
      absl::ToCivilDay(clock_.Now(), absl::UTCTimeZone());
  r.mutable_subject()->mutable_date_of_birth()->set_year(
      static_cast<int32_t>(today.year() - 17));
  r.mutable_subject()->mutable_date_of_birth()->set_month(today.month());
  r.mutable_subject()->mutable_date_of_birth()->set_day(
      std::min(today.day() + 1, 28));
  common::v1::RiskAssessment* a = r.mutable_risk_assessment();
  a->Clear();
  a->set_form_version("safelives-yp-dash-24");
  triage::testing::FillChecklist(24, 14, a->mutable_answers());
  const std::string ref = Submit("staffs-police", r, "sixteen");

  auto staff = triage::v1::TriageService::NewStub(
      *testing::MakeMtlsChannel(triage_->api_port(), "frontdoor-helpline"));
  triage::v1::SubmitAssessmentRequest req;
  req.set_reference(ref);
  *req.mutable_child() = triage::testing::ChildAnswers("witnessed-violence");
  req.mutable_child()->clear_young_people_checklist();  // the attached one
  triage::v1::Decision d;
  grpc::Status s = testing::SubmitAssessmentWhenQueued(*staff, req, &d, kSettle);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(d.score(), 14);
  EXPECT_EQ(d.risk_level(), common::v1::RISK_LEVEL_HIGH);
  EXPECT_TRUE(d.recipients().ypva());
  EXPECT_FALSE(d.recipients().idva());

  std::optional<Delivery> young = ypva.Next();
  ASSERT_TRUE(young.has_value());
  ASSERT_TRUE(young->notification().has_young_person_case());
  EXPECT_EQ(young->notification().young_person_case().reference(), ref);
  EXPECT_EQ(young->notification().recipient_kind(),
            notify::v1::RECIPIENT_KIND_YPVA_SERVICE);
  EXPECT_TRUE(HubAlert(hub, ref).has_value());  // 13 to 17: MARAC
  EXPECT_FALSE(About(csc.Drain(), ref).empty());
  // Never the adult IDVA service (which takes its cases by push here).
  for (const Notification& n : idva_->received()) {
    EXPECT_NE(n.idva_case().reference(), ref);
  }
  EXPECT_EQ(Metric("frontdoor_notify_notifications_total{event=\"high_risk\","
                   "recipient_kind=\"idva_service\"}"),
            0);
}

// Invalid UTF-8 in a nested string of allocation's event: refused naming
// the field, every log line JSON.
TEST_F(NotifyFlowTest, InvalidUtf8IsRefusedNamingTheField) {
  testing::ScopedCapturedLog log;
  auto channel =
      testing::MakeMtlsChannel(notify_->api_port(), "allocation-svc");
  ASSERT_TRUE(channel.ok()) << channel.status();
  allocation::v1::PlacementChanged event;
  event.set_event_id("event-1");
  event.mutable_placement()->set_reference(testing::kUtf8Probe);
  testing::ExpectInvalidUtf8Refused(
      *channel, "/frontdoor.notify.v1.NotifyInbox/DeliverPlacementChanged",
      event, "placement.reference", [&log] { return log.text(); });
}

// Done-when of the web front door: a professional's web referral with a
// DASH of 14 "yes" answers raises on the MARAC hub's stream the same alert
// as a partner's API referral with the same answers. web-svc runs in
// process beside the suite and is driven over HTTPS as a browser drives it
// (the form page, its tokens, the post); the browser test covers the form
// itself in chromium.
TEST_F(NotifyFlowTest, AWebReferralWith14YesAnswersRaisesTheSameMaracAlert) {
  auto web = web::WebServer::Start(
      testing::WebConfigIn(dir_, intake_->api_port(), FRONTDOOR_WEB_ASSETS_DIR,
                           "staffordshire.police.uk"),
      clock_);
  ASSERT_TRUE(web.ok()) << web.status();

  Subscription hub(notify_->api_port(), "staffs-police-hub");

  // Two people, so that neither referral is the other's MARAC repeat; the
  // same answers otherwise: 14 yes, the other 10 no.
  auto answers = [](const std::string& given, const std::string& day) {
    testing::Form f = {{"referrer-name", "Pat Smith"},
                       {"referrer-organisation", "Staffordshire Police"},
                       {"referrer-role", "Domestic abuse officer"},
                       {"referrer-email", "pat.smith@staffordshire.police.uk"},
                       {"given-names", given},
                       {"family-name", "Jones"},
                       {"dob-day", day},
                       {"dob-month", "2"},
                       {"dob-year", "1990"},
                       {"address-postcode", "ST4 7AB"},
                       {"phone", "07700 900982"},
                       {"safe-to-call", "yes"},
                       {"safe-to-leave-message", "no"},
                       {"concerns", "Her partner hurts her."},
                       {"children", "no"},
                       {"consent", "given"}};
    for (int q = 1; q <= web::kDashQuestions; ++q) {
      f.push_back({absl::StrCat("dash-", q), q <= 14 ? "yes" : "no"});
    }
    return f;
  };

  // Through the web form, as a browser sends it.
  testing::Browser browser(web.value()->https_port());
  const testing::Http page = browser.Get("/professional/adult-victim");
  ASSERT_EQ(page.status, 200);
  const testing::Http sent = browser.Post(
      "/professional/adult-victim",
      testing::WithTokens(page.body, answers("Alex", "3")));
  ASSERT_EQ(sent.status, 200) << sent.body;
  const std::string web_ref = testing::Reference(sent.body);
  ASSERT_FALSE(web_ref.empty()) << sent.body;

  // Through the API, by the police: the same answers made into a referral.
  const testing::Form api_form = answers("Sam", "4");
  web::BuiltReferral api = web::BuildProfessionalReferral(
      web::ProfessionalForm::kAdultVictim,
      web::FormValues(api_form.begin(), api_form.end()),
      {"staffordshire.police.uk"});
  ASSERT_THAT(api.errors, IsEmpty());
  api.referral.set_channel(common::v1::CHANNEL_PARTNER_API);
  const std::string api_ref = Submit("staffs-police", api.referral, "api-14");

  // Both alerts arrive on the hub's stream (bounded: Next waits kSettle).
  std::map<std::string, notify::v1::MaracAlert> alerts;
  for (int i = 0; i < 4 && alerts.size() < 2; ++i) {
    std::optional<Delivery> d = hub.Next();
    if (!d.has_value()) break;
    if (d->notification().has_marac_alert()) {
      alerts[d->notification().marac_alert().reference()] =
          d->notification().marac_alert();
    }
  }
  ASSERT_EQ(alerts.count(web_ref), 1u);
  ASSERT_EQ(alerts.count(api_ref), 1u);
  notify::v1::MaracAlert from_web = alerts[web_ref];
  notify::v1::MaracAlert from_api = alerts[api_ref];
  EXPECT_EQ(from_web.risk_level(), common::v1::RISK_LEVEL_HIGH);
  EXPECT_TRUE(from_web.flags().visible_high_risk());
  EXPECT_EQ(from_web.dash_score(), 14);
  EXPECT_EQ(from_web.referring_agency(), "frontdoor-web");
  EXPECT_EQ(from_api.referring_agency(), "staffs-police");
  EXPECT_EQ(from_web.subject_name().given_names(), "Alex");
  // Apart from who referred whom, the same alert.
  for (notify::v1::MaracAlert* a : {&from_web, &from_api}) {
    a->clear_reference();
    a->clear_referring_agency();
    a->clear_subject_name();
    a->clear_subject_date_of_birth();
  }
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(from_web, from_api))
      << from_web.DebugString() << "\nvs\n"
      << from_api.DebugString();
  EXPECT_TRUE(web.value()->Shutdown(absl::Seconds(5)).ok());
}

// Data subjects' rights (common/rights) across the suite: the officer's
// calls go to each of the four services, as frontdoorctl and the console
// make them.
class DataRightsFlowTest : public NotifyFlowTest {
 protected:
  // The service behind each port, in the order the officer calls them.
  std::vector<int> Services() {
    return {intake_->api_port(), triage_->api_port(),
            allocation_->api_port(), notify_->api_port()};
  }

  // As web-svc's certificate, the console's (or another's).
  std::unique_ptr<common::v1::DataRights::Stub> RightsAt(
      int port, const std::string& agency = "web-svc") {
    return common::v1::DataRights::NewStub(
        *testing::MakeMtlsChannel(port, agency));
  }

  // As the console's data-protection officer.
  static void AsOfficer(grpc::ClientContext& ctx) {
    Prepare(ctx);
    ctx.AddMetadata("frontdoor-staff-role", "data_protection_officer");
  }

  grpc::Status Restrict(int port, const std::string& reference,
                        bool restricted) {
    grpc::ClientContext ctx;
    AsOfficer(ctx);
    common::v1::SetRestrictionRequest req;
    req.set_reference(reference);
    req.set_restricted(restricted);
    req.set_reason(restricted ? "accuracy_contested" : "lifted");
    common::v1::RightsState state;
    grpc::Status s = RightsAt(port)->SetRestriction(&ctx, req, &state);
    EXPECT_EQ(state.restricted(), restricted);
    return s;
  }

  // As the officer, or (`agency` not web-svc) as that agency's own
  // certificate, naming no staff role.
  grpc::Status Rectify(int port, const common::v1::RectifyRequest& req,
                       common::v1::RectifyResponse* out,
                       const std::string& agency = "web-svc") {
    grpc::ClientContext ctx;
    if (agency == "web-svc") {
      AsOfficer(ctx);
    } else {
      Prepare(ctx);
    }
    return RightsAt(port, agency)->Rectify(&ctx, req, out);
  }

  // An adult victim referral without a risk assessment: it waits in
  // triage's queue for a practitioner.
  Referral Unassessed(int dob_day) {
    Referral r = HighRisk(dob_day);
    r.clear_risk_assessment();
    return r;
  }

  // A practitioner's DASH of 14 "yes": high risk (MARAC and an IDVA).
  grpc::Status AssessHighRisk(const std::string& reference,
                              bool when_queued = true) {
    auto staff = triage::v1::TriageService::NewStub(
        *testing::MakeMtlsChannel(triage_->api_port(), "frontdoor-helpline"));
    triage::v1::SubmitAssessmentRequest req;
    req.set_reference(reference);
    common::v1::RiskAssessment* dash = req.mutable_dash();
    dash->set_form_version("safelives-dash-24");
    triage::testing::FillChecklist(24, 14, dash->mutable_answers());
    triage::v1::Decision d;
    if (when_queued) {
      return testing::SubmitAssessmentWhenQueued(*staff, req, &d, kSettle);
    }
    grpc::ClientContext ctx;
    Prepare(ctx);
    return staff->SubmitAssessment(&ctx, req, &d);
  }

  grpc::Status Placement(const std::string& reference,
                         allocation::v1::Placement* out) {
    auto staff = allocation::v1::AllocationService::NewStub(
        *testing::MakeMtlsChannel(allocation_->api_port(),
                                  "frontdoor-helpline"));
    grpc::ClientContext ctx;
    Prepare(ctx);
    allocation::v1::GetPlacementRequest req;
    req.set_reference(reference);
    return staff->GetPlacement(&ctx, req, out);
  }
};

// A restricted person gets no further notifications on any channel (the
// MARAC hub's stream, the IDVA service's push, the referrer's stream), and
// allocation offers no place; lifted, everything held is delivered.
TEST_F(DataRightsFlowTest, ARestrictedReferralIsNotSharedOrPlacedUntilLifted) {
  Subscription police(notify_->api_port(), "staffs-police");
  Subscription hub(notify_->api_port(), "staffs-police-hub");
  const std::string ref =
      Submit("staffs-police", Unassessed(11), "restricted-1");
  std::optional<Delivery> accepted = police.Next();
  ASSERT_TRUE(accepted.has_value());
  ASSERT_EQ(accepted->notification().referrer_update().reference(), ref);

  // The officer's request has reached allocation-svc and notify-svc, not
  // yet triage-svc, when a practitioner decides: high risk.
  ASSERT_TRUE(Restrict(allocation_->api_port(), ref, true).ok());
  ASSERT_TRUE(Restrict(notify_->api_port(), ref, true).ok());
  const grpc::Status decided = AssessHighRisk(ref);
  ASSERT_TRUE(decided.ok()) << decided.error_message();
  // notify-svc has the decision and holds back the hub's alert and the
  // IDVA service's case; allocation-svc offers no place, and its update
  // to the referrer waits in its outbox.
  ASSERT_TRUE(AwaitMetric("frontdoor_notify_held_back", 2));
  EXPECT_THAT(About(hub.Drain(), ref), IsEmpty());
  EXPECT_THAT(About(police.Drain(), ref), IsEmpty());
  EXPECT_EQ(idva_->inbox().accepted(), 0);
  allocation::v1::Placement placement;
  EXPECT_EQ(Placement(ref, &placement).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION)
      << "staff do not open a restricted referral";

  // Now restricted everywhere: triage-svc takes no further decision.
  ASSERT_TRUE(Restrict(triage_->api_port(), ref, true).ok());
  ASSERT_TRUE(Restrict(intake_->api_port(), ref, true).ok());
  EXPECT_EQ(AssessHighRisk(ref, /*when_queued=*/false).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // Lifted: the alert, the IDVA case and the referrer's update arrive.
  for (int port : Services()) ASSERT_TRUE(Restrict(port, ref, false).ok());
  std::optional<notify::v1::MaracAlert> alert;
  const absl::Time give_up = absl::Now() + kSettle;
  while (!alert.has_value() && absl::Now() < give_up) {
    std::optional<Delivery> d = hub.Next();
    if (d.has_value() && d->notification().has_marac_alert() &&
        d->notification().marac_alert().reference() == ref) {
      alert = d->notification().marac_alert();
    }
  }
  ASSERT_TRUE(alert.has_value()) << "the hub's alert after the lift";
  while (idva_->inbox().accepted() < 1 && absl::Now() < give_up) {
    absl::SleepFor(kPoll);
  }
  ASSERT_THAT(idva_->received(), SizeIs(1));
  EXPECT_EQ(idva_->received()[0].idva_case().reference(), ref);
  // The referrer's update: waiting for a place. The acceptance it had read
  // but not acknowledged was withdrawn with the restriction and comes
  // again, the same notification (at least once, by id).
  bool waiting = false;
  while (!waiting) {
    std::optional<Delivery> update = police.Next();
    ASSERT_TRUE(update.has_value()) << "the referrer's update after the lift";
    const Notification& n = update->notification();
    ASSERT_EQ(n.referrer_update().reference(), ref);
    if (n.referrer_update().status() ==
        notify::v1::ReferrerUpdate::STATUS_ACCEPTED) {
      EXPECT_EQ(n.id(), accepted->notification().id());
      continue;
    }
    EXPECT_EQ(n.referrer_update().status(),
              notify::v1::ReferrerUpdate::STATUS_WAITING);
    waiting = true;
  }
  ASSERT_TRUE(Placement(ref, &placement).ok());
  EXPECT_EQ(placement.state(), allocation::v1::PLACEMENT_STATE_WAITING)
      << "kept on the list, not placed, while it was restricted";
  EXPECT_EQ(Metric("frontdoor_notify_held_back"), 0);
}

// Rectification corrects the stored copy in every service that holds one
// (notify-svc's past notifications are records of what was sent: none);
// a bad value is refused naming "value", and only the officer may ask.
TEST_F(DataRightsFlowTest, RectificationCorrectsEveryCopyHeld) {
  Subscription police(notify_->api_port(), "staffs-police");
  const std::string ref = Submit("staffs-police", HighRisk(12), "rectify-1");
  // Accepted, then allocated: intake, triage and allocation hold copies.
  for (int seen = 0; seen < 2;) {
    std::optional<Delivery> d = police.Next();
    ASSERT_TRUE(d.has_value()) << "the referrer's updates";
    if (d->notification().referrer_update().reference() == ref) ++seen;
  }
  common::v1::RectifyRequest req;
  req.mutable_person()->set_reference(ref);
  req.mutable_person()->set_party(common::v1::PARTY_SUBJECT);
  req.set_field("name.familyName");
  req.set_value("Corrected-Name");
  req.set_reason("requested_by_subject");

  common::v1::RectifyResponse answer;
  grpc::Status refused =
      Rectify(intake_->api_port(), req, &answer, "staffs-police");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  common::v1::RectifyRequest bad = req;
  bad.set_field("dateOfBirth");
  bad.set_value("2099-01-01");
  for (int port : Services()) {
    grpc::Status s = Rectify(port, bad, &answer);
    ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << port;
    std::vector<FieldViolation> v = GetFieldViolations(FromGrpcStatus(s));
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].field, "value");
  }

  std::vector<int> copies;
  for (int port : Services()) {
    ASSERT_TRUE(Rectify(port, req, &answer).ok());
    copies.push_back(answer.copies_corrected());
  }
  EXPECT_GE(copies[0], 1) << "intake-svc: the sealed referral";
  EXPECT_GE(copies[1], 1) << "triage-svc: the recorded event";
  EXPECT_GE(copies[2], 1) << "allocation-svc: the decision it planned from";
  EXPECT_EQ(copies[3], 0) << "notify-svc rewrites no past notification";

  // Read back as the console's practitioner: the corrected name.
  auto intake_stub = intake::v1::IntakeService::NewStub(
      *testing::MakeMtlsChannel(intake_->api_port(), "frontdoor-helpline"));
  grpc::ClientContext ctx;
  Prepare(ctx);
  intake::v1::ReadReferralRequest read;
  read.set_reference(ref);
  read.set_purpose(intake::v1::READ_PURPOSE_TRIAGE);
  intake::v1::ReadReferralResponse got;
  ASSERT_TRUE(intake_stub->ReadReferral(&ctx, read, &got).ok());
  EXPECT_EQ(got.referral().subject().name().family_name(), "Corrected-Name");
}

}  // namespace
}  // namespace frontdoor
