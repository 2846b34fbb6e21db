// The console's placements and waiting lists end to end, in process:
// intake-svc, triage-svc and allocation-svc over real mTLS with real
// stores, web-svc calling them as itself for the person signed in, and a
// libcurl browser over HTTPS signed in with a real TOTP. The services share
// one fake clock (2 December: UK time is UTC, as the forms are typed here).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "allocation-svc/allocation_server.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_server.h"
#include "tests/testing/console_staff.h"
#include "tests/testing/cookie_browser.h"
#include "tests/testing/examples.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
#include "tests/testing/triage_calls.h"
#include "tests/unit/triage/rules_fixture.h"
#include "triage-svc/triage_server.h"
#include "web-svc/web_server.h"

namespace frontdoor {
namespace {

using allocation::v1::Placement;
using common::v1::Referral;
using testing::CookieBrowser;
using ::testing::HasSubstr;
using testing::HttpAnswer;
using testing::InputValue;
using ::testing::Not;
using Fields = std::vector<std::pair<std::string, std::string>>;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 12, 2, 9, 0, 0), absl::UTCTimeZone());
constexpr absl::Duration kSettle = absl::Seconds(30);
constexpr absl::Duration kPoll = absl::Milliseconds(20);
// The example adult's name: never on a placement or list page.
constexpr char kGivenName[] = "Aisha";
constexpr char kFamilyName[] = "Rahman";

std::string PlacementPath(const std::string& reference,
                          const std::string& action = "") {
  return absl::StrCat("/console/placements/", reference,
                      action.empty() ? "" : "/", action);
}

class WebPlacementsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshServiceDir("web-placements");
    // iMatter with one seat, so a waiting list is easy to make.
    std::ifstream in(testing::ConfigFile("allocation-settings.json"));
    std::stringstream settings;
    settings << in.rdbuf();
    std::string text = settings.str();
    const std::string seats = "\"programmeId\": \"imatter\", \"seats\": 12";
    ASSERT_NE(text.find(seats), std::string::npos);
    text.replace(text.find(seats), seats.size(),
                 "\"programmeId\": \"imatter\", \"seats\": 1");
    std::ofstream(dir_ / "settings.json") << text;

    config::v1::AllocationConfig a = testing::AllocationConfigIn(dir_);
    a.set_settings_file((dir_ / "settings.json").string());
    auto allocation = allocation::AllocationServer::Start(a, clock_);
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
    // The fake clock never refills the buckets: room for every post here.
    web_config_.mutable_client_rate_limit()->set_per_second(0.001);
    web_config_.mutable_client_rate_limit()->set_burst(1000);
    auto web = web::WebServer::Start(web_config_, clock_);
    ASSERT_TRUE(web.ok()) << web.status();
    web_ = *std::move(web);

    police_ = intake::v1::IntakeService::NewStub(
        *testing::MakeMtlsChannel(intake_->api_port(), "staffs-police"));
    triage_staff_ = triage::v1::TriageService::NewStub(
        *testing::MakeMtlsChannel(triage_->api_port(), "frontdoor-helpline"));
    allocation_staff_ =
        allocation::v1::AllocationService::NewStub(*testing::MakeMtlsChannel(
            allocation_->api_port(), "frontdoor-helpline"));
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
    if (allocation_) {
      EXPECT_TRUE(allocation_->Shutdown(absl::Seconds(5)).ok());
    }
    std::filesystem::remove_all(dir_);
  }

  std::string Submit(const Referral& referral, const std::string& key) {
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(key);
    *req.mutable_referral() = referral;
    intake::v1::SubmitReferralResponse resp;
    grpc::Status s = police_->SubmitReferral(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.receipt().reference();
  }

  Referral Adult(int yes, int dob_day) {
    Referral r = testing::ExampleReferral("adult-victim.json");
    *r.mutable_risk_assessment() = triage::testing::Dash(yes);
    r.mutable_subject()->mutable_date_of_birth()->set_day(dob_day);
    return r;
  }

  // Allocation's placement, as its own staff see it.
  absl::StatusOr<Placement> Get(const std::string& reference) {
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    allocation::v1::GetPlacementRequest req;
    req.set_reference(reference);
    Placement p;
    grpc::Status s = allocation_staff_->GetPlacement(&ctx, req, &p);
    if (!s.ok()) return absl::UnknownError(s.error_message());
    return p;
  }

  // The placement once it has reached `state` (or fails the test).
  Placement Await(const std::string& reference,
                  allocation::v1::PlacementState state) {
    Placement p;
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      absl::StatusOr<Placement> got = Get(reference);
      if (got.ok() && got->state() == state) return *got;
      if (got.ok()) p = *got;
      absl::SleepFor(kPoll);  // a bounded poll: the hand-offs are async
    }
    ADD_FAILURE() << reference << " did not reach "
                  << allocation::v1::PlacementState_Name(state) << "; "
                  << p.ShortDebugString();
    return p;
  }

  // An adult at standard risk given iMatter's one seat, and another on its
  // waiting list.
  std::pair<std::string, std::string> AllocatedAndWaiting() {
    const std::string allocated = Submit(Adult(5, 1), "allocated");
    Await(allocated, allocation::v1::PLACEMENT_STATE_ALLOCATED);
    clock_.Advance(absl::Minutes(1));
    const std::string waiting = Submit(Adult(4, 2), "waiting");
    Await(waiting, allocation::v1::PLACEMENT_STATE_WAITING);
    return {allocated, waiting};
  }

  // A browser signed in as a new person in `role`.
  CookieBrowser Staff(const std::string& role) {
    return testing::SignedInAs(web_config_, clock_, web_->https_port(),
                               absl::StrCat(role, "-", ++people_), role)
        .browser;
  }

  // A date input `prefix`-day/-month/-year and `prefix`-time holding `at`.
  static Fields When(const std::string& prefix, absl::Time at) {
    const absl::CivilSecond cs = absl::ToCivilSecond(at, absl::UTCTimeZone());
    return {{prefix + "-day", absl::StrCat(cs.day())},
            {prefix + "-month", absl::StrCat(cs.month())},
            {prefix + "-year", absl::StrCat(cs.year())},
            {prefix + "-time",
             absl::StrFormat("%02d:%02d", cs.hour(), cs.minute())}};
  }

  // Opens the placement's page, then posts `fields` (and its CSRF token)
  // to its form at `action`.
  HttpAnswer Record(CookieBrowser& b, const std::string& reference,
                    const std::string& action, Fields fields) {
    const HttpAnswer page = b.Get(PlacementPath(reference));
    fields.push_back({"csrf-token", InputValue(page.body, "csrf-token")});
    return b.Post(PlacementPath(reference, action), fields);
  }

  Fields FirstContactNow() {
    Fields f = When("made-at", clock_.Now());
    f.push_back({"method", "phone"});
    return f;
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  int people_ = 0;
  config::v1::WebConfig web_config_;
  std::unique_ptr<allocation::AllocationServer> allocation_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<intake::IntakeServer> intake_;
  std::unique_ptr<web::WebServer> web_;
  std::unique_ptr<intake::v1::IntakeService::Stub> police_;
  std::unique_ptr<triage::v1::TriageService::Stub> triage_staff_;
  std::unique_ptr<allocation::v1::AllocationService::Stub> allocation_staff_;
};

TEST_F(WebPlacementsTest, FirstContactIsMetOnThePlacementAndCountedOnTheList) {
  const auto [allocated, waiting] = AllocatedAndWaiting();
  CookieBrowser b = Staff("practitioner");
  clock_.Advance(absl::Minutes(10));

  HttpAnswer page = b.Get(PlacementPath(waiting));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.headers["cache-control"], "no-store");
  EXPECT_THAT(page.body, HasSubstr("govuk-tag--blue\">Waiting<"));
  EXPECT_THAT(page.body, HasSubstr("Number 1 of 1 waiting"));
  EXPECT_THAT(page.body, HasSubstr("iMatter, tier 2"));
  EXPECT_THAT(page.body, HasSubstr("govuk-tag--blue\">Due<"));
  EXPECT_THAT(page.body, HasSubstr("id=\"record-first-contact\""));
  EXPECT_THAT(page.body, Not(HasSubstr(kGivenName)));
  EXPECT_THAT(page.body, Not(HasSubstr(kFamilyName)));

  const HttpAnswer sent =
      Record(b, waiting, "first-contact", FirstContactNow());
  ASSERT_EQ(sent.status, 303) << sent.body;
  EXPECT_EQ(sent.headers.at("location"), PlacementPath(waiting));

  page = b.Get(PlacementPath(waiting));
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("govuk-notification-banner--success"));
  EXPECT_THAT(page.body, HasSubstr("First contact recorded"));
  EXPECT_THAT(page.body, HasSubstr("It met the first-contact target."));
  EXPECT_THAT(page.body, HasSubstr("govuk-tag--green\">Met<"));
  EXPECT_THAT(page.body, HasSubstr(", by phone"));
  EXPECT_THAT(page.body, Not(HasSubstr("id=\"record-first-contact\"")));
  // The banner is said once.
  EXPECT_THAT(b.Get(PlacementPath(waiting)).body,
              Not(HasSubstr("govuk-notification-banner")));

  absl::StatusOr<Placement> p = Get(waiting);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->first_contact(), allocation::v1::FIRST_CONTACT_MET);
  EXPECT_EQ(p->first_contact_method(), allocation::v1::CONTACT_METHOD_PHONE);

  // Allocation's list counts it, and the console shows its counts.
  grpc::ClientContext ctx;
  testing::PrepareCall(ctx);
  allocation::v1::ListWaitingRequest list_req;
  list_req.set_programme_id("imatter");
  allocation::v1::ListWaitingResponse list;
  ASSERT_TRUE(allocation_staff_->ListWaiting(&ctx, list_req, &list).ok());
  EXPECT_EQ(list.first_contact_met(), 1);
  const HttpAnswer one = b.Get("/console/waiting-lists/imatter");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_THAT(one.body, HasSubstr("<span id=\"met-imatter\">1</span>"));
  EXPECT_THAT(one.body,
              HasSubstr("<span id=\"waiting-count-imatter\">1</span>"));
  EXPECT_THAT(one.body,
              HasSubstr(absl::StrCat("href=\"", PlacementPath(waiting), "\"")));
  EXPECT_THAT(one.body, Not(HasSubstr(allocated)));
  EXPECT_THAT(one.body, Not(HasSubstr(kFamilyName)));
  const HttpAnswer all = b.Get("/console/waiting-lists");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_THAT(all.body, HasSubstr("id=\"waiting-imatter\""));
  EXPECT_THAT(all.body, HasSubstr("id=\"programme-dating-detox\""));
  // The practitioner's home links to the lists.
  EXPECT_THAT(b.Get("/console").body,
              HasSubstr("href=\"/console/waiting-lists\""));
}

TEST_F(WebPlacementsTest, TheListIsHighestRiskFirstThenLongestWaiting) {
  const auto [allocated, standard] = AllocatedAndWaiting();
  clock_.Advance(absl::Minutes(1));
  // A high-risk person, tier 2 by a practitioner's override, arrives later.
  Referral plain = testing::ExampleReferral("adult-victim.json");
  plain.clear_risk_assessment();
  plain.mutable_subject()->mutable_date_of_birth()->set_day(3);
  const std::string high = Submit(plain, "high");
  triage::v1::SubmitAssessmentRequest req;
  req.set_reference(high);
  *req.mutable_dash() = triage::testing::Dash(15);
  req.mutable_tier_override()->set_tier(2);
  req.mutable_tier_override()->set_reason("Group work first, by choice");
  triage::v1::Decision d;
  grpc::Status s =
      testing::SubmitAssessmentWhenQueued(*triage_staff_, req, &d, kSettle);
  ASSERT_TRUE(s.ok()) << s.error_message();
  Await(high, allocation::v1::PLACEMENT_STATE_WAITING);

  CookieBrowser b = Staff("practitioner");
  const HttpAnswer list = b.Get("/console/waiting-lists/imatter");
  ASSERT_EQ(list.status, 200) << list.body;
  const size_t first = list.body.find(PlacementPath(high));
  const size_t second = list.body.find(PlacementPath(standard));
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
  EXPECT_THAT(list.body,
              HasSubstr("<td class=\"govuk-table__cell\">High</td>"));
  EXPECT_THAT(b.Get(PlacementPath(standard)).body,
              HasSubstr("Number 2 of 2 waiting"));
}

TEST_F(WebPlacementsTest, ACarersConsentAllocatesAChildAndAWithdrawalFailsIt) {
  Referral r = testing::ExampleReferral("child-victim.json");
  r.mutable_subject()->mutable_date_of_birth()->set_year(2011);  // 15
  r.mutable_consent()->set_parent_or_carer(common::v1::CONSENT_UNSPECIFIED);
  r.mutable_other_party()->mutable_name()->set_given_names("Sam");
  r.mutable_other_party()->mutable_name()->set_family_name("Other");
  r.mutable_other_party()->set_relationship(
      common::v1::RELATIONSHIP_EX_PARTNER);
  const std::string ref = Submit(r, "teen");
  triage::v1::SubmitAssessmentRequest req;
  req.set_reference(ref);
  *req.mutable_child() =
      triage::testing::ChildAnswers("harm-in-own-relationship");
  triage::v1::Decision d;
  grpc::Status s =
      testing::SubmitAssessmentWhenQueued(*triage_staff_, req, &d, kSettle);
  ASSERT_TRUE(s.ok()) << s.error_message();
  Await(ref, allocation::v1::PLACEMENT_STATE_AWAITING_CONSENT);

  CookieBrowser b = Staff("practitioner");
  HttpAnswer page = b.Get(PlacementPath(ref));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_THAT(page.body, HasSubstr("govuk-tag--yellow\">Awaiting consent<"));
  EXPECT_THAT(page.body, HasSubstr("Dating Detox, tier 3"));
  EXPECT_THAT(page.body, HasSubstr("A parent or carer: Not recorded"));
  EXPECT_THAT(page.body, Not(HasSubstr("Leo")));

  Fields consent = When("given-at", clock_.Now());
  consent.push_back({"who", "parent-or-carer"});
  consent.push_back({"consent", "given"});
  consent.push_back({"how", "by phone to the CYP practitioner"});
  HttpAnswer sent = Record(b, ref, "consent", consent);
  ASSERT_EQ(sent.status, 303) << sent.body;
  page = b.Get(PlacementPath(ref));
  EXPECT_THAT(page.body, HasSubstr("Consent recorded"));
  EXPECT_THAT(page.body,
              HasSubstr("The placement is allocated to Dating Detox."));
  EXPECT_THAT(page.body, HasSubstr("govuk-tag--green\">Allocated<"));
  EXPECT_THAT(page.body, HasSubstr("A parent or carer: Given"));
  absl::StatusOr<Placement> p = Get(ref);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->state(), allocation::v1::PLACEMENT_STATE_ALLOCATED);
  EXPECT_EQ(p->consent().parent_or_carer(), common::v1::CONSENT_GIVEN);

  Fields withdrawn = When("given-at", clock_.Now());
  withdrawn.push_back({"who", "parent-or-carer"});
  withdrawn.push_back({"consent", "withdrawn"});
  withdrawn.push_back({"how", "by email to the team"});
  sent = Record(b, ref, "consent", withdrawn);
  ASSERT_EQ(sent.status, 303) << sent.body;
  page = b.Get(PlacementPath(ref));
  EXPECT_THAT(page.body, HasSubstr("Withdrawal of consent recorded"));
  EXPECT_THAT(page.body, HasSubstr("govuk-tag--red\">Failed<"));
  EXPECT_THAT(page.body, HasSubstr(">Declined<"));
  EXPECT_THAT(page.body, HasSubstr("A parent or carer: Refused or withdrawn"));
  p = Get(ref);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->state(), allocation::v1::PLACEMENT_STATE_FAILED);
  EXPECT_EQ(p->failure(), allocation::v1::FAILURE_REASON_DECLINED);
}

TEST_F(WebPlacementsTest, AFailureIsRecordedWithItsReasonAndFreesThePlace) {
  const auto [allocated, waiting] = AllocatedAndWaiting();
  CookieBrowser b = Staff("practitioner");
  const HttpAnswer sent =
      Record(b, allocated, "failure",
             {{"failure", "no-contact"},
              {"note", "three calls at safe times, no answer"}});
  ASSERT_EQ(sent.status, 303) << sent.body;
  const HttpAnswer page = b.Get(PlacementPath(allocated));
  EXPECT_THAT(page.body, HasSubstr("Failure recorded"));
  EXPECT_THAT(page.body, HasSubstr("Allocation has failed: No contact."));
  EXPECT_THAT(page.body, HasSubstr("govuk-tag--red\">Failed<"));
  EXPECT_THAT(page.body, HasSubstr("three calls at safe times, no answer"));
  EXPECT_THAT(page.body, Not(HasSubstr("id=\"record-failure\"")));
  absl::StatusOr<Placement> p = Get(allocated);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->failure(), allocation::v1::FAILURE_REASON_NO_CONTACT);
  // The freed seat went to the head of the list.
  Await(waiting, allocation::v1::PLACEMENT_STATE_ALLOCATED);
}

TEST_F(WebPlacementsTest, AllocationsValidationIsShownOnTheFieldItNames) {
  const std::string ref = Submit(Adult(5, 1), "one");
  Await(ref, allocation::v1::PLACEMENT_STATE_ALLOCATED);
  CookieBrowser b = Staff("practitioner");

  // Whose consent is missing: allocation names "who".
  Fields consent = When("given-at", clock_.Now());
  consent.push_back({"consent", "given"});
  consent.push_back({"how", "in person at the office"});
  HttpAnswer refused = Record(b, ref, "consent", consent);
  EXPECT_EQ(refused.status, 422);
  EXPECT_THAT(refused.body, HasSubstr("<title>Error: Placement"));
  EXPECT_THAT(refused.body,
              HasSubstr("<a href=\"#who\">Select whose consent it is</a>"));
  EXPECT_THAT(refused.body, HasSubstr("id=\"who-error\""));
  EXPECT_THAT(refused.body, HasSubstr("value=\"in person at the office\""));

  // First contact tomorrow: allocation refuses a time in the future.
  Fields tomorrow = When("made-at", clock_.Now() + absl::Hours(24));
  tomorrow.push_back({"method", "video"});
  refused = Record(b, ref, "first-contact", tomorrow);
  EXPECT_EQ(refused.status, 422);
  EXPECT_THAT(refused.body,
              HasSubstr("<a href=\"#made-at-day\">The date and time of first "
                        "contact must be in the past</a>"));
  EXPECT_THAT(refused.body, HasSubstr("value=\"video\" checked"));

  // A date that is not one: web-svc's to say, nothing sent.
  refused = Record(b, ref, "first-contact",
                   {{"method", "phone"},
                    {"made-at-day", "31"},
                    {"made-at-month", "2"},
                    {"made-at-year", "2026"},
                    {"made-at-time", "10:00"}});
  EXPECT_EQ(refused.status, 422);
  EXPECT_THAT(refused.body, HasSubstr("<a href=\"#made-at-day\">The date of "
                                      "first contact must be a real date</a>"));

  // A failure without a note.
  refused = Record(b, ref, "failure", {{"failure", "declined"}});
  EXPECT_EQ(refused.status, 422);
  EXPECT_THAT(refused.body,
              HasSubstr("<a href=\"#note\">Enter what happened</a>"));

  absl::StatusOr<Placement> p = Get(ref);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->state(), allocation::v1::PLACEMENT_STATE_ALLOCATED);
  EXPECT_EQ(p->first_contact(), allocation::v1::FIRST_CONTACT_DUE);

  // Recorded once; a second post (an old page) is refused as such.
  const HttpAnswer page = b.Get(PlacementPath(ref));
  Fields again = FirstContactNow();
  again.push_back({"csrf-token", InputValue(page.body, "csrf-token")});
  ASSERT_EQ(b.Post(PlacementPath(ref, "first-contact"), again).status, 303);
  refused = b.Post(PlacementPath(ref, "first-contact"), again);
  EXPECT_EQ(refused.status, 409);
  EXPECT_THAT(refused.body,
              HasSubstr("<a href=\"#method\">First contact has already been "
                        "recorded for this placement</a>"));
  EXPECT_THAT(refused.body, HasSubstr("id=\"method-error\""));
}

TEST_F(WebPlacementsTest, CallHandlersAndCommissionersMayNotSeeOrRecord) {
  const auto [allocated, waiting] = AllocatedAndWaiting();
  for (const char* role : {"call_handler", "commissioner"}) {
    CookieBrowser b = Staff(role);
    const HttpAnswer home = b.Get("/console");
    EXPECT_THAT(home.body, Not(HasSubstr("/console/waiting-lists")));
    const std::string token = InputValue(home.body, "csrf-token");
    ASSERT_FALSE(token.empty());
    for (const std::string& path :
         {PlacementPath(allocated), PlacementPath(waiting),
          std::string("/console/waiting-lists"),
          std::string("/console/waiting-lists/imatter")}) {
      const HttpAnswer r = b.Get(path);
      EXPECT_EQ(r.status, 403) << role << " " << path;
      EXPECT_THAT(r.body, HasSubstr("You cannot see this page"));
      EXPECT_THAT(r.body, Not(HasSubstr(kFamilyName)));
    }
    Fields consent = When("given-at", clock_.Now());
    consent.insert(consent.end(), {{"who", "subject"},
                                   {"consent", "refused"},
                                   {"how", "by phone"},
                                   {"csrf-token", token}});
    Fields contact = FirstContactNow();
    contact.push_back({"csrf-token", token});
    const Fields failure = {
        {"failure", "declined"}, {"note", "said no"}, {"csrf-token", token}};
    EXPECT_EQ(b.Post(PlacementPath(allocated, "consent"), consent).status, 403)
        << role;
    EXPECT_EQ(b.Post(PlacementPath(allocated, "first-contact"), contact).status,
              403)
        << role;
    EXPECT_EQ(b.Post(PlacementPath(allocated, "failure"), failure).status, 403)
        << role;
  }
  absl::StatusOr<Placement> p = Get(allocated);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->state(), allocation::v1::PLACEMENT_STATE_ALLOCATED);
  EXPECT_EQ(p->first_contact(), allocation::v1::FIRST_CONTACT_DUE);
  EXPECT_EQ(p->consent().subject(), common::v1::CONSENT_GIVEN);
}

TEST_F(WebPlacementsTest,
       SignedOutBrowsersAreSentToSignInAndPostsNeedTheToken) {
  const std::string ref = Submit(Adult(5, 1), "one");
  Await(ref, allocation::v1::PLACEMENT_STATE_ALLOCATED);
  CookieBrowser out(web_->https_port());
  for (const std::string& path :
       {PlacementPath(ref), std::string("/console/waiting-lists"),
        std::string("/console/waiting-lists/imatter")}) {
    const HttpAnswer r = out.Get(path);
    EXPECT_EQ(r.status, 303) << path;
    EXPECT_EQ(r.headers.at("location"), "/console/sign-in") << path;
  }
  // A signed-out browser's post has no token that fits.
  EXPECT_EQ(
      out.Post(PlacementPath(ref, "first-contact"), FirstContactNow()).status,
      403);

  CookieBrowser b = Staff("practitioner");
  // Without the form's token, or with another browser's: refused before
  // anything is sent.
  HttpAnswer forged =
      b.Post(PlacementPath(ref, "first-contact"), FirstContactNow());
  EXPECT_EQ(forged.status, 403);
  EXPECT_THAT(forged.body, HasSubstr("Sorry, this form has expired"));
  CookieBrowser other = Staff("practitioner");
  Fields with_other = FirstContactNow();
  with_other.push_back(
      {"csrf-token",
       InputValue(other.Get(PlacementPath(ref)).body, "csrf-token")});
  EXPECT_EQ(b.Post(PlacementPath(ref, "first-contact"), with_other).status,
            403);
  absl::StatusOr<Placement> p = Get(ref);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->first_contact(), allocation::v1::FIRST_CONTACT_DUE);
}

TEST_F(WebPlacementsTest, TeamLeadersSeeReleaseOnAPlaceHeld) {
  const auto [allocated, waiting] = AllocatedAndWaiting();
  CookieBrowser leader = Staff("team_leader");
  const std::string release =
      absl::StrCat("href=\"", PlacementPath(allocated, "release"), "\"");
  const HttpAnswer held = leader.Get(PlacementPath(allocated));
  ASSERT_EQ(held.status, 200) << held.body;
  EXPECT_THAT(held.body, HasSubstr(release));
  EXPECT_THAT(held.body, HasSubstr("id=\"release\""));
  EXPECT_THAT(leader.Get(PlacementPath(waiting)).body,
              Not(HasSubstr("id=\"release\"")));
  CookieBrowser practitioner = Staff("practitioner");
  EXPECT_THAT(practitioner.Get(PlacementPath(allocated)).body,
              Not(HasSubstr("id=\"release\"")));
}

TEST_F(WebPlacementsTest, UnknownPlacementsAndProgrammesAndWrongMethods) {
  CookieBrowser b = Staff("practitioner");
  const HttpAnswer unknown = b.Get(PlacementPath("FD-ZZZZZZZZZZZ9"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown.body, HasSubstr("FD-ZZZZZZZZZZZ9 has no placement yet"));
  EXPECT_EQ(b.Get("/console/placements/not-a-reference").status, 404);
  EXPECT_EQ(b.Get("/console/waiting-lists/no-such-programme").status, 404);
  EXPECT_EQ(b.Get("/console/waiting-lists/Bad_Id").status, 404);
  const HttpAnswer get_form =
      b.Get(PlacementPath("FD-ZZZZZZZZZZZ9", "consent"));
  EXPECT_EQ(get_form.status, 405);
  EXPECT_EQ(get_form.headers.at("allow"), "POST");
}

}  // namespace
}  // namespace frontdoor
