// The console's triage pages over real HTTPS, with a real intake-svc and
// triage-svc in process (real mTLS, real stores, one FakeClock): people
// signed in with a real TOTP open the queue, read a referral giving a
// purpose (audited by intake with it), complete a DASH and see the
// decision; each role sees only what roles.h lets it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "common/store/store.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_core.h"
#include "intake-svc/intake_server.h"
#include "tests/testing/console_staff.h"
#include "tests/testing/cookie_browser.h"
#include "tests/testing/examples.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
#include "tests/testing/test_store.h"
#include "tests/unit/triage/rules_fixture.h"
#include "triage-svc/triage_server.h"
#include "web-svc/console.h"
#include "web-svc/web_server.h"

namespace frontdoor {
namespace {

using common::v1::Referral;
using testing::CookieBrowser;
using testing::HttpAnswer;
using testing::InputValue;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 12, 2, 9, 0, 0), absl::UTCTimeZone());
constexpr absl::Duration kSettle = absl::Seconds(30);
constexpr absl::Duration kPoll = absl::Milliseconds(20);

class WebTriageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshServiceDir("webtriage");
    auto triage = triage::TriageServer::Start(testing::TriageConfigIn(dir_),
                                              clock_);
    ASSERT_TRUE(triage.ok()) << triage.status();
    triage_ = *std::move(triage);
    intake_config_ = testing::IntakeConfigIn(dir_);
    testing::PointAt(intake_config_.mutable_triage(), triage_->api_port());
    intake_config_.mutable_triage()->set_deadline_ms(2000);
    auto intake = intake::IntakeServer::Start(intake_config_, clock_);
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);

    web_config_ = testing::WebConfigIn(dir_, intake_->api_port(),
                                       FRONTDOOR_WEB_ASSETS_DIR, "nhs.net",
                                       triage_->api_port());
    // The FakeClock never refills the per-address bucket: room for all.
    web_config_.mutable_client_rate_limit()->set_per_second(0.001);
    web_config_.mutable_client_rate_limit()->set_burst(1000);
    auto web = web::WebServer::Start(web_config_, clock_);
    ASSERT_TRUE(web.ok()) << web.status();
    web_ = *std::move(web);

    police_ = intake::v1::IntakeService::NewStub(
        *testing::MakeMtlsChannel(intake_->api_port(), "staffs-police"));
    helpline_ = triage::v1::TriageService::NewStub(
        *testing::MakeMtlsChannel(triage_->api_port(), "frontdoor-helpline"));
  }

  void TearDown() override {
    if (web_) {
      EXPECT_TRUE(web_->Shutdown(absl::Seconds(5)).ok());
    }
    if (intake_) {
      EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    }
    if (triage_) {
      EXPECT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
    }
    web_.reset();
    intake_.reset();
    triage_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Submit(const Referral& referral, const std::string& key) {
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(key);
    *req.mutable_referral() = referral;
    intake::v1::SubmitReferralResponse resp;
    grpc::Status status = police_->SubmitReferral(&ctx, req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp.receipt().reference();
  }

  // Until triage holds `n` waiting referrals (intake's relay hands them
  // over).
  void AwaitWaiting(int n) {
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      grpc::ClientContext ctx;
      testing::PrepareCall(ctx);
      triage::v1::ListQueueResponse queue;
      if (helpline_->ListQueue(&ctx, {}, &queue).ok() &&
          queue.total_waiting() >= n) {
        return;
      }
      absl::SleepFor(kPoll);  // a bounded poll of the relay's hand-over
    }
    ADD_FAILURE() << "triage never held " << n << " referrals";
  }

  // A waiting adult referral whose partial DASH (20 answered, 14 yes) makes
  // it high risk before assessment, and one with nothing attached
  // (standard), received a minute earlier: returns {high, standard}.
  std::pair<std::string, std::string> TwoWaiting() {
    Referral plain = testing::ExampleReferral("adult-victim.json");
    plain.clear_risk_assessment();
    const std::string standard = Submit(plain, "standard");
    clock_.Advance(absl::Minutes(1));
    Referral partial = testing::ExampleReferral("adult-victim.json");
    partial.mutable_subject()->mutable_date_of_birth()->set_day(3);
    *partial.mutable_risk_assessment() =
        triage::testing::Dash(14, "safelives-dash-24", 20);
    const std::string high = Submit(partial, "high");
    AwaitWaiting(2);
    return {high, standard};
  }

  testing::SignedInStaff As(const std::string& username,
                            const std::string& role) {
    return testing::SignedInAs(web_config_, clock_, web_->https_port(),
                               username, role);
  }

  // intake's audit rows of `action` (actor agency, person, subject,
  // reason); intake is stopped first.
  std::vector<std::vector<std::string>> IntakeAudit(const std::string& action) {
    if (intake_) {
      EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
      intake_.reset();
    }
    std::vector<std::vector<std::string>> out;
    auto store = testing::OpenTestStore(
        testing::StoreLocationOf(intake_config_.store()), audit::Migrations());
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return out;
    EXPECT_TRUE((*store)
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(
                          "SELECT actor_agency, actor_person, subject, reason "
                          "FROM audit_log WHERE action = $1 ORDER BY seq",
                          {action});
                      if (!rows.ok()) return rows.status();
                      for (const store::Row& r : *rows) {
                        out.push_back(
                            {r.Text(0), r.Text(1), r.Text(2), r.Text(3)});
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }

  static std::string Csrf(const HttpAnswer& page) {
    return InputValue(page.body, "csrf-token");
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  config::v1::IntakeConfig intake_config_;
  config::v1::WebConfig web_config_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<intake::IntakeServer> intake_;
  std::unique_ptr<web::WebServer> web_;
  std::unique_ptr<intake::v1::IntakeService::Stub> police_;
  std::unique_ptr<triage::v1::TriageService::Stub> helpline_;
};

TEST_F(WebTriageTest, APractitionerWorksAReferralFromTheQueueToTheDecision) {
  const auto [high, standard] = TwoWaiting();
  testing::SignedInStaff sam = As("sam@example.org", "practitioner");
  CookieBrowser& b = sam.browser;

  // The queue: highest risk first, though it waited less; no names.
  const HttpAnswer queue = b.Get("/console/queue");
  ASSERT_EQ(queue.status, 200) << queue.body;
  EXPECT_EQ(queue.headers.at("cache-control"), "no-store");
  EXPECT_THAT(queue.body, HasSubstr("id=\"queue\""));
  const size_t at_high = queue.body.find(high);
  ASSERT_NE(at_high, std::string::npos);
  EXPECT_LT(at_high, queue.body.find(standard));
  EXPECT_THAT(queue.body, HasSubstr(absl::StrCat("href=\"/console/referrals/",
                                                 high, "\"")));
  const Referral example = testing::ExampleReferral("adult-victim.json");
  const std::string family = example.subject().name().family_name();
  EXPECT_THAT(queue.body, Not(HasSubstr(family)));

  // The referral: first why, then the referral in full.
  const std::string path = absl::StrCat("/console/referrals/", high);
  const HttpAnswer ask = b.Get(path);
  ASSERT_EQ(ask.status, 200);
  EXPECT_THAT(ask.body, Not(HasSubstr(family)));
  const HttpAnswer no_purpose = b.Post(path, {{"csrf-token", Csrf(ask)}});
  EXPECT_EQ(no_purpose.status, 422);
  EXPECT_THAT(no_purpose.body, HasSubstr("href=\"#purpose\""));
  const HttpAnswer read = b.Post(
      path, {{"csrf-token", Csrf(ask)}, {"purpose", "assessment"}});
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_THAT(read.body, HasSubstr(family));
  EXPECT_THAT(read.body, HasSubstr("Opened for: Assessment"));
  EXPECT_THAT(read.body, HasSubstr("staffs-police"));
  EXPECT_THAT(read.body, HasSubstr(absl::StrCat("href=\"", path,
                                                "/assessment\"")));
  EXPECT_EQ(read.headers.at("cache-control"), "no-store");

  // The DASH: half-filled, triage names what is missing on the form.
  const HttpAnswer form = b.Get(path + "/assessment");
  ASSERT_EQ(form.status, 200) << form.body;
  EXPECT_THAT(form.body,
              HasSubstr("tried to strangle, choke, suffocate or drown"));
  const HttpAnswer incomplete = b.Post(
      path + "/assessment",
      {{"csrf-token", Csrf(form)}, {"dash-1", "yes"}, {"dash-2", "no"}});
  ASSERT_EQ(incomplete.status, 422) << incomplete.body;
  EXPECT_THAT(incomplete.body, HasSubstr("govuk-error-summary"));
  EXPECT_THAT(incomplete.body, HasSubstr("href=\"#dash-3\""));
  EXPECT_THAT(incomplete.body, HasSubstr("href=\"#dash-24\""));
  EXPECT_THAT(incomplete.body, Not(HasSubstr("href=\"#dash-1\"")));
  // Complete: 15 yes.
  std::vector<std::pair<std::string, std::string>> answers = {
      {"csrf-token", Csrf(form)}, {"police-callouts", "1"}};
  for (int q = 1; q <= 24; ++q) {
    answers.push_back({absl::StrCat("dash-", q), q <= 15 ? "yes" : "no"});
  }
  answers.push_back({"dash-15-comment", "Disclosed during the call"});
  answers.push_back({"dash-15-source", "the person"});
  const HttpAnswer sent = b.Post(path + "/assessment", answers);
  ASSERT_EQ(sent.status, 303) << sent.body;
  EXPECT_EQ(sent.headers.at("location"), path + "/decision");

  const HttpAnswer decision = b.Get(path + "/decision");
  ASSERT_EQ(decision.status, 200) << decision.body;
  EXPECT_THAT(decision.body, HasSubstr("govuk-notification-banner--success"));
  EXPECT_THAT(decision.body, HasSubstr(">High</strong>"));
  EXPECT_THAT(decision.body, HasSubstr("Visible high risk"));
  EXPECT_THAT(decision.body, HasSubstr("15 yes of 24"));
  EXPECT_THAT(decision.body, HasSubstr("MARAC and the police harm reduction hub"));
  EXPECT_THAT(decision.body, HasSubstr("The IDVA service"));
  EXPECT_THAT(decision.body, Not(HasSubstr("id=\"override\"")));
  // The banner shows once.
  EXPECT_THAT(b.Get(path + "/decision").body,
              Not(HasSubstr("govuk-notification-banner")));
  // Decided: off the queue.
  EXPECT_THAT(b.Get("/console/queue").body, Not(HasSubstr(high)));

  // A team leader sees the override link.
  testing::SignedInStaff lee = As("lee@example.org", "team_leader");
  const HttpAnswer leads = lee.browser.Get(path + "/decision");
  ASSERT_EQ(leads.status, 200);
  EXPECT_THAT(leads.body, HasSubstr("id=\"override\""));
  EXPECT_THAT(leads.body, HasSubstr(absl::StrCat("href=\"", path,
                                                 "/override\"")));

  // intake audited the read with the person, their role and the purpose.
  const auto reads = IntakeAudit(intake::kAuditRead);
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0][0], "frontdoor-web");
  EXPECT_EQ(reads[0][1], absl::StrCat(sam.account_id, " as practitioner"));
  EXPECT_EQ(reads[0][2], high);
  EXPECT_EQ(reads[0][3], "assessment");
}

TEST_F(WebTriageTest, ACallHandlerSeesTheQueueButNoReferralAssessmentOrDecision) {
  const auto [high, standard] = TwoWaiting();
  testing::SignedInStaff cal = As("cal@example.org", "call_handler");
  CookieBrowser& b = cal.browser;
  const HttpAnswer queue = b.Get("/console/queue");
  ASSERT_EQ(queue.status, 200) << queue.body;
  EXPECT_THAT(queue.body, HasSubstr(high));
  const std::string path = absl::StrCat("/console/referrals/", high);
  const HttpAnswer ask = b.Get(path);
  EXPECT_EQ(ask.status, 403);
  const HttpAnswer posted =
      b.Post(path, {{"csrf-token", Csrf(queue)}, {"purpose", "triage"}});
  EXPECT_EQ(posted.status, 403);
  EXPECT_THAT(posted.body, Not(HasSubstr(
                               testing::ExampleReferral("adult-victim.json")
                                   .subject()
                                   .name()
                                   .family_name())));
  EXPECT_EQ(b.Get(path + "/assessment").status, 403);
  EXPECT_EQ(b.Post(path + "/assessment",
                   {{"csrf-token", Csrf(queue)}, {"dash-1", "yes"}})
                .status,
            403);
  EXPECT_EQ(b.Get(path + "/decision").status, 403);
  EXPECT_TRUE(IntakeAudit(intake::kAuditRead).empty());
}

TEST_F(WebTriageTest, ACommissionerIsRefusedEveryTriagePage) {
  const auto [high, standard] = TwoWaiting();
  testing::SignedInStaff com = As("com@example.org", "commissioner");
  CookieBrowser& b = com.browser;
  const std::string path = absl::StrCat("/console/referrals/", high);
  for (const std::string& page :
       {std::string("/console/queue"), path, path + "/assessment",
        path + "/decision"}) {
    const HttpAnswer a = b.Get(page);
    EXPECT_EQ(a.status, 403) << page;
    EXPECT_THAT(a.body, Not(HasSubstr(high))) << page;
  }
}

TEST_F(WebTriageTest, SignedOutBrowsersGoToSignInAndPostsNeedTheCsrfToken) {
  const auto [high, standard] = TwoWaiting();
  const std::string path = absl::StrCat("/console/referrals/", high);
  CookieBrowser stranger(web_->https_port());
  for (const std::string& page :
       {std::string("/console/queue"), path, path + "/assessment",
        path + "/decision"}) {
    const HttpAnswer a = stranger.Get(page);
    EXPECT_EQ(a.status, 303) << page;
    EXPECT_EQ(a.headers.at("location"), "/console/sign-in") << page;
  }
  // Signed in, a post without the form's token is refused before the
  // page sees it: nothing is read.
  testing::SignedInStaff sam = As("sam@example.org", "practitioner");
  const HttpAnswer forged = sam.browser.Post(path, {{"purpose", "triage"}});
  EXPECT_EQ(forged.status, 403);
  EXPECT_THAT(forged.body, HasSubstr("this form has expired"));
  const HttpAnswer forged_dash =
      sam.browser.Post(path + "/assessment", {{"dash-1", "yes"}});
  EXPECT_EQ(forged_dash.status, 403);
  EXPECT_TRUE(IntakeAudit(intake::kAuditRead).empty());
}

}  // namespace
}  // namespace frontdoor
