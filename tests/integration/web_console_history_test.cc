// The console's history page over real HTTPS, with intake-svc, triage-svc
// and allocation-svc in process over real mTLS, on one FakeClock: a
// practitioner sees, oldest first, what each service recorded about a
// referral taken through triage and allocation; a service that cannot
// answer is named while the others are shown; call handlers and
// commissioners are refused; a signed-out browser is sent to sign in.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "allocation-svc/allocation_server.h"
#include "common/clock/clock.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_server.h"
#include "tests/testing/console_staff.h"
#include "tests/testing/cookie_browser.h"
#include "tests/testing/examples.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
#include "tests/unit/triage/rules_fixture.h"
#include "triage-svc/triage_server.h"
#include "web-svc/credentials.h"
#include "web-svc/web_server.h"

namespace frontdoor {
namespace {

using ::frontdoor::testing::CookieBrowser;
using ::frontdoor::testing::HttpAnswer;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 12, 2, 9, 0, 0), absl::UTCTimeZone());
constexpr absl::Duration kSettle = absl::Seconds(30);
constexpr absl::Duration kPoll = absl::Milliseconds(20);

class WebConsoleHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshServiceDir("web-history");
    auto allocation =
        allocation::AllocationServer::Start(testing::AllocationConfigIn(dir_),
                                            clock_);
    ASSERT_TRUE(allocation.ok()) << allocation.status();
    allocation_ = *std::move(allocation);

    config::v1::TriageConfig t = testing::TriageConfigIn(dir_);
    testing::PointAt(t.mutable_allocation(), allocation_->api_port());
    auto triage = triage::TriageServer::Start(t, clock_);
    ASSERT_TRUE(triage.ok()) << triage.status();
    triage_ = *std::move(triage);

    config::v1::IntakeConfig i = testing::IntakeConfigIn(dir_);
    testing::PointAt(i.mutable_triage(), triage_->api_port());
    auto intake = intake::IntakeServer::Start(i, clock_);
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);

    web_config_ = testing::WebConfigIn(
        dir_, intake_->api_port(), FRONTDOOR_WEB_ASSETS_DIR, "example.org",
        triage_->api_port(), allocation_->api_port());
    // The FakeClock never refills the buckets: room for every post here.
    web_config_.mutable_client_rate_limit()->set_per_second(0.001);
    web_config_.mutable_client_rate_limit()->set_burst(1000);
    auto web = web::WebServer::Start(web_config_, clock_);
    ASSERT_TRUE(web.ok()) << web.status();
    web_ = *std::move(web);

    police_ = intake::v1::IntakeService::NewStub(
        *testing::MakeMtlsChannel(intake_->api_port(), "staffs-police"));
    placements_ = allocation::v1::AllocationService::NewStub(
        *testing::MakeMtlsChannel(allocation_->api_port(),
                                  "frontdoor-helpline"));
  }

  void TearDown() override {
    if (web_) EXPECT_TRUE(web_->Shutdown(absl::Seconds(5)).ok());
    if (intake_) EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    if (triage_) EXPECT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
    if (allocation_) EXPECT_TRUE(allocation_->Shutdown(absl::Seconds(5)).ok());
    std::filesystem::remove_all(dir_);
  }

  // A police referral with a complete high-risk DASH: triaged at once and
  // allocated. Returns its reference once allocation has placed it.
  std::string ReferralThroughTriageAndAllocation() {
    common::v1::Referral r = testing::ExampleReferral("adult-victim.json");
    *r.mutable_risk_assessment() = triage::testing::Dash(15);
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx, "PC 1234");
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key("history-1");
    *req.mutable_referral() = r;
    intake::v1::SubmitReferralResponse resp;
    const grpc::Status s = police_->SubmitReferral(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    const std::string reference = resp.receipt().reference();
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      grpc::ClientContext get_ctx;
      testing::PrepareCall(get_ctx);
      allocation::v1::GetPlacementRequest get;
      get.set_reference(reference);
      allocation::v1::Placement p;
      if (placements_->GetPlacement(&get_ctx, get, &p).ok() &&
          p.state() == allocation::v1::PLACEMENT_STATE_ALLOCATED) {
        return reference;
      }
      absl::SleepFor(kPoll);  // a bounded poll of the hand-offs
    }
    ADD_FAILURE() << reference << " was not allocated";
    return reference;
  }

  // A browser signed in as a new account of `role`.
  CookieBrowser SignedIn(const std::string& username, const std::string& role) {
    clock_.Advance(absl::Seconds(web::kTotpStepSeconds));
    return testing::SignedInAs(web_config_, clock_, web_->https_port(),
                               username, role)
        .browser;
  }

  static std::string HistoryPath(const std::string& reference) {
    return absl::StrCat("/console/referrals/", reference, "/history");
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  config::v1::WebConfig web_config_;
  std::unique_ptr<allocation::AllocationServer> allocation_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<intake::IntakeServer> intake_;
  std::unique_ptr<web::WebServer> web_;
  std::unique_ptr<intake::v1::IntakeService::Stub> police_;
  std::unique_ptr<allocation::v1::AllocationService::Stub> placements_;
};

// The position of `needle` in `text` (npos fails the test).
size_t At(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return at;
}

TEST_F(WebConsoleHistoryTest, APractitionerSeesWhatEachServiceRecorded) {
  const std::string reference = ReferralThroughTriageAndAllocation();
  CookieBrowser practitioner = SignedIn("pat", "practitioner");
  const HttpAnswer page = practitioner.Get(HistoryPath(reference));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.headers.at("cache-control"), "no-store");
  const std::string& html = page.body;
  EXPECT_THAT(html, HasSubstr("<h1 class=\"govuk-heading-l\">Referral history"));
  EXPECT_THAT(html, HasSubstr(reference));
  EXPECT_THAT(html, HasSubstr("id=\"history\""));
  EXPECT_THAT(html, Not(HasSubstr("id=\"history-unavailable\"")));
  // One table, oldest first, across the three services: received by
  // intake, recorded and decided by triage, planned by allocation.
  const size_t received = At(html, "Referral received");
  const size_t recorded = At(html, "Recorded for triage");
  const size_t decided = At(html, "Triage decision made");
  const size_t planned = At(html, "Placement planned");
  EXPECT_LT(received, recorded);
  EXPECT_LT(recorded, decided);
  EXPECT_LT(decided, planned);
  EXPECT_THAT(html, HasSubstr("<td class=\"govuk-table__cell\">Intake</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"govuk-table__cell\">Triage</td>"));
  EXPECT_THAT(html,
              HasSubstr("<td class=\"govuk-table__cell\">Allocation</td>"));
  EXPECT_THAT(html, HasSubstr("PC 1234 (staffs-police)"));
  EXPECT_THAT(html, HasSubstr("Automatic (intake-svc)"));
  EXPECT_THAT(html, HasSubstr("decided from the referral&apos;s complete DASH"));
  EXPECT_THAT(html, HasSubstr("2 December 2026, 9:00am"));
  // Codes and ids only: nothing the referral says about anyone.
  for (const char* never : {"Aisha", "Rahman", "Daniel", "Price"}) {
    EXPECT_THAT(html, Not(HasSubstr(never))) << never;
  }

  // Each view is recorded by each service, and shows on the next.
  const HttpAnswer again = practitioner.Get(HistoryPath(reference));
  ASSERT_EQ(again.status, 200);
  EXPECT_THAT(again.body, HasSubstr("History viewed"));
  EXPECT_THAT(again.body, HasSubstr(" as practitioner"));

  // A reference nobody holds: an empty history, not an error.
  const HttpAnswer unknown = practitioner.Get(HistoryPath("FD-0000000000AA"));
  EXPECT_EQ(unknown.status, 200);
  EXPECT_THAT(unknown.body, HasSubstr("id=\"no-history\""));
  // Not a reference: no such page.
  EXPECT_EQ(practitioner.Get("/console/referrals/nope/history").status, 404);
}

TEST_F(WebConsoleHistoryTest, AServiceThatCannotAnswerIsNamed) {
  const std::string reference = ReferralThroughTriageAndAllocation();
  CookieBrowser practitioner = SignedIn("pat", "practitioner");
  ASSERT_TRUE(allocation_->Shutdown(absl::Seconds(5)).ok());
  allocation_.reset();
  const HttpAnswer page = practitioner.Get(HistoryPath(reference));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_THAT(page.body, HasSubstr("id=\"history-unavailable\""));
  EXPECT_THAT(page.body, HasSubstr("Not shown: what Allocation has recorded"));
  EXPECT_THAT(page.body, HasSubstr("Referral received"));
  EXPECT_THAT(page.body, HasSubstr("Triage decision made"));
  EXPECT_THAT(page.body, Not(HasSubstr("Placement planned")));
}

TEST_F(WebConsoleHistoryTest, OnlyThoseWhoMayReadAReferralSeeItsHistory) {
  const std::string reference = ReferralThroughTriageAndAllocation();
  for (const char* role : {"call_handler", "commissioner", "operator"}) {
    CookieBrowser b = SignedIn(absl::StrCat("user-", role), role);
    const HttpAnswer page = b.Get(HistoryPath(reference));
    EXPECT_EQ(page.status, 403) << role;
    EXPECT_THAT(page.body, Not(HasSubstr("Referral received"))) << role;
  }
  CookieBrowser leader = SignedIn("lee", "team_leader");
  EXPECT_EQ(leader.Get(HistoryPath(reference)).status, 200);
  // Signed out: sent to sign in, nothing shown.
  CookieBrowser nobody(web_->https_port());
  const HttpAnswer out = nobody.Get(HistoryPath(reference));
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(out.headers.at("location"), "/console/sign-in");
  EXPECT_THAT(out.body, Not(HasSubstr("Referral received")));
}

}  // namespace
}  // namespace frontdoor
