// The console's keyed referrals over real HTTPS, with real intake-svc and
// triage-svc in process (real mTLS, the same FakeClock): a call handler
// signed in with a password and a TOTP code keys a victim's call, which
// intake records with the channel and the person as actor and triage
// queues; an agency's secure email is recorded as that agency's; errors
// land on their fields; a double post is one referral; the roles that may
// not key, a signed-out browser and a post without its CSRF token are
// refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/clock/clock.h"
#include "common/store/store.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "intake-svc/intake_server.h"
#include "tests/testing/console_staff.h"
#include "tests/testing/cookie_browser.h"
#include "tests/testing/examples.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
#include "tests/testing/test_store.h"
#include "triage-svc/triage_server.h"
#include "web-svc/accounts_cli.h"
#include "web-svc/credentials.h"
#include "web-svc/web_server.h"

namespace frontdoor::web {
namespace {

using ::frontdoor::testing::CookieBrowser;
using ::frontdoor::testing::HttpAnswer;
using ::frontdoor::testing::InputValue;
using ::testing::HasSubstr;
using ::testing::Not;

using Form = std::vector<std::pair<std::string, std::string>>;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 12, 2, 9, 0, 0), absl::UTCTimeZone());
constexpr absl::Duration kSettle = absl::Seconds(30);
constexpr absl::Duration kPoll = absl::Milliseconds(20);
constexpr char kReceivedPrefix[] = "/console/new-referral/received/";

// The value of the text input `name` in `html`.
std::string TextValue(const std::string& html, const std::string& name) {
  return frontdoor::testing::CaptureFirst(html,
                 "name=\"" + name + "\" type=\"[a-z]+\" value=\"([^\"]*)\"");
}

// What a victim on the phone can safely give.
Form PhonedIn() {
  return {{"given-names", "Sam"},
          {"family-name", "Jones"},
          {"dob-day", "1"},
          {"dob-month", "2"},
          {"dob-year", "1990"},
          {"address-postcode", "ST4 7AB"},
          {"phone", "07700 900982"},
          {"safe-to-call", "no"},
          {"safe-to-leave-message", "no"},
          {"safe-times", "Only she calls us; weekday mornings"},
          {"concerns", "Her partner hurts her."},
          {"children", "no"},
          {"consent", "given"}};
}

class WebKeyingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = frontdoor::testing::FreshServiceDir("webkeying");
    auto triage = triage::TriageServer::Start(
        frontdoor::testing::TriageConfigIn(dir_), clock_);
    ASSERT_TRUE(triage.ok()) << triage.status();
    triage_ = *std::move(triage);
    intake_config_ = frontdoor::testing::IntakeConfigIn(dir_);
    frontdoor::testing::PointAt(intake_config_.mutable_triage(),
                                triage_->api_port());
    auto intake = intake::IntakeServer::Start(intake_config_, clock_);
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);

    web_config_ = frontdoor::testing::WebConfigIn(
        dir_, intake_->api_port(), FRONTDOOR_WEB_ASSETS_DIR, "nhs.net",
        triage_->api_port());
    // The FakeClock never refills the buckets: room for every post here.
    web_config_.mutable_client_rate_limit()->set_per_second(0.001);
    web_config_.mutable_client_rate_limit()->set_burst(1000);
    auto web = WebServer::Start(web_config_, clock_);
    ASSERT_TRUE(web.ok()) << web.status();
    web_ = *std::move(web);
  }

  void TearDown() override {
    if (web_) {
      EXPECT_TRUE(web_->Shutdown(absl::Seconds(5)).ok());
    }
    StopIntake();
    if (triage_) {
      EXPECT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
    }
    triage_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StopIntake() {
    if (intake_) {
      EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    }
    intake_.reset();
  }

  CookieBrowser Browser() { return CookieBrowser(web_->https_port()); }

  // An account with `role` made by the operator command and enrolled in
  // `b`, which is then signed in; its id.
  std::string SignedIn(CookieBrowser& b, const std::string& username,
                       const std::string& role) {
    return frontdoor::testing::EnrolIn(b, web_config_, clock_, username, role)
        .account_id;
  }

  static std::string Csrf(const HttpAnswer& page) {
    return InputValue(page.body, "csrf-token");
  }

  // The first step's answers posted; the form it answers with.
  HttpAnswer Choose(CookieBrowser& b, const Form& choices) {
    const HttpAnswer start = b.Get("/console/new-referral");
    EXPECT_EQ(start.status, 200) << start.body;
    Form form = choices;
    form.push_back({"csrf-token", Csrf(start)});
    return b.Post("/console/new-referral", form);
  }

  // The second step: the form's hidden fields and tokens, and `details`.
  HttpAnswer Send(CookieBrowser& b, const HttpAnswer& form_page,
                  const Form& details) {
    Form form = details;
    for (const char* hidden : {"csrf-token", "form-token", "channel",
                               "referred-by", "referral-form"}) {
      form.push_back({hidden, InputValue(form_page.body, hidden)});
    }
    return b.Post("/console/new-referral/details", form);
  }

  std::unique_ptr<triage::v1::TriageService::Stub> TriageStaff() {
    return triage::v1::TriageService::NewStub(
        *frontdoor::testing::MakeMtlsChannel(triage_->api_port(),
                                             "frontdoor-helpline"));
  }

  // Whether triage's queue holds `reference`, once intake's relay has
  // handed it over (a bounded poll).
  bool AwaitQueued(const std::string& reference) {
    auto triage = TriageStaff();
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      grpc::ClientContext ctx;
      frontdoor::testing::PrepareCall(ctx);
      triage::v1::ListQueueRequest req;
      req.set_page_size(500);
      triage::v1::ListQueueResponse resp;
      const grpc::Status s = triage->ListQueue(&ctx, req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      for (const auto& e : resp.entries()) {
        if (e.reference() == reference) return true;
      }
      absl::SleepFor(kPoll);
    }
    return false;
  }

  // Rows of intake's database: stop intake first.
  std::vector<std::vector<std::string>> IntakeRows(const std::string& sql) {
    std::vector<std::vector<std::string>> out;
    auto store = frontdoor::testing::OpenTestStore(
        frontdoor::testing::StoreLocationOf(intake_config_.store()), {});
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return out;
    EXPECT_TRUE((*store)
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(sql);
                      if (!rows.ok()) return rows.status();
                      for (const store::Row& r : *rows) {
                        std::vector<std::string> row;
                        for (size_t i = 0; i < r.size(); ++i) {
                          const store::Value& v = r.at(i);
                          row.push_back(
                              std::holds_alternative<int64_t>(v)
                                  ? std::to_string(std::get<int64_t>(v))
                                  : r.Text(i));
                        }
                        out.push_back(std::move(row));
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    (*store)->Close();
    return out;
  }

  FakeClock clock_{kStart};
  std::filesystem::path dir_;
  config::v1::IntakeConfig intake_config_;
  config::v1::WebConfig web_config_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<intake::IntakeServer> intake_;
  std::unique_ptr<WebServer> web_;
};

TEST_F(WebKeyingTest, ACallHandlerKeysAPhonedInSelfReferralThatTriageQueues) {
  CookieBrowser b = Browser();
  const std::string id = SignedIn(b, "alex@example.org", "call_handler");
  const HttpAnswer home = b.Get("/console");
  EXPECT_THAT(home.body, HasSubstr("href=\"/console/new-referral\""));

  const HttpAnswer form = Choose(b, {{"channel", "phone"},
                                     {"referred-by", "self"},
                                     {"referral-form", "adult-victim"}});
  ASSERT_EQ(form.status, 200) << form.body;
  EXPECT_THAT(form.body, Not(HasSubstr("name=\"referrer-name\"")));
  EXPECT_EQ(form.headers.at("cache-control"), "no-store");
  const HttpAnswer sent = Send(b, form, PhonedIn());
  ASSERT_EQ(sent.status, 303) << sent.body;
  const std::string location = sent.headers.at("location");
  ASSERT_THAT(location, ::testing::StartsWith(kReceivedPrefix));
  const std::string reference = location.substr(sizeof(kReceivedPrefix) - 1);
  EXPECT_TRUE(std::regex_match(reference, std::regex("FD-[0-9A-Z]{12}")))
      << reference;

  const HttpAnswer receipt = b.Get(location);
  ASSERT_EQ(receipt.status, 200);
  EXPECT_THAT(receipt.body, HasSubstr("govuk-notification-banner--success"));
  EXPECT_THAT(receipt.body,
              HasSubstr(absl::StrCat("<strong id=\"reference\">", reference)));
  EXPECT_THAT(receipt.body, HasSubstr("href=\"/console/queue\""));
  // Nothing the caller said is in the receipt.
  EXPECT_THAT(receipt.body, Not(HasSubstr("Jones")));

  // The same form sent again (a double click, a resend) is the same
  // referral.
  const HttpAnswer again = Send(b, form, PhonedIn());
  ASSERT_EQ(again.status, 303) << again.body;
  EXPECT_EQ(again.headers.at("location"), location);
  // The same form with other answers is not a second referral either.
  Form changed = PhonedIn();
  changed[0].second = "Samantha";
  EXPECT_EQ(Send(b, form, changed).status, 409);

  EXPECT_TRUE(AwaitQueued(reference));

  StopIntake();
  const auto referrals = IntakeRows(
      "SELECT reference, channel, agency_id, referring_agency FROM referrals");
  ASSERT_EQ(referrals.size(), 1u);
  EXPECT_EQ(referrals[0][0], reference);
  EXPECT_EQ(referrals[0][1], std::to_string(common::v1::CHANNEL_PHONE));
  EXPECT_EQ(referrals[0][2], "frontdoor-web");
  EXPECT_EQ(referrals[0][3], "frontdoor-web");
  const auto received = IntakeRows(
      "SELECT subject, actor_agency, actor_person FROM audit_log "
      "WHERE action = 'referral.receive'");
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0][0], reference);
  EXPECT_EQ(received[0][1], "frontdoor-web");
  EXPECT_EQ(received[0][2], absl::StrCat(id, " as call_handler"));
}

TEST_F(WebKeyingTest, ASecureEmailFromAnAgencyIsRecordedAsThatAgencys) {
  CookieBrowser b = Browser();
  SignedIn(b, "jo@example.org", "practitioner");
  const HttpAnswer form = Choose(b, {{"channel", "secure-email"},
                                     {"referred-by", "agency"},
                                     {"agency", "staffs-probation"},
                                     {"referral-form", "behaviour-change"}});
  ASSERT_EQ(form.status, 200) << form.body;
  EXPECT_EQ(TextValue(form.body, "agency"), "staffs-probation");
  Form details = PhonedIn();
  details.push_back({"agency", "staffs-probation"});
  details.push_back({"referrer-name", "Pat Smith"});
  details.push_back({"referrer-email", "pat.smith@probation.example"});
  details.push_back({"referrer-case-reference", "PRB/123"});
  details.push_back({"other-given-names", "Kim"});
  details.push_back({"other-family-name", "Jones"});
  details.push_back({"other-relationship", "current-partner"});
  details.push_back({"known-to-probation", "yes"});
  details.push_back({"previous-programme", "no"});
  const HttpAnswer sent = Send(b, form, details);
  ASSERT_EQ(sent.status, 303) << sent.body;
  const std::string reference =
      sent.headers.at("location").substr(sizeof(kReceivedPrefix) - 1);

  // Probation reads it as its own referral.
  auto probation =
      intake::v1::IntakeService::NewStub(*frontdoor::testing::MakeMtlsChannel(
          intake_->api_port(), "staffs-probation"));
  grpc::ClientContext ctx;
  frontdoor::testing::PrepareCall(ctx);
  intake::v1::GetReferralRequest req;
  req.set_reference(reference);
  intake::v1::GetReferralResponse got;
  const grpc::Status read = probation->GetReferral(&ctx, req, &got);
  ASSERT_TRUE(read.ok()) << read.error_message();
  EXPECT_EQ(got.referral().channel(), common::v1::CHANNEL_SECURE_EMAIL);
  EXPECT_EQ(got.referral().referrer().on_behalf_of_agency(),
            "staffs-probation");
  EXPECT_EQ(got.referral().referrer().agency_case_reference(), "PRB/123");
  EXPECT_EQ(got.receipt().front_door(),
            common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE);

  StopIntake();
  const auto rows =
      IntakeRows("SELECT channel, referring_agency FROM referrals");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], std::to_string(common::v1::CHANNEL_SECURE_EMAIL));
  EXPECT_EQ(rows[0][1], "staffs-probation");
}

TEST_F(WebKeyingTest, ErrorsAreShownOnTheirFields) {
  CookieBrowser b = Browser();
  SignedIn(b, "alex@example.org", "call_handler");
  // The first step's own questions.
  const HttpAnswer none = Choose(b, {});
  EXPECT_EQ(none.status, 422);
  EXPECT_THAT(none.body, HasSubstr("<title>Error: "));
  for (const char* field : {"channel", "referred-by", "referral-form"}) {
    EXPECT_THAT(none.body, HasSubstr(absl::StrCat("href=\"#", field, "\"")))
        << field;
  }
  const HttpAnswer email_from_self =
      Choose(b, {{"channel", "secure-email"},
                 {"referred-by", "self"},
                 {"referral-form", "adult-victim"}});
  EXPECT_EQ(email_from_self.status, 422);
  EXPECT_THAT(email_from_self.body, HasSubstr("href=\"#referred-by\""));

  // Intake's violations, on the form's fields: a postcode outside the
  // area, no first name, an agency the registry does not know.
  const HttpAnswer form = Choose(b, {{"channel", "phone"},
                                     {"referred-by", "agency"},
                                     {"agency", "staffs-police"},
                                     {"referral-form", "adult-victim"}});
  ASSERT_EQ(form.status, 200) << form.body;
  Form details = PhonedIn();
  details[0].second = "";          // given-names
  details[5].second = "SW1A 1AA";  // address-postcode
  details.push_back({"agency", "no-such-agency"});
  details.push_back({"referrer-name", "Pat Smith"});
  details.push_back({"referrer-phone", "01632 960001"});
  const HttpAnswer refused = Send(b, form, details);
  ASSERT_EQ(refused.status, 422) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("govuk-error-summary"));
  for (const char* field : {"agency", "given-names", "address-postcode"}) {
    EXPECT_THAT(refused.body, HasSubstr(absl::StrCat("href=\"#", field, "\"")))
        << field;
  }
  EXPECT_THAT(refused.body, HasSubstr("govuk-form-group--error"));
  // What was typed is kept, and nothing was recorded.
  EXPECT_EQ(TextValue(refused.body, "referrer-name"), "Pat Smith");
  StopIntake();
  EXPECT_TRUE(IntakeRows("SELECT reference FROM referrals").empty());
}

TEST_F(WebKeyingTest, RolesThatMayNotKeyAreRefused) {
  for (const char* role : {"commissioner", "operator"}) {
    CookieBrowser b = Browser();
    SignedIn(b, absl::StrCat(role, "@example.org"), role);
    const HttpAnswer page = b.Get("/console/new-referral");
    EXPECT_EQ(page.status, 403) << role;
    const HttpAnswer home = b.Get("/console");
    const HttpAnswer post = b.Post("/console/new-referral/details",
                                   {{"csrf-token", Csrf(home)},
                                    {"channel", "phone"},
                                    {"referred-by", "self"},
                                    {"referral-form", "adult-victim"}});
    EXPECT_EQ(post.status, 403) << role;
    EXPECT_THAT(post.body, HasSubstr("You cannot see this page"));
  }
}

TEST_F(WebKeyingTest, SignedOutBrowsersAndForgedPostsAreRefused) {
  CookieBrowser out = Browser();
  const HttpAnswer page = out.Get("/console/new-referral");
  EXPECT_EQ(page.status, 303);
  EXPECT_EQ(page.headers.at("location"), "/console/sign-in");
  EXPECT_EQ(out.Get("/console/new-referral/received/FD-7K3M9Q2X4W8P").status,
            303);

  CookieBrowser b = Browser();
  SignedIn(b, "alex@example.org", "call_handler");
  const HttpAnswer form = Choose(b, {{"channel", "phone"},
                                     {"referred-by", "self"},
                                     {"referral-form", "adult-victim"}});
  ASSERT_EQ(form.status, 200);
  Form forged = PhonedIn();
  for (const char* hidden :
       {"form-token", "channel", "referred-by", "referral-form"}) {
    forged.push_back({hidden, InputValue(form.body, hidden)});
  }
  forged.push_back({"csrf-token", "not-the-token"});
  const HttpAnswer refused = b.Post("/console/new-referral/details", forged);
  EXPECT_EQ(refused.status, 403);
  EXPECT_THAT(refused.body, HasSubstr("this form has expired"));
  StopIntake();
  EXPECT_TRUE(IntakeRows("SELECT reference FROM referrals").empty());
}

}  // namespace
}  // namespace frontdoor::web
