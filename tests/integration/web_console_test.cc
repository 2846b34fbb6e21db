// web-svc's console in process, over HTTPS from a libcurl client, on a
// FakeClock: accounts made by the operator command's own code, enrolment
// with a QR code and a TOTP computed here, sign-in in two steps, refusals
// that all look the same, lockout, idle and absolute expiry, sign-out
// everywhere, the role checks and the audit trail (codes and ids only).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/clock/clock.h"
#include "common/config/config.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"
#include "google/protobuf/util/json_util.h"
#include "tests/testing/console_staff.h"
#include "tests/testing/cookie_browser.h"
#include "tests/testing/http_get.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
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

constexpr char kPassword[] = "plum orchard lantern";
constexpr char kStart[] = "2026-12-02T09:00:00Z";
const absl::Duration kStep = absl::Seconds(kTotpStepSeconds);

absl::Time StartTime() {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, kStart, &t, &err)) << err;
  return t;
}

using ::frontdoor::testing::FromBase32;
// The first group of `pattern` in `text`, or "".
constexpr auto& Capture = ::frontdoor::testing::CaptureFirst;

struct Created {
  std::string account_id;
  std::string code;
};

class WebConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = frontdoor::testing::FreshServiceDir("webconsole");
    config::v1::WebConfig& c = config_;
    c.set_https_address("127.0.0.1:0");
    const auto web_files = frontdoor::testing::PkiFiles("web-svc");
    c.mutable_public_tls()->set_cert_file(web_files.cert_file());
    c.mutable_public_tls()->set_key_file(web_files.key_file());
    c.set_health_address("127.0.0.1:0");
    c.set_metrics_address("127.0.0.1:0");
    *c.mutable_service_tls() = web_files;
    // The console calls no service: intake is never reached here.
    frontdoor::testing::PointAt(c.mutable_intake(), 1);
    frontdoor::testing::PointAt(c.mutable_triage(), 1);
    frontdoor::testing::PointAt(c.mutable_allocation(), 1);
    frontdoor::testing::PointAt(c.mutable_notify(), 1);
    frontdoor::testing::UseTestStore(c.mutable_store(), dir_, "web");
    c.set_key_ring_file((dir_ / "keys.json").string());
    c.set_shutdown_grace_seconds(5);
    c.set_assets_dir(FRONTDOOR_WEB_ASSETS_DIR);
    // The FakeClock never refills the buckets: room for every post here.
    c.mutable_client_rate_limit()->set_per_second(0.001);
    c.mutable_client_rate_limit()->set_burst(1000);
    auto web = WebServer::Start(c, clock_);
    ASSERT_TRUE(web.ok()) << web.status();
    web_ = *std::move(web);
  }

  void TearDown() override {
    if (web_) {
      EXPECT_TRUE(web_->Shutdown(absl::Seconds(5)).ok());
    }
    web_.reset();
    std::filesystem::remove_all(dir_);
  }

  // frontdoor-web-accounts, as an operator runs it, on web-svc's database.
  int Accounts(std::vector<std::string> args, std::string* out) {
    const std::string location =
        frontdoor::testing::StoreLocationOf(config_.store());
    args.push_back(store::IsPostgresUrl(location) ? "--postgres" : "--sqlite");
    args.push_back(location);
    args.push_back("--keys");
    args.push_back(config_.key_ring_file());
    std::ostringstream o, e;
    const int rc = RunAccountsCommand(args, o, e, clock_);
    *out = o.str() + e.str();
    return rc;
  }

  Created Create(const std::string& username, const std::string& name,
                 const std::string& role) {
    std::string out;
    EXPECT_EQ(Accounts({"create", "--username", username, "--display-name",
                        name, "--role", role, "--url", "https://console.test",
                        "--operator", "op-7"},
                       &out),
              kAccountsExitOk)
        << out;
    EXPECT_THAT(
        out, HasSubstr("\"enrol_at\":\"https://console.test/console/enrol\""));
    return {Capture(out, "\"account_id\":\"([^\"]+)\""),
            Capture(out, "\"enrolment_code\":\"([^\"]+)\"")};
  }

  CookieBrowser Browser() { return CookieBrowser(web_->https_port()); }

  void Restart() {
    ASSERT_TRUE(web_->Shutdown(absl::Seconds(5)).ok());
    web_.reset();
    auto web = WebServer::Start(config_, clock_);
    ASSERT_TRUE(web.ok()) << web.status();
    web_ = *std::move(web);
  }

  // Polls the metrics page until `name` has a sample, for at most 30 s.
  std::optional<double> AwaitSample(const std::string& name) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      auto scrape =
          frontdoor::testing::HttpGet(web_->metrics_port(), "/metrics");
      if (scrape.ok()) {
        if (auto v = frontdoor::testing::FindSample(scrape->body, name))
          return v;
      }
      absl::SleepFor(absl::Milliseconds(20));  // a bounded poll
    }
    return std::nullopt;
  }

  static std::string Csrf(const HttpAnswer& page) {
    return InputValue(page.body, "csrf-token");
  }

  // Enrols with `code`: sets the password, reads the authenticator key
  // from the page and confirms a code for now. Returns the raw secret.
  std::string Enrol(CookieBrowser& b, const std::string& username,
                    const std::string& code) {
    const HttpAnswer form = b.Get("/console/enrol");
    EXPECT_EQ(form.status, 200);
    const HttpAnswer sent =
        b.Post("/console/enrol", {{"csrf-token", Csrf(form)},
                                  {"username", username},
                                  {"enrolment-code", code},
                                  {"new-password", kPassword},
                                  {"confirm-password", kPassword}});
    EXPECT_EQ(sent.status, 303) << sent.body;
    EXPECT_EQ(sent.headers.at("location"), "/console/enrol/authenticator");
    const HttpAnswer page = b.Get("/console/enrol/authenticator");
    EXPECT_EQ(page.status, 200);
    const std::string secret =
        FromBase32(Capture(page.body, "id=\"totp-secret\">([A-Z2-7 ]+)<"));
    EXPECT_EQ(secret.size(), kTotpSecretBytes);
    const HttpAnswer done = b.Post(
        "/console/enrol/authenticator",
        {{"csrf-token", Csrf(page)}, {"code", TotpCode(secret, clock_.Now())}});
    EXPECT_EQ(done.status, 303) << done.body;
    EXPECT_EQ(done.headers.at("location"), "/console");
    return secret;
  }

  // Password, then the code for now.
  HttpAnswer SignIn(CookieBrowser& b, const std::string& username,
                    const std::string& secret,
                    const std::string& password = kPassword) {
    const HttpAnswer form = b.Get("/console/sign-in");
    const HttpAnswer sent =
        b.Post("/console/sign-in", {{"csrf-token", Csrf(form)},
                                    {"username", username},
                                    {"password", password}});
    if (sent.status != 303) return sent;
    EXPECT_EQ(sent.headers.at("location"), "/console/sign-in/code");
    const HttpAnswer page = b.Get("/console/sign-in/code");
    EXPECT_EQ(page.status, 200);
    return b.Post(
        "/console/sign-in/code",
        {{"csrf-token", Csrf(page)}, {"code", TotpCode(secret, clock_.Now())}});
  }

  // (action, subject, details) of every audit row, and all their text.
  std::vector<std::string> AuditActions(std::string* all_text = nullptr) {
    auto db = store::OpenStore(
        frontdoor::testing::StoreLocationOf(config_.store()), {});
    EXPECT_TRUE(db.ok()) << db.status();
    std::vector<std::string> actions;
    EXPECT_TRUE((*db)
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(
                          "SELECT action, actor_person, subject, reason, "
                          "details FROM audit_log ORDER BY seq");
                      if (!rows.ok()) return rows.status();
                      for (const store::Row& r : *rows) {
                        actions.push_back(r.Text(0));
                        if (all_text != nullptr) {
                          for (size_t i = 0; i < r.size(); ++i) {
                            absl::StrAppend(all_text, r.Text(i), "\n");
                          }
                        }
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    (*db)->Close();
    return actions;
  }

  FakeClock clock_{StartTime()};
  std::filesystem::path dir_;
  config::v1::WebConfig config_;
  std::unique_ptr<WebServer> web_;
};

TEST_F(WebConsoleTest, AnOperatorsAccountIsEnrolledWithAQrCodeAndSignedIn) {
  const Created acct =
      Create("Sam.Practitioner@Example.org ", "Sam Okafor", "practitioner");
  ASSERT_FALSE(acct.code.empty());
  CookieBrowser b = Browser();
  // Signed out: the console sends to sign-in.
  HttpAnswer home = b.Get("/console");
  EXPECT_EQ(home.status, 303);
  EXPECT_EQ(home.headers.at("location"), "/console/sign-in");

  // Enrolment: the password, then the authenticator page (QR code + key).
  const HttpAnswer form = b.Get("/console/enrol");
  HttpAnswer sent =
      b.Post("/console/enrol", {{"csrf-token", Csrf(form)},
                                {"username", "sam.practitioner@example.org"},
                                {"enrolment-code", acct.code},
                                {"new-password", kPassword},
                                {"confirm-password", kPassword}});
  ASSERT_EQ(sent.status, 303) << sent.body;
  const std::string enrolling = b.cookies[kSessionCookie];
  ASSERT_FALSE(enrolling.empty());
  HttpAnswer page = b.Get("/console/enrol/authenticator");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body,
              HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(page.body, HasSubstr("role=\"img\""));
  EXPECT_EQ(page.headers["cache-control"], "no-store");
  const std::string secret =
      FromBase32(Capture(page.body, "id=\"totp-secret\">([A-Z2-7 ]+)<"));
  ASSERT_EQ(secret.size(), kTotpSecretBytes);
  // A wrong code is refused, on the same page with the error.
  const std::string wrong = TotpCode(secret, clock_.Now() + 5 * kStep);
  HttpAnswer refused = b.Post("/console/enrol/authenticator",
                              {{"csrf-token", Csrf(page)}, {"code", wrong}});
  EXPECT_EQ(refused.status, 422);
  EXPECT_THAT(refused.body, HasSubstr("govuk-error-summary"));
  // The right one signs in, under a new session id.
  HttpAnswer done = b.Post(
      "/console/enrol/authenticator",
      {{"csrf-token", Csrf(page)}, {"code", TotpCode(secret, clock_.Now())}});
  ASSERT_EQ(done.status, 303) << done.body;
  EXPECT_EQ(done.headers.at("location"), "/console");
  EXPECT_NE(b.cookies[kSessionCookie], enrolling);
  bool session_cookie_seen = false;
  for (const std::string& c : done.set_cookies) {
    if (!absl::StartsWith(c, kSessionCookie)) continue;
    session_cookie_seen = true;
    EXPECT_THAT(c, HasSubstr("; Path=/"));
    EXPECT_THAT(c, HasSubstr("Secure"));
    EXPECT_THAT(c, HasSubstr("HttpOnly"));
    EXPECT_THAT(c, HasSubstr("SameSite=Strict"));
    EXPECT_THAT(c, Not(HasSubstr("Domain")));
  }
  EXPECT_TRUE(session_cookie_seen);

  home = b.Get("/console");
  ASSERT_EQ(home.status, 200);
  EXPECT_THAT(home.body, HasSubstr("Sam Okafor"));
  EXPECT_THAT(home.body,
              HasSubstr("<strong id=\"role\">Practitioner</strong>"));
  EXPECT_THAT(home.body,
              HasSubstr("Complete a DASH or children&apos;s assessment"));
  EXPECT_THAT(home.body, Not(HasSubstr("Release a place")));
  EXPECT_EQ(home.headers["cache-control"], "no-store");

  // The code works once: a second enrolment with it is refused.
  CookieBrowser other = Browser();
  const HttpAnswer form2 = other.Get("/console/enrol");
  const HttpAnswer again = other.Post(
      "/console/enrol", {{"csrf-token", Csrf(form2)},
                         {"username", "sam.practitioner@example.org"},
                         {"enrolment-code", acct.code},
                         {"new-password", "another long password"},
                         {"confirm-password", "another long password"}});
  EXPECT_EQ(again.status, 422);
  EXPECT_THAT(again.body, HasSubstr("Enter the username and enrolment code"));
}

TEST_F(WebConsoleTest, SignInNeedsThePasswordThenAFreshCode) {
  const Created acct = Create("lee", "Lee Smith", "team_leader");
  CookieBrowser b = Browser();
  const std::string secret = Enrol(b, "lee", acct.code);
  const HttpAnswer out =
      b.Post("/console/sign-out", {{"csrf-token", Csrf(b.Get("/console"))}});
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(out.headers.at("location"), "/console/signed-out");
  EXPECT_EQ(b.Get("/console").status, 303);

  // The password alone reaches only the code page.
  const HttpAnswer form = b.Get("/console/sign-in");
  HttpAnswer sent = b.Post("/console/sign-in", {{"csrf-token", Csrf(form)},
                                                {"username", "LEE"},
                                                {"password", kPassword}});
  ASSERT_EQ(sent.status, 303);
  EXPECT_EQ(b.Get("/console").status, 303);
  // The code used at enrolment, still in its step: refused (no reuse).
  HttpAnswer page = b.Get("/console/sign-in/code");
  HttpAnswer reused = b.Post(
      "/console/sign-in/code",
      {{"csrf-token", Csrf(page)}, {"code", TotpCode(secret, clock_.Now())}});
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(b.Get("/console").status, 303);
  // The next step's code signs in.
  clock_.Advance(kStep);
  HttpAnswer done = b.Post(
      "/console/sign-in/code",
      {{"csrf-token", Csrf(page)}, {"code", TotpCode(secret, clock_.Now())}});
  ASSERT_EQ(done.status, 303) << done.body;
  const HttpAnswer home = b.Get("/console");
  EXPECT_EQ(home.status, 200);
  EXPECT_THAT(home.body, HasSubstr("Team leader"));
  EXPECT_THAT(home.body, HasSubstr("Release a place"));
}

TEST_F(WebConsoleTest, AnUnknownNameAndAWrongPasswordGetTheSameAnswer) {
  const Created acct = Create("kim", "Kim Lowe", "call_handler");
  CookieBrowser enrol = Browser();
  Enrol(enrol, "kim", acct.code);
  auto attempt = [&](const std::string& username) {
    CookieBrowser b = Browser();
    const HttpAnswer form = b.Get("/console/sign-in");
    HttpAnswer r =
        b.Post("/console/sign-in", {{"csrf-token", Csrf(form)},
                                    {"username", username},
                                    {"password", "not the password"}});
    // What differs by design: the token and the name typed back.
    r.body = absl::StrReplaceAll(
        r.body,
        {{Csrf(form), "TOKEN"}, {"value=\"" + username + "\"", "NAME"}});
    return r;
  };
  const HttpAnswer wrong = attempt("kim");
  const HttpAnswer unknown = attempt("nobody");
  EXPECT_EQ(wrong.status, 422);
  EXPECT_EQ(unknown.status, wrong.status);
  EXPECT_EQ(unknown.body, wrong.body);
  EXPECT_EQ(unknown.set_cookies.size(), wrong.set_cookies.size());
  EXPECT_THAT(wrong.body, HasSubstr("Enter a correct username and password"));
  // Both audited as failures, without the name typed.
  std::string text;
  const std::vector<std::string> actions = AuditActions(&text);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "web.sign_in_failed"),
            2);
  EXPECT_THAT(text, HasSubstr("unknown_account"));
  EXPECT_THAT(text, HasSubstr("wrong_password"));
  EXPECT_THAT(text, Not(HasSubstr("nobody")));
}

TEST_F(WebConsoleTest, FiveFailuresLockTheAccountForTheLockoutPeriod) {
  const Created acct = Create("ash", "Ash Khan", "practitioner");
  CookieBrowser b = Browser();
  const std::string secret = Enrol(b, "ash", acct.code);
  b.Post("/console/sign-out", {{"csrf-token", Csrf(b.Get("/console"))}});
  for (int i = 0; i < kDefaultMaxFailedSignIns; ++i) {
    EXPECT_EQ(
        SignIn(b, "ash", secret, "wrong password " + std::to_string(i)).status,
        422);
  }
  // Locked: even the right password gets the same refusal.
  clock_.Advance(kStep);
  HttpAnswer locked = SignIn(b, "ash", secret);
  EXPECT_EQ(locked.status, 422);
  EXPECT_THAT(locked.body, HasSubstr("Enter a correct username and password"));
  clock_.Advance(kDefaultLockout - kStep - absl::Seconds(1));
  EXPECT_EQ(SignIn(b, "ash", secret).status, 422);
  // After the period it opens with the password and a fresh code.
  clock_.Advance(absl::Seconds(1) + kStep);
  const HttpAnswer opened = SignIn(b, "ash", secret);
  EXPECT_EQ(opened.status, 303) << opened.body;
  EXPECT_EQ(b.Get("/console").status, 200);
  const std::vector<std::string> actions = AuditActions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "web.account_locked"),
            1);
  // The metrics count outcome codes.
  auto scrape = frontdoor::testing::HttpGet(web_->metrics_port(), "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  for (const auto& [outcome, count] :
       std::vector<std::pair<std::string, double>>{{"wrong_password", 5},
                                                   {"locked_out", 1},
                                                   {"locked", 2},
                                                   {"signed_in", 2}}) {
    EXPECT_EQ(frontdoor::testing::FindSample(
                  scrape->body,
                  absl::StrCat("frontdoor_web_sign_ins_total{outcome=\"",
                               outcome, "\"}")),
              count)
        << outcome;
  }
}

TEST_F(WebConsoleTest, WrongCodesCountTowardsTheLockoutToo) {
  const Created acct = Create("jo", "Jo Reed", "practitioner");
  CookieBrowser b = Browser();
  const std::string secret = Enrol(b, "jo", acct.code);
  b.Post("/console/sign-out", {{"csrf-token", Csrf(b.Get("/console"))}});
  HttpAnswer last;
  for (int i = 0; i < kDefaultMaxFailedSignIns; ++i) {
    const HttpAnswer form = b.Get("/console/sign-in");
    ASSERT_EQ(b.Post("/console/sign-in", {{"csrf-token", Csrf(form)},
                                          {"username", "jo"},
                                          {"password", kPassword}})
                  .status,
              303);
    const HttpAnswer page = b.Get("/console/sign-in/code");
    ASSERT_EQ(page.status, 200) << i;
    last = b.Post("/console/sign-in/code",
                  {{"csrf-token", Csrf(page)},
                   {"code", TotpCode(secret, clock_.Now() + 9 * kStep)}});
  }
  // The fifth wrong code ends the half-signed-in session and locks.
  EXPECT_EQ(last.status, 303);
  EXPECT_EQ(last.headers.at("location"), "/console/sign-in");
  clock_.Advance(kStep);
  EXPECT_EQ(SignIn(b, "jo", secret).status, 422);
}

TEST_F(WebConsoleTest, SessionsEndWhenIdleAndAfterTheAbsoluteTimeout) {
  const Created acct = Create("mo", "Mo Ali", "practitioner");
  CookieBrowser b = Browser();
  const std::string secret = Enrol(b, "mo", acct.code);
  // Idle: 30 minutes without a request.
  clock_.Advance(kDefaultIdleTimeout - absl::Seconds(1));
  EXPECT_EQ(b.Get("/console").status, 200);
  clock_.Advance(kDefaultIdleTimeout);
  HttpAnswer expired = b.Get("/console");
  EXPECT_EQ(expired.status, 303);
  EXPECT_EQ(expired.headers.at("location"), "/console/sign-in");
  EXPECT_EQ(b.cookies.count(kSessionCookie), 0u);  // cleared
  // Absolute: 12 hours after sign-in, however busy.
  clock_.Advance(kStep);
  ASSERT_EQ(SignIn(b, "mo", secret).status, 303);
  const absl::Time signed_in = clock_.Now();
  int requests = 0;
  while (clock_.Now() + absl::Minutes(20) <
         signed_in + kDefaultAbsoluteTimeout) {
    clock_.Advance(absl::Minutes(20));
    ASSERT_EQ(b.Get("/console").status, 200) << clock_.Now();
    ASSERT_LT(++requests, 100);
  }
  clock_.Set(signed_in + kDefaultAbsoluteTimeout);
  EXPECT_EQ(b.Get("/console").status, 303);
  const std::vector<std::string> actions = AuditActions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "web.session_expired"),
            2);
}

TEST_F(WebConsoleTest, SignOutEverywhereEndsEveryOtherSession) {
  const Created acct = Create("pat", "Pat Dunn", "practitioner");
  CookieBrowser first = Browser();
  const std::string secret = Enrol(first, "pat", acct.code);
  CookieBrowser second = Browser();
  clock_.Advance(kStep);
  ASSERT_EQ(SignIn(second, "pat", secret).status, 303);
  EXPECT_EQ(first.Get("/console").status, 200);
  EXPECT_EQ(second.Get("/console").status, 200);
  const HttpAnswer out =
      second.Post("/console/sign-out-everywhere",
                  {{"csrf-token", Csrf(second.Get("/console"))}});
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(out.headers.at("location"), "/console/signed-out-everywhere");
  EXPECT_EQ(first.Get("/console").status, 303);
  EXPECT_EQ(second.Get("/console").status, 303);
  EXPECT_THAT(second.Get("/console/signed-out-everywhere").body,
              HasSubstr("You have been signed out everywhere"));
  const std::vector<std::string> actions = AuditActions();
  EXPECT_EQ(
      std::count(actions.begin(), actions.end(), "web.signed_out_everywhere"),
      1);
}

TEST_F(WebConsoleTest, EachRoleSeesOnlyItsPages) {
  struct Case {
    const char* username;
    const char* role;
    int queue;
    int reports;
  };
  // The queue's and the reports' pages ask the services, which do not run
  // here: a role allowed them gets as far as the call (503);
  // web_triage_test and web.browser.reports show them.
  constexpr int kQueueAllowed = 503;
  constexpr int kReportsAllowed = 503;
  int n = 0;
  for (const Case& c :
       {Case{"ch", "call_handler", kQueueAllowed, 403},
        Case{"co", "commissioner", 403, kReportsAllowed},
        Case{"op", "operator", 403, kReportsAllowed},
        Case{"tl", "team_leader", kQueueAllowed, 403},
        Case{"dp", "data_protection_officer", 403, 403}}) {
    const Created acct = Create(c.username, "Alex Doe", c.role);
    CookieBrowser b = Browser();
    clock_.Advance(kStep * (++n));
    Enrol(b, c.username, acct.code);
    EXPECT_EQ(b.Get("/console/queue").status, c.queue) << c.role;
    const HttpAnswer reports = b.Get("/console/reports");
    EXPECT_EQ(reports.status, c.reports) << c.role;
    if (c.reports == 403) {
      EXPECT_THAT(reports.body, HasSubstr("You cannot see this page"));
    }
  }
  // Signed out: nothing but the way to sign in.
  CookieBrowser nobody = Browser();
  for (const char* path : {"/console", "/console/queue", "/console/reports"}) {
    const HttpAnswer r = nobody.Get(path);
    EXPECT_EQ(r.status, 303) << path;
    EXPECT_EQ(r.headers.at("location"), "/console/sign-in") << path;
  }
}

TEST_F(WebConsoleTest, EveryPostNeedsTheCsrfToken) {
  const Created acct = Create("val", "Val Moss", "practitioner");
  CookieBrowser b = Browser();
  Enrol(b, "val", acct.code);
  for (const char* path :
       {"/console/sign-in", "/console/sign-in/code", "/console/enrol",
        "/console/enrol/authenticator", "/console/sign-out",
        "/console/sign-out-everywhere"}) {
    const HttpAnswer r = b.Post(path, {{"csrf-token", "0123"}});
    EXPECT_EQ(r.status, 403) << path;
  }
  EXPECT_EQ(b.Get("/console").status, 200);  // still signed in
}

TEST_F(WebConsoleTest, DisableAndResetByTheOperatorCommand) {
  const Created acct = Create("rae", "Rae Hill", "practitioner");
  CookieBrowser b = Browser();
  const std::string secret = Enrol(b, "rae", acct.code);
  std::string out;
  EXPECT_EQ(Accounts({"disable", "--username", "rae"}, &out), kAccountsExitOk)
      << out;
  EXPECT_EQ(b.Get("/console").status, 303);  // its session ended
  clock_.Advance(kStep);
  EXPECT_EQ(SignIn(b, "rae", secret).status, 422);
  EXPECT_EQ(Accounts({"enable", "--username", "rae"}, &out), kAccountsExitOk)
      << out;
  EXPECT_EQ(SignIn(b, "rae", secret).status, 303);
  // Reset: password and authenticator gone, a new code enrols again.
  EXPECT_EQ(Accounts({"reset", "--username", "rae"}, &out), kAccountsExitOk)
      << out;
  const std::string code = Capture(out, "\"enrolment_code\":\"([^\"]+)\"");
  EXPECT_EQ(b.Get("/console").status, 303);
  clock_.Advance(kStep);
  EXPECT_EQ(SignIn(b, "rae", secret).status, 422);
  clock_.Advance(kStep);
  const std::string fresh = Enrol(b, "rae", code);
  EXPECT_NE(fresh, secret);
  EXPECT_EQ(b.Get("/console").status, 200);
  // Refusals: an unknown name, a name in use, a role that is none.
  EXPECT_EQ(Accounts({"disable", "--username", "nobody"}, &out),
            kAccountsExitRefused);
  EXPECT_EQ(Accounts({"create", "--username", "RAE", "--display-name", "X",
                      "--role", "practitioner"},
                     &out),
            kAccountsExitRefused);
  EXPECT_EQ(Accounts({"create", "--username", "z", "--display-name", "X",
                      "--role", "admin"},
                     &out),
            kAccountsExitError);
}

TEST_F(WebConsoleTest, TheAuditTrailHoldsCodesAndIdsNeverNames) {
  const Created acct =
      Create("quinn.example@nhs.net", "Quinn Abara", "practitioner");
  CookieBrowser b = Browser();
  Enrol(b, "quinn.example@nhs.net", acct.code);
  b.Post("/console/sign-out", {{"csrf-token", Csrf(b.Get("/console"))}});
  std::string text;
  const std::vector<std::string> actions = AuditActions(&text);
  EXPECT_EQ(actions,
            (std::vector<std::string>{"web.account_created", "web.password_set",
                                      "web.authenticator_enrolled",
                                      "web.signed_in", "web.signed_out"}));
  EXPECT_THAT(text, HasSubstr(acct.account_id));
  EXPECT_THAT(text, HasSubstr("operator:op-7"));
  for (const char* never : {"quinn", "Quinn", "Abara", "nhs.net", kPassword}) {
    EXPECT_THAT(text, Not(HasSubstr(never))) << never;
  }
  // Nor in the database's other columns in the clear.
  auto db = store::OpenStore(
      frontdoor::testing::StoreLocationOf(config_.store()), {});
  ASSERT_TRUE(db.ok());
  std::string stored;
  ASSERT_TRUE(
      (*db)
          ->Read([&](store::Tx& tx) -> absl::Status {
            auto rows = tx.Query(
                "SELECT username_index, sealed_username, "
                "sealed_display_name, password_hash, sealed_totp_secret "
                "FROM staff_accounts");
            if (!rows.ok()) return rows.status();
            for (const store::Row& r : *rows) {
              for (size_t i = 0; i < r.size(); ++i) stored += r.Text(i);
            }
            return absl::OkStatus();
          })
          .ok());
  (*db)->Close();
  for (const char* never : {"quinn", "Abara", kPassword}) {
    EXPECT_THAT(stored, Not(HasSubstr(never))) << never;
  }
  EXPECT_THAT(stored, HasSubstr("$argon2id$"));
}

// A key rotation: the ring gains k2 as its active key, web-svc re-seals the
// accounts' names and TOTP secrets by itself, and then k1 can leave.
TEST_F(WebConsoleTest,
       AfterAKeyRotationTheAccountsAreResealedAndTheOldKeyCanGo) {
  const Created acct = Create("nat", "Nat Hale", "practitioner");
  CookieBrowser b = Browser();
  const std::string secret = Enrol(b, "nat", acct.code);

  auto ring =
      config::LoadJsonFile<config::v1::KeyRingFile>(config_.key_ring_file());
  ASSERT_TRUE(ring.ok()) << ring.status();
  const std::string old_id = ring->active_key_id();
  auto fresh = config::ParseJson<config::v1::KeyRingFile>(
      *crypto::GenerateKeyRingJson("k2"), "new key");
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  *ring->add_keys() = fresh->keys(0);
  ring->set_active_key_id("k2");
  const auto write_ring = [&](const config::v1::KeyRingFile& file) {
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(file, &json).ok());
    std::ofstream(config_.key_ring_file(), std::ios::trunc) << json;
  };
  write_ring(*ring);
  Restart();
  for (const char* column :
       {"sealed_username", "sealed_display_name", "sealed_totp_secret"}) {
    EXPECT_EQ(AwaitSample(absl::StrCat(
                  "frontdoor_sealed_rows_on_old_keys{table=\"staff_accounts\","
                  "column=\"",
                  column, "\"}")),
              0.0)
        << column;
  }
  // The old key leaves the ring: the account still signs in.
  ring->mutable_keys()->erase(ring->mutable_keys()->begin());
  ASSERT_NE(ring->keys(0).id(), old_id);
  write_ring(*ring);
  Restart();
  CookieBrowser again = Browser();
  clock_.Advance(kStep);
  EXPECT_EQ(SignIn(again, "nat", secret).status, 303);
  EXPECT_THAT(again.Get("/console").body, HasSubstr("Nat Hale"));
}

TEST(WebConsoleConfigTest, BadConsoleSettingsAreNamedAtStartUp) {
  config::v1::WebConfig c;
  c.set_https_address("127.0.0.1:0");
  c.mutable_public_tls()->set_cert_file("cert.pem");
  c.mutable_public_tls()->set_key_file("key.pem");
  c.set_health_address("127.0.0.1:0");
  c.set_metrics_address("127.0.0.1:0");
  c.mutable_service_tls()->set_ca_file("ca.pem");
  c.mutable_service_tls()->set_cert_file("cert.pem");
  c.mutable_service_tls()->set_key_file("key.pem");
  c.mutable_intake()->set_target("localhost:1");
  c.mutable_triage()->set_target("localhost:1");
  c.mutable_allocation()->set_target("localhost:1");
  c.mutable_notify()->set_target("localhost:1");
  c.mutable_store()->set_sqlite_path("web.db");
  c.set_key_ring_file("keys.json");
  c.set_shutdown_grace_seconds(5);
  c.set_assets_dir("assets");
  EXPECT_TRUE(ValidateConfig(c).ok()) << ValidateConfig(c);
  c.mutable_console()->set_max_failed_sign_ins(-1);
  c.mutable_console()->set_idle_timeout_seconds(7200);
  c.mutable_console()->set_absolute_timeout_seconds(3600);
  const absl::Status s = ValidateConfig(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("console.max_failed_sign_ins"));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("console.absolute_timeout_seconds: must be at least"));
  // The defaults: an idle timeout above the default absolute one is refused
  // too.
  c.mutable_console()->Clear();
  c.mutable_console()->set_idle_timeout_seconds(13 * 3600);
  EXPECT_FALSE(ValidateConfig(c).ok());
  const SignInPolicy defaults = SignInPolicyFor(config::v1::ConsoleConfig());
  EXPECT_EQ(defaults.max_failures, 5);
  EXPECT_EQ(defaults.lockout, absl::Minutes(15));
  EXPECT_EQ(defaults.idle_timeout, absl::Minutes(30));
  EXPECT_EQ(defaults.absolute_timeout, absl::Hours(12));
}

}  // namespace
}  // namespace frontdoor::web
