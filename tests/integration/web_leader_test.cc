// The team leaders' console pages over real HTTPS, with intake-svc,
// triage-svc and allocation-svc in process (real mTLS, real stores) and one
// FakeClock: a team leader overrides a decision's tier and releases a place
// (the head of the waiting list is then allocated), each after giving their
// password and code again once the re-authentication window has passed;
// wrong codes there count towards the lockout; practitioners and call
// handlers are refused every page and post; posts need the CSRF token.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "allocation-svc/allocation_server.h"
#include "common/clock/clock.h"
#include "common/store/store.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_server.h"
#include "tests/testing/console_staff.h"
#include "tests/testing/cookie_browser.h"
#include "tests/testing/examples.h"
#include "tests/testing/http_get.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
#include "tests/testing/test_store.h"
#include "tests/unit/triage/rules_fixture.h"
#include "triage-svc/triage_server.h"
#include "web-svc/accounts_cli.h"
#include "web-svc/console.h"
#include "web-svc/credentials.h"
#include "web-svc/web_server.h"

namespace frontdoor::web {
namespace {

using ::frontdoor::testing::CookieBrowser;
using ::frontdoor::testing::HttpAnswer;
using ::frontdoor::testing::InputValue;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPassword = frontdoor::testing::kConsolePassword;
const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 12, 2, 9, 0, 0), absl::UTCTimeZone());
const absl::Duration kStep = absl::Seconds(kTotpStepSeconds);
// Past the default re-authentication window (5 minutes), within the idle
// timeout (30 minutes).
const absl::Duration kPastTheWindow = absl::Minutes(6);
constexpr absl::Duration kSettle = absl::Seconds(30);
constexpr absl::Duration kPoll = absl::Milliseconds(20);

std::string Csrf(const HttpAnswer& page) {
  return InputValue(page.body, "csrf-token");
}

// A signed-in member of staff: their browser, account id and TOTP secret.
struct Person {
  std::unique_ptr<CookieBrowser> browser;
  std::string account_id;
  std::string secret;
};

class WebLeaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = frontdoor::testing::FreshServiceDir("webleader");
    // iMatter with one seat, so a release has someone to go to.
    std::ifstream in(frontdoor::testing::ConfigFile("allocation-settings.json"));
    std::stringstream settings;
    settings << in.rdbuf();
    std::string text = settings.str();
    const std::string seats = "\"programmeId\": \"imatter\", \"seats\": 12";
    ASSERT_NE(text.find(seats), std::string::npos);
    text.replace(text.find(seats), seats.size(),
                 "\"programmeId\": \"imatter\", \"seats\": 1");
    std::ofstream(dir_ / "settings.json") << text;

    config::v1::AllocationConfig a = frontdoor::testing::AllocationConfigIn(dir_);
    a.set_settings_file((dir_ / "settings.json").string());
    auto allocation = allocation::AllocationServer::Start(a, clock_);
    ASSERT_TRUE(allocation.ok()) << allocation.status();
    allocation_ = *std::move(allocation);

    config::v1::TriageConfig t = frontdoor::testing::TriageConfigIn(dir_);
    triage_store_ = frontdoor::testing::StoreLocationOf(t.store());
    frontdoor::testing::PointAt(t.mutable_allocation(), allocation_->api_port());
    auto triage = triage::TriageServer::Start(t, clock_);
    ASSERT_TRUE(triage.ok()) << triage.status();
    triage_ = *std::move(triage);

    config::v1::IntakeConfig i = frontdoor::testing::IntakeConfigIn(dir_);
    frontdoor::testing::PointAt(i.mutable_triage(), triage_->api_port());
    auto intake = intake::IntakeServer::Start(i, clock_);
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);

    web_config_ = frontdoor::testing::WebConfigIn(
        dir_, intake_->api_port(), FRONTDOOR_WEB_ASSETS_DIR, "nhs.net",
        triage_->api_port(), allocation_->api_port());
    // The FakeClock never refills the buckets: room for every post here.
    web_config_.mutable_client_rate_limit()->set_per_second(0.001);
    web_config_.mutable_client_rate_limit()->set_burst(1000);
    auto web = WebServer::Start(web_config_, clock_);
    ASSERT_TRUE(web.ok()) << web.status();
    web_ = *std::move(web);

    police_ = intake::v1::IntakeService::NewStub(
        *frontdoor::testing::MakeMtlsChannel(intake_->api_port(),
                                             "staffs-police"));
    triage_staff_ = triage::v1::TriageService::NewStub(
        *frontdoor::testing::MakeMtlsChannel(triage_->api_port(),
                                             "frontdoor-helpline"));
    allocation_staff_ = allocation::v1::AllocationService::NewStub(
        *frontdoor::testing::MakeMtlsChannel(allocation_->api_port(),
                                             "frontdoor-helpline"));
  }

  void TearDown() override {
    if (web_) EXPECT_TRUE(web_->Shutdown(absl::Seconds(5)).ok());
    if (intake_) EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    if (triage_) EXPECT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
    if (allocation_) EXPECT_TRUE(allocation_->Shutdown(absl::Seconds(5)).ok());
    std::filesystem::remove_all(dir_);
  }

  // An account made by the operator command, enrolled and signed in now.
  Person SignedIn(const std::string& username, const std::string& role) {
    Person p;
    p.browser = std::make_unique<CookieBrowser>(web_->https_port());
    const frontdoor::testing::EnrolledStaff enrolled = frontdoor::testing::EnrolIn(
        *p.browser, web_config_, clock_, username, role);
    p.account_id = enrolled.account_id;
    p.secret = enrolled.secret;
    EXPECT_EQ(p.browser->Get("/console").status, 200);
    return p;
  }

  // The confirm page, answered with `password` and the code for now (or
  // `code`).
  HttpAnswer Confirm(Person& p, const std::string& return_to,
                     const std::string& password = kPassword,
                     std::string code = "") {
    const HttpAnswer page =
        p.browser->Get("/console/confirm-identity?return-to=" + return_to);
    EXPECT_EQ(page.status, 200) << page.body;
    EXPECT_EQ(InputValue(page.body, "return-to"), return_to);
    if (code.empty()) code = TotpCode(p.secret, clock_.Now());
    return p.browser->Post("/console/confirm-identity",
                           {{"csrf-token", Csrf(page)},
                            {"return-to", return_to},
                            {"password", password},
                            {"code", code}});
  }

  std::string Submit(int yes, int dob_day, const std::string& key) {
    common::v1::Referral r =
        frontdoor::testing::ExampleReferral("adult-victim.json");
    *r.mutable_risk_assessment() = triage::testing::Dash(yes);
    r.mutable_subject()->mutable_date_of_birth()->set_day(dob_day);
    grpc::ClientContext ctx;
    frontdoor::testing::PrepareCall(ctx);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(key);
    *req.mutable_referral() = r;
    intake::v1::SubmitReferralResponse resp;
    const grpc::Status s = police_->SubmitReferral(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.receipt().reference();
  }

  // The latest decision, once triage has one (polls: intake's relay hands
  // the referral over on its own thread).
  triage::v1::Decision Decision(const std::string& reference) {
    triage::v1::Decision d;
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      grpc::ClientContext ctx;
      frontdoor::testing::PrepareCall(ctx);
      triage::v1::GetDecisionRequest req;
      req.set_reference(reference);
      d.Clear();
      const grpc::Status s = triage_staff_->GetDecision(&ctx, req, &d);
      if (s.ok()) return d;
      EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND)
          << s.error_message();
      absl::SleepFor(kPoll);
    }
    ADD_FAILURE() << "no decision on " << reference;
    return d;
  }

  allocation::v1::Placement Await(const std::string& reference,
                                  allocation::v1::PlacementState state) {
    allocation::v1::Placement p;
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      grpc::ClientContext ctx;
      frontdoor::testing::PrepareCall(ctx);
      allocation::v1::GetPlacementRequest req;
      req.set_reference(reference);
      p.Clear();
      const grpc::Status s = allocation_staff_->GetPlacement(&ctx, req, &p);
      if (s.ok() && p.state() == state) return p;
      absl::SleepFor(kPoll);
    }
    ADD_FAILURE() << reference << " did not reach "
                  << allocation::v1::PlacementState_Name(state);
    return p;
  }

  // The audit rows of `location` with `action`, as "reason|actor_person".
  std::vector<std::string> AuditRows(const std::string& location,
                                     const std::string& action) {
    auto db = frontdoor::testing::OpenTestStore(location, {});
    EXPECT_TRUE(db.ok()) << db.status();
    std::vector<std::string> out;
    EXPECT_TRUE((*db)
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(
                          "SELECT reason, actor_person FROM audit_log "
                          "WHERE action = $1 ORDER BY seq",
                          {action});
                      if (!rows.ok()) return rows.status();
                      for (const store::Row& r : *rows) {
                        out.push_back(absl::StrCat(r.Text(0), "|", r.Text(1)));
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    (*db)->Close();
    return out;
  }
  std::vector<std::string> WebAudit(const std::string& action) {
    return AuditRows(frontdoor::testing::StoreLocationOf(web_config_.store()),
                     action);
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<allocation::AllocationServer> allocation_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<intake::IntakeServer> intake_;
  std::unique_ptr<WebServer> web_;
  config::v1::WebConfig web_config_;
  std::string triage_store_;
  std::unique_ptr<intake::v1::IntakeService::Stub> police_;
  std::unique_ptr<triage::v1::TriageService::Stub> triage_staff_;
  std::unique_ptr<allocation::v1::AllocationService::Stub> allocation_staff_;
};

TEST_F(WebLeaderTest, ATeamLeaderOverridesTheTierReauthenticatingAfterTheWindow) {
  const std::string ref = Submit(11, 1, "medium");  // medium: tier 3
  ASSERT_EQ(Decision(ref).tier(), 3);
  Person lee = SignedIn("lee", "team_leader");
  CookieBrowser& b = *lee.browser;
  const std::string path = absl::StrCat("/console/referrals/", ref, "/override");

  // Within the window: no prompt, the decision as it stands and the form.
  clock_.Advance(absl::Minutes(4));
  HttpAnswer form = b.Get(path);
  ASSERT_EQ(form.status, 200) << form.body;
  EXPECT_THAT(form.body, HasSubstr("id=\"current-tier\">Tier 3<"));
  EXPECT_THAT(form.body, HasSubstr("id=\"risk-level\">Medium<"));
  EXPECT_EQ(form.headers["cache-control"], "no-store");

  // After it: the post is not sent; the person confirms who they are.
  clock_.Advance(kPastTheWindow);
  const HttpAnswer held = b.Post(path, {{"csrf-token", Csrf(form)},
                                        {"tier", "4"},
                                        {"reason", "Threats since the DASH"}});
  ASSERT_EQ(held.status, 303);
  EXPECT_EQ(held.headers.at("location"),
            "/console/confirm-identity?return-to=" + path);
  EXPECT_EQ(Decision(ref).tier(), 3);
  EXPECT_EQ(b.Get(path).status, 303);  // the page too
  const HttpAnswer confirmed = Confirm(lee, path);
  ASSERT_EQ(confirmed.status, 303) << confirmed.body;
  EXPECT_EQ(confirmed.headers.at("location"), path);

  form = b.Get(path);
  ASSERT_EQ(form.status, 200) << form.body;
  // The form's own checks first, on its fields.
  const HttpAnswer incomplete =
      b.Post(path, {{"csrf-token", Csrf(form)}, {"tier", "4"}});
  EXPECT_EQ(incomplete.status, 422);
  EXPECT_THAT(incomplete.body, HasSubstr("href=\"#reason\""));
  const HttpAnswer done = b.Post(path, {{"csrf-token", Csrf(form)},
                                        {"tier", "4"},
                                        {"reason", "Threats since the DASH"}});
  ASSERT_EQ(done.status, 303) << done.body;
  EXPECT_EQ(done.headers.at("location"),
            absl::StrCat("/console/referrals/", ref, "/decision?done=override"));

  const triage::v1::Decision d = Decision(ref);
  EXPECT_EQ(d.tier(), 4);
  EXPECT_EQ(d.tier_from_risk(), 3);
  EXPECT_EQ(d.tier_override_reason(), "Threats since the DASH");
  EXPECT_EQ(d.decided_by(), lee.account_id);
  EXPECT_THAT(b.Get(path).body, HasSubstr("id=\"current-tier\">Tier 4<"));
  EXPECT_THAT(AuditRows(triage_store_, "triage.decide"),
              ::testing::Contains(absl::StrCat("tier_override|", lee.account_id,
                                               " as team_leader")));
  EXPECT_EQ(WebAudit("web.reauthenticated").size(), 1u);
}

TEST_F(WebLeaderTest, ATeamLeaderReleasesAndTheHeadOfTheListIsAllocated) {
  const std::string first = Submit(5, 1, "first");  // iMatter's one seat
  Await(first, allocation::v1::PLACEMENT_STATE_ALLOCATED);
  const std::string next = Submit(4, 2, "next");
  Await(next, allocation::v1::PLACEMENT_STATE_WAITING);
  Person lee = SignedIn("lee", "team_leader");
  CookieBrowser& b = *lee.browser;
  const std::string path = absl::StrCat("/console/placements/", first, "/release");

  clock_.Advance(kPastTheWindow);
  EXPECT_EQ(b.Get(path).headers["location"],
            "/console/confirm-identity?return-to=" + path);
  ASSERT_EQ(Confirm(lee, path).status, 303);
  const HttpAnswer form = b.Get(path);
  ASSERT_EQ(form.status, 200) << form.body;
  EXPECT_THAT(form.body, HasSubstr("id=\"programme\">imatter<"));
  EXPECT_THAT(form.body, HasSubstr("id=\"release-place\""));
  const HttpAnswer done = b.Post(
      path, {{"csrf-token", Csrf(form)}, {"reason", "Case closed"}});
  ASSERT_EQ(done.status, 303) << done.body;
  const std::string to = done.headers.at("location");
  EXPECT_EQ(to, absl::StrCat("/console/placements/", first,
                             "/released?allocated=", next));
  const HttpAnswer shown = b.Get(to);
  ASSERT_EQ(shown.status, 200);
  EXPECT_THAT(shown.body, HasSubstr("govuk-notification-banner--success"));
  EXPECT_THAT(shown.body, HasSubstr(absl::StrCat(
                              "href=\"/console/placements/", next, "\"")));
  Await(first, allocation::v1::PLACEMENT_STATE_RELEASED);
  Await(next, allocation::v1::PLACEMENT_STATE_ALLOCATED);
  // Nothing left to release: the page says so and shows no form.
  const HttpAnswer again = b.Get(path);
  EXPECT_THAT(again.body, HasSubstr("id=\"not-allocated\""));
  EXPECT_THAT(again.body, Not(HasSubstr("id=\"release-place\"")));
}

TEST_F(WebLeaderTest, AWrongCodeIsRefusedAndCountsTowardsTheLockout) {
  Person lee = SignedIn("lee", "team_leader");
  const std::string path = "/console/placements/FD-3K9QX2M4T7BW/release";
  clock_.Advance(kPastTheWindow);
  const std::string wrong = TotpCode(lee.secret, clock_.Now() + 9 * kStep);
  for (int i = 0; i < kDefaultMaxFailedSignIns - 1; ++i) {
    const HttpAnswer refused = Confirm(lee, path, kPassword, wrong);
    EXPECT_EQ(refused.status, 422) << i;
    EXPECT_THAT(refused.body, HasSubstr("govuk-error-summary"));
    EXPECT_EQ(lee.browser->Get(path).status, 303);  // still asked
  }
  EXPECT_EQ(WebAudit("web.reauthentication_failed").size(),
            static_cast<size_t>(kDefaultMaxFailedSignIns - 1));
  // The last try locks the account and ends the session.
  const HttpAnswer locked = Confirm(lee, path, "not the password");
  EXPECT_EQ(locked.status, 303);
  EXPECT_EQ(locked.headers.at("location"), "/console/sign-in");
  EXPECT_EQ(lee.browser->Get("/console").status, 303);
  EXPECT_EQ(WebAudit("web.account_locked").size(), 1u);
  auto scrape = frontdoor::testing::HttpGet(web_->metrics_port(), "/metrics");
  ASSERT_TRUE(scrape.ok());
  EXPECT_EQ(frontdoor::testing::FindSample(
                scrape->body,
                "frontdoor_web_sign_ins_total{outcome=\"wrong_code\"}"),
            kDefaultMaxFailedSignIns - 1);
}

TEST_F(WebLeaderTest, APractitionerAndACallHandlerAreRefusedEveryPageAndPost) {
  const std::string ref = Submit(5, 1, "one");
  Await(ref, allocation::v1::PLACEMENT_STATE_ALLOCATED);
  int n = 0;
  for (const char* role : {"practitioner", "call_handler"}) {
    clock_.Advance(kStep * (++n));
    Person p = SignedIn(role, role);
    CookieBrowser& b = *p.browser;
    const std::string token = Csrf(b.Get("/console"));
    for (const std::string& path :
         {absl::StrCat("/console/referrals/", ref, "/override"),
          absl::StrCat("/console/placements/", ref, "/release"),
          absl::StrCat("/console/placements/", ref, "/released")}) {
      const HttpAnswer page = b.Get(path);
      EXPECT_EQ(page.status, 403) << role << " " << path;
      EXPECT_THAT(page.body, HasSubstr("You cannot see this page"));
      EXPECT_EQ(b.Post(path, {{"csrf-token", token},
                              {"tier", "4"},
                              {"reason", "Case closed"}})
                    .status,
                403)
          << role << " " << path;
    }
  }
  EXPECT_EQ(Decision(ref).tier(), 2);
  Await(ref, allocation::v1::PLACEMENT_STATE_ALLOCATED);
}

TEST_F(WebLeaderTest, PostsWithoutTheCsrfTokenAreRefused) {
  const std::string ref = Submit(11, 1, "medium");
  ASSERT_EQ(Decision(ref).tier(), 3);
  Person lee = SignedIn("lee", "team_leader");
  CookieBrowser& b = *lee.browser;
  for (const std::string& path :
       {absl::StrCat("/console/referrals/", ref, "/override"),
        absl::StrCat("/console/placements/", ref, "/release"),
        std::string("/console/confirm-identity")}) {
    EXPECT_EQ(b.Post(path, {{"csrf-token", "0123"},
                            {"tier", "4"},
                            {"reason", "Why"},
                            {"password", kPassword}})
                  .status,
              403)
        << path;
  }
  EXPECT_EQ(Decision(ref).tier(), 3);
  // Signed out: the pages send to sign-in.
  CookieBrowser nobody(web_->https_port());
  for (const std::string& path :
       {absl::StrCat("/console/referrals/", ref, "/override"),
        std::string("/console/confirm-identity")}) {
    const HttpAnswer r = nobody.Get(path);
    EXPECT_EQ(r.status, 303) << path;
    EXPECT_EQ(r.headers.at("location"), "/console/sign-in") << path;
  }
}

// The confirm page goes back only to a console page: an address elsewhere
// in its form or link is replaced by the console's home.
TEST_F(WebLeaderTest, TheConfirmPageNeverSendsOutOfTheConsole) {
  Person lee = SignedIn("lee", "team_leader");
  clock_.Advance(kStep);
  const HttpAnswer page = lee.browser->Get(
      "/console/confirm-identity?return-to=https://evil.example/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(InputValue(page.body, "return-to"), "/console");
  const HttpAnswer sent =
      lee.browser->Post("/console/confirm-identity",
                        {{"csrf-token", Csrf(page)},
                         {"return-to", "//evil.example/console/queue"},
                         {"password", kPassword},
                         {"code", TotpCode(lee.secret, clock_.Now())}});
  ASSERT_EQ(sent.status, 303) << sent.body;
  EXPECT_EQ(sent.headers.at("location"), "/console");
}

}  // namespace
}  // namespace frontdoor::web
