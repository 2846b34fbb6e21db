// The console's authorisation matrix over real HTTPS: every page and action
// of the console (one row each, method and path), tried by a signed-in
// person of each of the five roles and by a signed-out browser. The roles
// each row lets in are written out here by hand, from issue 14 and
// web-svc/roles.h, never computed with May(): a route that checks the wrong
// permission fails this test.
//
// Twice: with intake-svc, triage-svc and allocation-svc absent (port 1), a
// refusal must come before any call (403, the forbidden page, nothing of
// what was asked), and a role that is let in then gets the page, a
// redirect, the form's errors or the problem page (200, 303, 422 or 503),
// never 403 and never a redirect to sign in; with them in process and a
// referral triaged and allocated, a role that is let in gets the page, a
// redirect or the form's errors (the services' own bounds agree), and the
// roles that may not read referrals never see a name on any page.
//
// Two checks fail loudly when a page is added without a row: every console
// link and form action any of the pages shows is a row's (or a sign-in
// page's), and every route label in web-svc/console*.cc is a row's (or a
// sign-in page's, or an answer any page may give). No page shows a person
// a link or a form their role is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "allocation-svc/allocation_server.h"
#include "common/clock/clock.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_server.h"
#include "tests/testing/console_staff.h"
#include "tests/testing/cookie_browser.h"
#include "tests/testing/examples.h"
#include "tests/testing/http_get.h"
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

// A well-formed reference (the rows' while the services are absent) and a
// catalogue programme id, for the paths that name one.
constexpr char kReference[] = "FD-3K9QX2M4T7BW";
constexpr char kProgramme[] = "imatter";

constexpr char kSignInPath[] = "/console/sign-in";
constexpr char kForbiddenHeading[] = "You cannot see this page";

// The six role codes (the operator command's).
constexpr char kCallHandler[] = "call_handler";
constexpr char kPractitioner[] = "practitioner";
constexpr char kTeamLeader[] = "team_leader";
constexpr char kOperator[] = "operator";
constexpr char kCommissioner[] = "commissioner";
constexpr char kDataProtectionOfficer[] = "data_protection_officer";
const std::vector<std::string> kAllRoles = {
    kCallHandler, kPractitioner, kTeamLeader,
    kOperator,    kCommissioner, kDataProtectionOfficer};
// A well-formed subject access export id, which no export has: the export
// rows answer 404 to the officer (may_be_missing), 403 to everyone else.
constexpr char kExportId[] = "sar-0123456789abcdef0123";

// One page or action of the console.
struct Row {
  bool post = false;
  std::string path;
  // The metrics' route label of its answer.
  std::string route;
  // Role codes let in; every other role gets 403.
  std::set<std::string> allowed;
  // Where a signed-out browser is sent (its answer is a 303 there).
  std::string signed_out_to = kSignInPath;
  // Whether the action ends the session (sign-out): tried last, each time
  // by a person signed in for it.
  bool ends_session = false;
  // Whether a role let in may get 404 (a subject access export the row
  // names, which does not exist).
  bool may_be_missing = false;
};

// THE matrix, from issue 14 ("a call handler cannot override or release; a
// commissioner sees no personal data; a signed-out browser sees nothing")
// and the role table in web-svc/roles.h, written out by hand.
std::vector<Row> Matrix(const std::string& reference = kReference) {
  auto At = [&](const std::string& tail) {
    return absl::StrCat("/console/referrals/", reference, tail);
  };
  auto Placement = [&](const std::string& tail) {
    return absl::StrCat("/console/placements/", reference, tail);
  };
  auto Rights = [&](const std::string& tail) {
    return absl::StrCat("/console/data-rights/", reference, tail);
  };
  auto Sar = [&](const std::string& tail) {
    return absl::StrCat("/console/data-rights/exports/", kExportId, tail);
  };
  const std::set<std::string> everyone = {
      "call_handler", "practitioner", "team_leader",
      "operator",     "commissioner", "data_protection_officer"};
  const std::set<std::string> dpo = {"data_protection_officer"};
  return {
      // console.cc
      {false, "/console", "console_home", everyone},
      // console_reports.cc
      {false, "/console/reports", "console_reports",
       {"operator", "commissioner"}},
      {false, "/console/reports/download?period=2026-Q3&format=csv",
       "console_report_download", {"operator", "commissioner"}},
      {false, "/console/confirm-identity", "console_confirm_identity",
       everyone},
      {true, "/console/confirm-identity", "console_confirm_identity", everyone},
      {true, "/console/sign-out", "console_sign_out", everyone,
       "/console/signed-out", true},
      {true, "/console/sign-out-everywhere", "console_sign_out", everyone,
       "/console/signed-out-everywhere", true},
      // console_triage.cc: the queue has references, risk and waits only;
      // reading a referral, assessing and its decision are casework.
      {false,
       "/console/queue",
       "console_queue",
       {"call_handler", "practitioner", "team_leader"}},
      {false, At(""), "console_referral", {"practitioner", "team_leader"}},
      {true,
       At(""),
       "console_referral",
       {"practitioner", "team_leader"}},  // the purpose
      {false,
       At("/assessment"),
       "console_assessment",
       {"practitioner", "team_leader"}},
      {true,
       At("/assessment"),
       "console_assessment",
       {"practitioner", "team_leader"}},
      {false,
       At("/decision"),
       "console_decision",
       {"practitioner", "team_leader"}},
      // console_history.cc
      {false,
       At("/history"),
       "console_history",
       {"practitioner", "team_leader"}},
      // console_leader.cc: team leaders only.
      {false, At("/override"), "console_override", {"team_leader"}},
      {true, At("/override"), "console_override", {"team_leader"}},
      {false, Placement("/release"), "console_release", {"team_leader"}},
      {true, Placement("/release"), "console_release", {"team_leader"}},
      {false, Placement("/released"), "console_released", {"team_leader"}},
      // console_placements.cc: placements and waiting lists are casework.
      {false,
       Placement(""),
       "console_placement",
       {"practitioner", "team_leader"}},
      {true,
       Placement("/consent"),
       "console_placement_consent",
       {"practitioner", "team_leader"}},
      {true,
       Placement("/first-contact"),
       "console_placement_first_contact",
       {"practitioner", "team_leader"}},
      {true,
       Placement("/failure"),
       "console_placement_failure",
       {"practitioner", "team_leader"}},
      {false,
       "/console/waiting-lists",
       "console_waiting_lists",
       {"practitioner", "team_leader"}},
      {false,
       absl::StrCat("/console/waiting-lists/", kProgramme),
       "console_waiting_list",
       {"practitioner", "team_leader"}},
      // console_keying.cc: keying a referral taken by phone, chat or email.
      {false,
       "/console/new-referral",
       "console_new_referral",
       {"call_handler", "practitioner", "team_leader"}},
      {true,
       "/console/new-referral",
       "console_new_referral",
       {"call_handler", "practitioner", "team_leader"}},
      {false,
       "/console/new-referral/details",
       "console_new_referral_details",
       {"call_handler", "practitioner", "team_leader"}},
      {true,
       "/console/new-referral/details",
       "console_new_referral_details",
       {"call_handler", "practitioner", "team_leader"}},
      {false,
       absl::StrCat("/console/new-referral/received/", reference),
       "console_new_referral_received",
       {"call_handler", "practitioner", "team_leader"}},
      // console_data_rights.cc: the data-protection officer only (issue
      // 16), and nobody else, not even a team leader.
      {false, "/console/data-rights", "console_data_rights", dpo},
      {true, "/console/data-rights", "console_data_rights", dpo},
      {false, Rights(""), "console_data_rights_referral", dpo},
      {true, Rights("/restriction"), "console_data_rights_restriction", dpo},
      {true, Rights("/hold"), "console_data_rights_hold", dpo},
      {true, Rights("/rectify"), "console_data_rights_rectify", dpo},
      {false, Rights("/erase"), "console_data_rights_erase", dpo},
      {true, Rights("/erase"), "console_data_rights_erase", dpo},
      {true, Rights("/export"), "console_data_rights_export", dpo},
      {false, Sar(""), "console_sar", dpo, kSignInPath, false, true},
      {true, Sar("/review"), "console_sar_review", dpo, kSignInPath, false,
       true},
      {true, Sar("/release"), "console_sar_release", dpo, kSignInPath, false,
       true},
      {false, Sar("/download?format=json"), "console_sar_download", dpo,
       kSignInPath, false, true},
  };
}

// The pages before sign-in (console.cc), open to anyone, and their labels.
const std::vector<std::string> kPublicPaths = {
    "/console/sign-in",    "/console/sign-in/code",
    "/console/enrol",      "/console/enrol/authenticator",
    "/console/signed-out", "/console/signed-out-everywhere"};
const std::set<std::string> kPublicRoutes = {
    "console_sign_in", "console_code", "console_enrol", "console_authenticator",
    "console_signed_out"};
// Answers any page may give: the CSRF refusal, a wrong method, an unknown
// page, a store that cannot answer.
const std::set<std::string> kAnyPageRoutes = {
    "console_csrf", "console_method", "console_not_found", "console_error"};

// Where a redirect sends the browser ("" when it is not one).
std::string Location(const HttpAnswer& a) {
  const auto it = a.headers.find("location");
  return it == a.headers.end() ? "" : it->second;
}

std::string Describe(const Row& row) {
  return absl::StrCat(row.post ? "POST " : "GET ", row.path);
}

// The page's CSRF token (the signed-in bar's sign-out form holds it).
std::string CsrfOf(const HttpAnswer& page) {
  const std::string token = testing::InputValue(page.body, "csrf-token");
  EXPECT_FALSE(token.empty()) << page.body;
  return token;
}

// The names in tools/examples/adult-victim.json: the victim, the person
// causing harm and a child. Never on a page for a role that may not read
// referrals in full, nor on any refusal.
const std::vector<std::string> kPersonalData = {"Aisha", "Rahman", "Daniel",
                                                "Price", "Zara"};
// The roles that may not read a referral in full (issue 14: "a commissioner
// sees no personal data").
// The data-protection officer's pages show states and codes; the records
// themselves only on an export's review page, which no row reaches.
const std::set<std::string> kNoPersonalData = {
    kCallHandler, kOperator, kCommissioner, kDataProtectionOfficer};

class AuthorisationFixture : public ::testing::Test {
 protected:
  void TearDown() override {
    if (web_) {
      EXPECT_TRUE(web_->Shutdown(absl::Seconds(5)).ok());
    }
    StopServices();
    std::filesystem::remove_all(dir_);
  }
  virtual void StopServices() {}

  // web-svc calling the services on these ports (1: absent).
  void StartWeb(int intake_port, int triage_port, int allocation_port) {
    web_config_ =
        testing::WebConfigIn(dir_, intake_port, FRONTDOOR_WEB_ASSETS_DIR,
                             "example.org", triage_port, allocation_port);
    // The FakeClock never refills the buckets: room for every post here.
    web_config_.mutable_client_rate_limit()->set_per_second(0.001);
    web_config_.mutable_client_rate_limit()->set_burst(1000);
    auto web = web::WebServer::Start(web_config_, clock_);
    ASSERT_TRUE(web.ok()) << web.status();
    web_ = *std::move(web);
  }

  // A browser signed in as a new account of `role` (a fresh TOTP step).
  CookieBrowser SignedIn(const std::string& role) {
    clock_.Advance(absl::Seconds(web::kTotpStepSeconds));
    return testing::SignedInAs(web_config_, clock_, web_->https_port(),
                               absl::StrCat("user-", ++accounts_), role)
        .browser;
  }

  // The row's request, a post carrying `csrf` and nothing else.
  static HttpAnswer Try(CookieBrowser& b, const Row& row,
                        const std::string& csrf) {
    return row.post ? b.Post(row.path, {{"csrf-token", csrf}})
                    : b.Get(row.path);
  }

  // Every /console link (a get) and form action (a post) `html` shows to
  // `role`, without query, with any reference and programme made the
  // table's.
  void CollectLinks(const std::string& role, const std::string& html) {
    static const std::regex kLink("href=\"(/console[^\"?#]*)");
    // A form's attributes: its action, and whether it is a GET form (the
    // report's period form); any other form posts.
    static const std::regex kForm("<form([^>]*)>");
    static const std::regex kAction("action=\"(/console[^\"?#]*)");
    static const std::regex kGetMethod("method=\"get\"");
    static const std::regex kAnyReference("FD-[0-9A-Z]{12}");
    static const std::regex kAnyExport("sar-[0-9a-f]{20}");
    static const std::regex kAnyProgramme(
        "^/console/waiting-lists/[a-z0-9-]+$");
    const auto add = [&](bool post, const std::string& raw) {
      std::string path = std::regex_replace(raw, kAnyReference, reference_);
      path = std::regex_replace(path, kAnyExport, kExportId);
      path = std::regex_replace(
          path, kAnyProgramme,
          absl::StrCat("/console/waiting-lists/", kProgramme));
      links_.insert({role, post, path});
    };
    for (std::sregex_iterator it(html.begin(), html.end(), kLink), end;
         it != end; ++it) {
      add(false, (*it)[1].str());
    }
    for (std::sregex_iterator it(html.begin(), html.end(), kForm), end;
         it != end; ++it) {
      const std::string attributes = (*it)[1].str();
      std::smatch action;
      if (!std::regex_search(attributes, action, kAction)) continue;
      add(!std::regex_search(attributes, kGetMethod), action[1].str());
    }
  }

  // `row` tried by a person of `role` in `b` (signed in, with `csrf`); an
  // allowed role's answer is one of `allowed_statuses`.
  void Check(CookieBrowser& b, const std::string& role, const Row& row,
             const std::string& csrf,
             const std::vector<long>& allowed_statuses) {
    const HttpAnswer a = Try(b, row, csrf);
    const std::string what = absl::StrCat(Describe(row), " as ", role);
    CollectLinks(role, a.body);
    const bool refused = row.allowed.count(role) == 0;
    if (refused || kNoPersonalData.count(role) == 1) {
      for (const std::string& name : kPersonalData) {
        EXPECT_THAT(a.body, Not(HasSubstr(name))) << what;
      }
    }
    if (refused) {
      EXPECT_EQ(a.status, 403) << what << "\n" << a.body;
      EXPECT_THAT(a.body, HasSubstr(kForbiddenHeading)) << what;
      // Nothing of what was asked: not even the reference or programme.
      EXPECT_THAT(a.body, Not(HasSubstr(reference_))) << what;
      EXPECT_THAT(a.body, Not(HasSubstr(kProgramme))) << what;
      return;
    }
    EXPECT_NE(a.status, 403) << what << "\n" << a.body;
    EXPECT_THAT(a.body, Not(HasSubstr(kForbiddenHeading))) << what;
    if (row.may_be_missing && a.status == 404) return;
    EXPECT_THAT(allowed_statuses, ::testing::Contains(a.status)) << what << "\n"
                                                                 << a.body;
    if (a.status == 303) {
      EXPECT_FALSE(Location(a).empty()) << what;
      EXPECT_FALSE(absl::StartsWith(Location(a), kSignInPath))
          << what << " sent to " << Location(a);
    }
  }

  // Every row by a person of each role; then the links every page showed
  // and the route labels web-svc counted.
  void CheckMatrix(const std::vector<long>& allowed_statuses) {
    const std::vector<Row> rows = Matrix(reference_);
    for (const std::string& role : kAllRoles) {
      SCOPED_TRACE(role);
      // Every row but sign-out, with one sign-in (no clock moves
      // meanwhile, so an override or release does not ask to confirm
      // identity first).
      CookieBrowser b = SignedIn(role);
      const HttpAnswer home = b.Get("/console");
      ASSERT_EQ(home.status, 200) << home.body;
      const std::string csrf = CsrfOf(home);
      CollectLinks(role, home.body);
      for (const Row& row : rows) {
        if (!row.ends_session) Check(b, role, row, csrf, allowed_statuses);
      }
      // Still signed in: nothing above ended the session.
      EXPECT_EQ(b.Get("/console").status, 200);
      // Sign-out, each with a person signed in for it, who is then out.
      for (const Row& row : rows) {
        if (!row.ends_session) continue;
        CookieBrowser leaving = SignedIn(role);
        Check(leaving, role, row, CsrfOf(leaving.Get("/console")),
              allowed_statuses);
        const HttpAnswer after = leaving.Get("/console");
        EXPECT_EQ(after.status, 303) << Describe(row);
        EXPECT_EQ(Location(after), kSignInPath) << Describe(row);
      }
    }

    // Every console link or form action a page showed is a row's (or a
    // sign-in page's): a page added without a row fails here. And no page
    // shows a person a link or a form their role is refused.
    const std::set<std::string> open(kPublicPaths.begin(), kPublicPaths.end());
    std::set<std::string> shown;
    for (const auto& [role, post, path] : links_) {
      shown.insert(path);
      if (!post && open.count(path) == 1) continue;
      const Row* found = nullptr;
      for (const Row& row : rows) {
        // A row may carry a query (a download's format): links are
        // compared by path.
        const std::string row_path = row.path.substr(0, row.path.find('?'));
        if (row.post == post && row_path == path) found = &row;
      }
      if (found == nullptr) {
        ADD_FAILURE() << (post ? "POST " : "GET ") << path
                      << " is shown by a console page but has no row in "
                         "Matrix()";
        continue;
      }
      EXPECT_EQ(found->allowed.count(role), 1u)
          << Describe(*found) << " is shown to a " << role
          << ", who is refused it";
    }
    // The home pages named their pages, not only the sign-out forms.
    for (const char* page :
         {"/console/queue", "/console/new-referral", "/console/waiting-lists",
          "/console/reports", "/console/data-rights"}) {
      EXPECT_EQ(shown.count(page), 1u) << page;
    }

    // Every row's route label is the one web-svc counted its answers under.
    auto scrape = testing::HttpGet(web_->metrics_port(), "/metrics");
    ASSERT_TRUE(scrape.ok()) << scrape.status();
    for (const Row& row : rows) {
      EXPECT_THAT(scrape->body,
                  HasSubstr(absl::StrCat("route=\"", row.route, "\"")))
          << Describe(row);
    }
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  config::v1::WebConfig web_config_;
  std::unique_ptr<web::WebServer> web_;
  // The reference the rows name.
  std::string reference_ = kReference;
  int accounts_ = 0;
  // What each page showed: (role, post, path).
  std::set<std::tuple<std::string, bool, std::string>> links_;
};

// intake-svc, triage-svc and allocation-svc absent: a refusal comes before
// any call.
class WebAuthorisationTest : public AuthorisationFixture {
 protected:
  void SetUp() override {
    dir_ = testing::FreshServiceDir("web-authorisation");
    StartWeb(1, 1, 1);
  }
};

TEST_F(WebAuthorisationTest, EachRoleMayDoExactlyWhatTheMatrixSays) {
  // Allowed: the page, a redirect, the form's errors (nothing is sent) or
  // the problem page (the call failed).
  CheckMatrix({200, 303, 422, 503});
}

// intake-svc, triage-svc and allocation-svc in process, with a referral
// triaged and allocated: every page a role is let in to works for that
// role (the services' own bounds agree with web-svc's table), and what the
// pages show (links, names) follows the matrix too.
class WebAuthorisationWithServicesTest : public AuthorisationFixture {
 protected:
  static constexpr absl::Duration kSettle = absl::Seconds(30);
  static constexpr absl::Duration kPoll = absl::Milliseconds(20);

  void SetUp() override {
    dir_ = testing::FreshServiceDir("web-authorisation-services");
    auto allocation = allocation::AllocationServer::Start(
        testing::AllocationConfigIn(dir_), clock_);
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
    StartWeb(intake_->api_port(), triage_->api_port(), allocation_->api_port());
    reference_ = ReferralThroughTriageAndAllocation();
  }

  void StopServices() override {
    if (intake_) EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    if (triage_) EXPECT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
    if (allocation_) EXPECT_TRUE(allocation_->Shutdown(absl::Seconds(5)).ok());
  }

  // A police referral with a complete high-risk DASH: triaged at once and
  // allocated. Its reference once allocation has placed it.
  std::string ReferralThroughTriageAndAllocation() {
    auto police = intake::v1::IntakeService::NewStub(
        *testing::MakeMtlsChannel(intake_->api_port(), "staffs-police"));
    auto placements =
        allocation::v1::AllocationService::NewStub(*testing::MakeMtlsChannel(
            allocation_->api_port(), "frontdoor-helpline"));
    common::v1::Referral r = testing::ExampleReferral("adult-victim.json");
    *r.mutable_risk_assessment() = triage::testing::Dash(15);
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx, "PC 1234");
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key("authorisation-1");
    *req.mutable_referral() = r;
    intake::v1::SubmitReferralResponse resp;
    const grpc::Status s = police->SubmitReferral(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    const std::string reference = resp.receipt().reference();
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      grpc::ClientContext get_ctx;
      testing::PrepareCall(get_ctx);
      allocation::v1::GetPlacementRequest get;
      get.set_reference(reference);
      allocation::v1::Placement p;
      if (placements->GetPlacement(&get_ctx, get, &p).ok() &&
          p.state() == allocation::v1::PLACEMENT_STATE_ALLOCATED) {
        return reference;
      }
      absl::SleepFor(kPoll);  // a bounded poll of the hand-offs
    }
    ADD_FAILURE() << reference << " was not allocated";
    return reference;
  }

  std::unique_ptr<allocation::AllocationServer> allocation_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<intake::IntakeServer> intake_;
};

TEST_F(WebAuthorisationWithServicesTest,
       EachRoleMayDoExactlyWhatTheMatrixSays) {
  // Allowed: the page, a redirect or the form's errors (the rows' posts
  // carry no answers, so nothing changes); never a service's refusal.
  CheckMatrix({200, 303, 422});
}

TEST_F(WebAuthorisationWithServicesTest, OnlyThoseWhoMayReadAReferralSeeNames) {
  for (const std::string& role : kAllRoles) {
    CookieBrowser b = SignedIn(role);
    const std::string csrf = CsrfOf(b.Get("/console"));
    const HttpAnswer read =
        b.Post(absl::StrCat("/console/referrals/", reference_),
               {{"csrf-token", csrf}, {"purpose", "triage"}});
    if (role == kPractitioner || role == kTeamLeader) {
      // The check above is not vacuous: the page does show the names.
      EXPECT_EQ(read.status, 200) << role << "\n" << read.body;
      EXPECT_THAT(read.body, HasSubstr("Aisha")) << role;
      continue;
    }
    EXPECT_EQ(read.status, 403) << role;
    for (const std::string& name : kPersonalData) {
      EXPECT_THAT(read.body, Not(HasSubstr(name))) << role;
    }
  }
}

TEST_F(WebAuthorisationTest, ASignedOutBrowserSeesNothing) {
  CookieBrowser nobody(web_->https_port());
  // A CSRF token from the sign-in page, so that a refusal is the sign-in's
  // and not the form's.
  const HttpAnswer sign_in = nobody.Get(kSignInPath);
  ASSERT_EQ(sign_in.status, 200);
  const std::string csrf = CsrfOf(sign_in);
  for (const Row& row : Matrix()) {
    const HttpAnswer a = row.post
                             ? nobody.Post(row.path, {{"csrf-token", csrf}})
                             : nobody.Get(row.path);
    EXPECT_EQ(a.status, 303) << Describe(row) << "\n" << a.body;
    EXPECT_EQ(Location(a), row.signed_out_to) << Describe(row);
    EXPECT_THAT(a.body, Not(HasSubstr(kReference))) << Describe(row);
    for (const std::string& name : kPersonalData) {
      EXPECT_THAT(a.body, Not(HasSubstr(name))) << Describe(row);
    }
    EXPECT_THAT(a.body, Not(HasSubstr(kProgramme))) << Describe(row);
    EXPECT_THAT(a.body, Not(HasSubstr("govuk-heading"))) << Describe(row);
  }
  // Still nobody: no post above signed anyone in.
  EXPECT_EQ(Location(nobody.Get("/console")), kSignInPath);
  // The pages before sign-in are open to anyone.
  for (const char* open :
       {"/console/sign-in", "/console/enrol", "/console/signed-out",
        "/console/signed-out-everywhere"}) {
    EXPECT_EQ(nobody.Get(open).status, 200) << open;
  }
  // The steps after the password need a session at that step.
  for (const char* step :
       {"/console/sign-in/code", "/console/enrol/authenticator"}) {
    const HttpAnswer a = nobody.Get(step);
    EXPECT_EQ(a.status, 303) << step;
    EXPECT_EQ(Location(a), kSignInPath) << step;
  }
}

// Every route label in web-svc's console sources belongs to a row, a page
// before sign-in or an answer any page may give: a section's new page
// (which names its own label) fails here until the matrix has its row.
TEST(WebAuthorisationCoverageTest, EveryConsoleRouteLabelHasARow) {
  std::set<std::string> known = kPublicRoutes;
  known.insert(kAnyPageRoutes.begin(), kAnyPageRoutes.end());
  for (const Row& row : Matrix()) known.insert(row.route);
  const std::filesystem::path web_svc =
      std::filesystem::path(FRONTDOOR_SOURCE_DIR) / "web-svc";
  static const std::regex kLabel("\"(console_[a-z_]+)\"");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(web_svc)) {
    const std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, "console") ||
        entry.path().extension() != ".cc") {
      continue;
    }
    ++files;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string source = text.str();
    for (std::sregex_iterator it(source.begin(), source.end(), kLabel), end;
         it != end; ++it) {
      EXPECT_EQ(known.count((*it)[1].str()), 1u)
          << (*it)[1].str() << " (" << name
          << ") is a console route with no row in Matrix()";
    }
  }
  EXPECT_GE(files, 6);
}

}  // namespace
}  // namespace frontdoor
