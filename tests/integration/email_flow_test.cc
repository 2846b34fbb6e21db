// notify-svc's email delivery mode end to end: intake-svc, triage-svc,
// allocation-svc and notify-svc in process over real mTLS and a real store,
// the web front door's identity (frontdoor-web) submitting professionals'
// referrals, and a real SMTP server (Debian's python3-aiosmtpd, started by
// the test on a free loopback port with a certificate from the test CA)
// that requires STARTTLS, or offers none. The services share one fake
// clock, which drives the email retries and the dead-letter window.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "allocation-svc/allocation_server.h"
#include "common/status/errors.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/notify/v1/notify_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_server.h"
#include "intake-svc/routing.h"
#include "notify-svc/notify_server.h"
#include "tests/testing/captured_log.h"
#include "tests/testing/examples.h"
#include "tests/testing/http_get.h"
#include "tests/testing/pki.h"
#include "tests/testing/raw_call.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/smtp_server.h"
#include "tests/testing/suite_configs.h"
#include "tests/testing/web_browser.h"
#include "triage-svc/triage_server.h"
#include "web-svc/web_server.h"

namespace frontdoor {
namespace {

using common::v1::Referral;
using testing::ReceivedMail;
using testing::SmtpTestServer;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());
constexpr absl::Duration kSettle = absl::Seconds(30);
constexpr absl::Duration kPoll = absl::Milliseconds(50);
constexpr int kInitialBackoffMs = 1000;
constexpr int kMaxBackoffMs = 10000;
constexpr int kDeadLetterAfterSeconds = 3600;
constexpr int kEmailTimeoutMs = 5000;

// The professional's work email, where the updates must go.
constexpr char kProfessional[] = "pat.referrerwick@staffordshire.police.uk";
// Personal data the referral holds, none of which may be emailed.
constexpr char kSubjectGiven[] = "Zebedee";
constexpr char kSubjectFamily[] = "Quixotic-Marchbanks";
constexpr char kSubjectPhone[] = "07700 900461";
constexpr char kSubjectEmail[] = "zebedee.quixotic@example.org";
constexpr char kAddressLine[] = "17 Larkspur Crescent";
constexpr char kOtherParty[] = "Mordecai";
constexpr char kConcerns[] = "Mordecai took the phone at the Larkspur flat";
constexpr char kReferrerName[] = "Pat Referrerwick";
constexpr char kReferrerPhone[] = "01785 777123";
constexpr char kCaseReference[] = "CASE-QX-4471";
// A self-referral's safe email: never emailed.
constexpr char kVictimOwnEmail[] = "safe.selfreferrer@example.org";

// A professional's referral through the web front door, full of
// distinctive personal data.
Referral Professional(const std::string& example) {
  Referral r = testing::ExampleReferral(example);
  r.set_channel(common::v1::CHANNEL_WEB_FORM);
  common::v1::Referrer& ref = *r.mutable_referrer();
  ref.set_name(kReferrerName);
  ref.set_role("Neighbourhood officer");
  ref.set_phone(kReferrerPhone);
  ref.set_email(kProfessional);
  ref.set_agency_case_reference(kCaseReference);
  ref.set_self_referral(false);
  common::v1::Subject& s = *r.mutable_subject();
  s.mutable_name()->set_given_names(kSubjectGiven);
  s.mutable_name()->set_family_name(kSubjectFamily);
  s.mutable_contact()->set_phone(kSubjectPhone);
  s.mutable_contact()->set_email(kSubjectEmail);
  s.mutable_address()->clear_lines();
  s.mutable_address()->add_lines(kAddressLine);
  if (r.has_other_party()) {
    r.mutable_other_party()->mutable_name()->set_given_names(kOtherParty);
  }
  r.set_concerns(kConcerns);
  return r;
}

// A victim's own referral through the web front door: the "referrer" is
// the victim, and the email is their own safe address.
Referral SelfReferral() {
  Referral r = testing::ExampleReferral("adult-victim.json");
  r.set_channel(common::v1::CHANNEL_WEB_FORM);
  r.clear_other_party();
  common::v1::Referrer& ref = *r.mutable_referrer();
  ref.Clear();
  ref.set_name("Sam Selfreferrer");
  ref.set_email(kVictimOwnEmail);
  ref.set_self_referral(true);
  r.mutable_subject()->mutable_contact()->set_email(kVictimOwnEmail);
  return r;
}

bool To(const ReceivedMail& mail, const std::string& address) {
  return mail.rcpt_to.size() == 1 && mail.rcpt_to[0] == address;
}

// A header's value in a received message ("" when absent).
std::string Header(const ReceivedMail& mail, const std::string& name) {
  const std::string key = absl::StrCat("\r\n", name, ": ");
  const std::string text = absl::StrCat("\r\n", mail.message);
  const size_t at = text.find(key);
  if (at == std::string::npos) return "";
  const size_t begin = at + key.size();
  return text.substr(begin, text.find("\r\n", begin) - begin);
}

class EmailFlowTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::FreshServiceDir("email-flow"); }

  // notify-svc's configuration with the web front door's referrers
  // hearing back by email through smtp://localhost:`smtp_port`.
  config::v1::NotifyConfig NotifyWithEmail(int smtp_port) {
    std::ifstream in(testing::ConfigFile("notify-rules.json"));
    std::stringstream rules;
    rules << in.rdbuf();
    std::string text = rules.str();
    const std::string list = "\"recipients\": [";
    EXPECT_NE(text.find(list), std::string::npos);
    text.insert(text.find(list) + list.size(),
                "\n    {\"agencyId\": \"frontdoor-web\", \"kind\": "
                "\"RECIPIENT_KIND_REFERRER\", \"mode\": "
                "\"DELIVERY_MODE_EMAIL\"},");
    std::ofstream(dir_ / "notify-rules.json") << text;

    config::v1::NotifyConfig n = testing::NotifyConfigIn(dir_);
    n.set_rules_file((dir_ / "notify-rules.json").string());
    n.mutable_push()->set_initial_backoff_ms(kInitialBackoffMs);
    n.mutable_push()->set_max_backoff_ms(kMaxBackoffMs);
    n.mutable_push()->set_dead_letter_after_seconds(kDeadLetterAfterSeconds);
    config::v1::EmailConfig& e = *n.mutable_email();
    e.set_smtp_url(absl::StrCat("smtp://localhost:", smtp_port));
    e.set_ca_file(testing::PkiFiles("").ca_file());
    e.set_from_address("no-reply@frontdoor.example.org");
    e.set_subject_template("Referral {reference}: {status}");
    e.set_body_template(
        "Your referral {reference} has been {status}.\n\n{next_steps}\n\n"
        "This message holds no personal details. Please do not reply.\n");
    e.set_timeout_ms(kEmailTimeoutMs);
    return n;
  }

  // The suite, with notify-svc as NotifyWithEmail(smtp_port).
  void StartSuite(int smtp_port) {
    config::v1::NotifyConfig n = NotifyWithEmail(smtp_port);
    auto notify = notify::NotifyServer::Start(n, clock_);
    ASSERT_TRUE(notify.ok()) << notify.status();
    notify_ = *std::move(notify);

    config::v1::AllocationConfig a = testing::AllocationConfigIn(dir_);
    testing::PointAt(a.mutable_notify(), notify_->api_port());
    auto allocation = allocation::AllocationServer::Start(a, clock_);
    ASSERT_TRUE(allocation.ok()) << allocation.status();
    allocation_ = *std::move(allocation);

    config::v1::TriageConfig t = testing::TriageConfigIn(dir_);
    testing::PointAt(t.mutable_allocation(), allocation_->api_port());
    testing::PointAt(t.mutable_notify(), notify_->api_port());
    auto triage = triage::TriageServer::Start(t, clock_);
    ASSERT_TRUE(triage.ok()) << triage.status();
    triage_ = *std::move(triage);

    config::v1::IntakeConfig i = testing::IntakeConfigIn(dir_);
    testing::PointAt(i.mutable_triage(), triage_->api_port());
    testing::PointAt(i.mutable_notify(), notify_->api_port());
    auto intake = intake::IntakeServer::Start(i, clock_);
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);
  }

  void TearDown() override {
    if (intake_) EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    if (triage_) EXPECT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
    if (allocation_) EXPECT_TRUE(allocation_->Shutdown(absl::Seconds(5)).ok());
    if (notify_) EXPECT_TRUE(notify_->Shutdown(absl::Seconds(5)).ok());
    smtp_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartSmtp(bool starttls, int port = 0) {
    SmtpTestServer::Options options;
    options.starttls = starttls;
    options.port = port;
    auto smtp = SmtpTestServer::Start(dir_ / "smtp", options);
    ASSERT_TRUE(smtp.ok()) << smtp.status();
    smtp_ = *std::move(smtp);
  }

  // Submits as the web front door (web-svc's identity, agency
  // frontdoor-web): the receipt.
  intake::v1::Receipt Submit(const Referral& referral, const std::string& key) {
    auto stub = intake::v1::IntakeService::NewStub(
        *testing::MakeMtlsChannel(intake_->api_port(), "web-svc"));
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(key);
    *req.mutable_referral() = referral;
    intake::v1::SubmitReferralResponse resp;
    grpc::Status s = stub->SubmitReferral(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.receipt();
  }

  double Metric(const std::string& series) {
    auto page = testing::HttpGet(notify_->metrics_port(), "/metrics");
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) return -1;
    return testing::FindSample(page->body, series).value_or(0);
  }

  // Polls (bounded) until `done`, moving the shared clock on by `step`
  // between looks so that retries backing off come due.
  template <typename Done>
  bool AwaitAdvancing(Done done, absl::Duration step, const std::string& what) {
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      if (done()) return true;
      clock_.Advance(step);
      absl::SleepFor(kPoll);
    }
    ADD_FAILURE() << "never: " << what;
    return false;
  }
  template <typename Done>
  bool Await(Done done, const std::string& what) {
    return AwaitAdvancing(done, absl::ZeroDuration(), what);
  }

  // The messages the SMTP server has accepted for `address`.
  std::vector<ReceivedMail> MailTo(const std::string& address) {
    std::vector<ReceivedMail> out;
    for (ReceivedMail& m : smtp_->Received()) {
      if (To(m, address)) out.push_back(std::move(m));
    }
    return out;
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<SmtpTestServer> smtp_;
  std::unique_ptr<notify::NotifyServer> notify_;
  std::unique_ptr<allocation::AllocationServer> allocation_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<intake::IntakeServer> intake_;
};

constexpr char kWebDelivered[] =
    "frontdoor_notify_delivered_total{recipient=\"frontdoor-web\"}";
constexpr char kWebRetries[] =
    "frontdoor_notify_retries_total{recipient=\"frontdoor-web\"}";
constexpr char kWebDeadLetters[] =
    "frontdoor_notify_dead_letters{recipient=\"frontdoor-web\"}";
constexpr char kWebUndelivered[] =
    "frontdoor_notify_undelivered{recipient=\"frontdoor-web\"}";
constexpr char kReferrerUpdatesAccepted[] =
    "frontdoor_notify_notifications_total{event=\"referral_accepted\","
    "recipient_kind=\"referrer\"}";

// Done when: a professional's referral produces an email to them at the
// real SMTP server, holding no personal data; a self-referral produces
// none.
TEST_F(EmailFlowTest, ProfessionalsReferralIsEmailedToThemWithoutPersonalData) {
  StartSmtp(/*starttls=*/true);
  ASSERT_NO_FATAL_FAILURE(StartSuite(smtp_->port()));
  testing::ScopedCapturedLog log;

  const intake::v1::Receipt self = Submit(SelfReferral(), "self-1");
  ASSERT_FALSE(self.reference().empty());
  const Referral professional = Professional("high-risk-dash.json");
  const intake::v1::Receipt receipt = Submit(professional, "prof-1");
  const std::string ref = receipt.reference();
  ASSERT_EQ(receipt.status(), intake::v1::REFERRAL_STATUS_ACCEPTED);

  // Accepted, then allocated (or waiting): two emails, to the professional.
  ASSERT_TRUE(Await([&] { return MailTo(kProfessional).size() >= 2; },
                    "two emails to the professional"));
  // Both referrals' receipts recorded, and every email sent: nothing more
  // is coming.
  ASSERT_TRUE(Await(
      [&] {
        return Metric(kReferrerUpdatesAccepted) >= 2 &&
               Metric(kWebUndelivered) == 0;
      },
      "both receipts recorded and every email sent"));

  const std::vector<ReceivedMail> mails = MailTo(kProfessional);
  ASSERT_THAT(mails, SizeIs(2));
  EXPECT_THAT(smtp_->Received(), SizeIs(2)) << "the self-referral is never emailed";
  EXPECT_THAT(Header(mails[0], "Subject"),
              ::testing::Eq(absl::StrCat("Referral ", ref, ": accepted")));
  const std::string second = Header(mails[1], "Subject");
  EXPECT_TRUE(second == absl::StrCat("Referral ", ref, ": allocated") ||
              second == absl::StrCat("Referral ", ref, ": waiting for a place"))
      << second;
  std::set<std::string> message_ids;
  for (const ReceivedMail& m : mails) {
    EXPECT_TRUE(m.tls) << "sent after STARTTLS";
    EXPECT_EQ(m.mail_from, "no-reply@frontdoor.example.org");
    EXPECT_EQ(Header(m, "To"), absl::StrCat("<", kProfessional, ">"));
    EXPECT_THAT(m.message, ::testing::HasSubstr(
                               absl::StrCat("Your referral ", ref, " has been")));
    message_ids.insert(Header(m, "Message-ID"));
    for (const char* personal :
         {kSubjectGiven, kSubjectFamily, kSubjectPhone, kSubjectEmail,
          kAddressLine, kOtherParty, kConcerns, kReferrerName, kReferrerPhone,
          kCaseReference, "Larkspur", "Zebedee",
          professional.subject().address().postcode().c_str(),
          professional.subject().address().town().c_str()}) {
      EXPECT_FALSE(absl::StrContains(m.message, personal))
          << personal << " in\n" << m.message;
    }
  }
  EXPECT_THAT(message_ids, SizeIs(2));
  EXPECT_FALSE(message_ids.count("") > 0);
  // Every command after STARTTLS, none in clear.
  for (const std::string& command : smtp_->Commands()) {
    if (!absl::StartsWith(command, "EHLO")) {
      EXPECT_EQ(command.substr(command.size() - 5), "tls=1") << command;
    }
  }
  EXPECT_EQ(Metric(kWebDelivered), 2);
  EXPECT_EQ(Metric(kWebDeadLetters), 0);
  // The addresses are never logged.
  EXPECT_FALSE(absl::StrContains(log.text(), kProfessional));
  EXPECT_FALSE(absl::StrContains(log.text(), kVictimOwnEmail));
  EXPECT_TRUE(absl::StrContains(log.text(), "\"email.sent\""));
}

// A relay that does not offer STARTTLS is refused before any mail command:
// the email is retried, then dead-lettered, never sent in clear; an
// operator's replay sends it once the relay is fixed.
TEST_F(EmailFlowTest, ARelayWithoutStarttlsIsRefusedRetriedAndDeadLettered) {
  StartSmtp(/*starttls=*/false);
  const int port = smtp_->port();
  ASSERT_NO_FATAL_FAILURE(StartSuite(port));

  // Returned at intake: one update, one email.
  const intake::v1::Receipt receipt =
      Submit(Professional("child-to-behaviour-change.json"), "returned-1");
  ASSERT_EQ(receipt.status(), intake::v1::REFERRAL_STATUS_RETURNED);

  ASSERT_TRUE(AwaitAdvancing([&] { return Metric(kWebRetries) >= 2; },
                             absl::Milliseconds(kMaxBackoffMs),
                             "two refused attempts"));
  ASSERT_TRUE(AwaitAdvancing([&] { return Metric(kWebDeadLetters) >= 1; },
                             absl::Seconds(kDeadLetterAfterSeconds / 4),
                             "the email dead-lettered"));
  EXPECT_THAT(smtp_->Received(), IsEmpty());
  std::vector<std::string> commands = smtp_->Commands();
  ASSERT_FALSE(commands.empty()) << "notify-svc never reached the relay";
  for (const std::string& command : commands) {
    EXPECT_EQ(command, "EHLO tls=0") << "a mail command in clear";
  }
  EXPECT_EQ(Metric(kWebDelivered), 0);

  // The relay fixed (STARTTLS on the same port), an operator replays.
  smtp_->Stop();
  StartSmtp(/*starttls=*/true, port);
  grpc::ClientContext ctx;
  testing::PrepareCall(ctx);
  notify::v1::ReplayDeadLettersRequest req;
  req.set_recipient_agency("frontdoor-web");
  notify::v1::ReplayDeadLettersResponse resp;
  auto stub = notify::v1::NotifyService::NewStub(
      *testing::MakeMtlsChannel(notify_->api_port(), "frontdoor-operations"));
  ASSERT_TRUE(stub->ReplayDeadLetters(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.replayed(), 1);
  ASSERT_TRUE(Await([&] { return Metric(kWebDelivered) >= 1; },
                    "the replayed email delivered"));
  const std::vector<ReceivedMail> mails = MailTo(kProfessional);
  ASSERT_THAT(mails, SizeIs(1));
  EXPECT_TRUE(mails[0].tls);
  EXPECT_EQ(Header(mails[0], "Subject"),
            absl::StrCat("Referral ", receipt.reference(), ": returned"));
  // The reason's code, never its words.
  EXPECT_THAT(mails[0].message,
              ::testing::HasSubstr(intake::kReturnChildToBehaviourChange));
  ASSERT_GE(receipt.return_reasons_size(), 1);
  EXPECT_FALSE(absl::StrContains(mails[0].message,
                                 receipt.return_reasons(0).message()));
}

// The whole way: a professional fills in web-svc's form (driven over
// HTTPS as a browser drives it), and the acknowledgement reaches their work
// address at the SMTP server, with the reference and nothing the form held
// about the person; a victim's own web referral gives no email, even with
// an email address on it.
TEST_F(EmailFlowTest, AProfessionalsWebFormReferralIsEmailedToTheirWorkAddress) {
  StartSmtp(/*starttls=*/true);
  ASSERT_NO_FATAL_FAILURE(StartSuite(smtp_->port()));
  auto web = web::WebServer::Start(
      testing::WebConfigIn(dir_, intake_->api_port(), FRONTDOOR_WEB_ASSETS_DIR,
                           "staffordshire.police.uk"),
      clock_);
  ASSERT_TRUE(web.ok()) << web.status();

  constexpr char kWorkEmail[] = "robin.quellbrook@staffordshire.police.uk";
  const testing::Form professional = {
      {"referrer-name", "Robin Quellbrook"},
      {"referrer-organisation", "Staffordshire Police"},
      {"referrer-role", "Domestic abuse officer"},
      {"referrer-email", kWorkEmail},
      {"given-names", kSubjectGiven},
      {"family-name", kSubjectFamily},
      {"dob-day", "3"},
      {"dob-month", "2"},
      {"dob-year", "1990"},
      {"address-postcode", "ST4 7AB"},
      {"phone", kSubjectPhone},
      {"safe-to-call", "yes"},
      {"safe-to-leave-message", "no"},
      {"concerns", kConcerns},
      {"children", "no"},
      {"consent", "given"}};
  testing::Browser browser(web.value()->https_port());
  const testing::Http page = browser.Get("/professional/adult-victim");
  ASSERT_EQ(page.status, 200);
  const testing::Http sent = browser.Post(
      "/professional/adult-victim", testing::WithTokens(page.body, professional));
  ASSERT_EQ(sent.status, 200) << sent.body;
  const std::string ref = testing::Reference(sent.body);
  ASSERT_FALSE(ref.empty()) << sent.body;

  // A victim's own referral with their safe email: never emailed.
  testing::Browser victim(web.value()->https_port());
  const testing::Http form = victim.Get("/self-referral");
  ASSERT_EQ(form.status, 200);
  const testing::Http own = victim.Post(
      "/self-referral",
      testing::WithTokens(form.body, {{"given-names", "Morwenna"},
                                      {"family-name", "Tregothnan"},
                                      {"dob-day", "1"},
                                      {"dob-month", "2"},
                                      {"dob-year", "1988"},
                                      {"address-postcode", "ST1 1AA"},
                                      {"phone", "07700 900123"},
                                      {"email", kVictimOwnEmail},
                                      {"safe-to-call", "yes"},
                                      {"safe-to-leave-message", "no"},
                                      {"concerns", "He hurts me."},
                                      {"children", "no"}}));
  ASSERT_EQ(own.status, 200) << own.body;
  ASSERT_FALSE(testing::Reference(own.body).empty()) << own.body;

  ASSERT_TRUE(Await([&] { return !MailTo(kWorkEmail).empty(); },
                    "the acknowledgement at the professional's work address"));
  ASSERT_TRUE(Await(
      [&] {
        return Metric(kReferrerUpdatesAccepted) >= 2 &&
               Metric(kWebUndelivered) == 0;
      },
      "both receipts recorded and every email sent"));
  const std::vector<ReceivedMail> mails = MailTo(kWorkEmail);
  ASSERT_FALSE(mails.empty());
  EXPECT_EQ(Header(mails[0], "Subject"),
            absl::StrCat("Referral ", ref, ": accepted"));
  for (const ReceivedMail& m : mails) {
    EXPECT_TRUE(m.tls);
    for (const char* personal : {kSubjectGiven, kSubjectFamily, kSubjectPhone,
                                 kConcerns, "Robin", "Quellbrook", "ST4 7AB"}) {
      EXPECT_FALSE(absl::StrContains(m.message, personal))
          << personal << " in\n" << m.message;
    }
  }
  EXPECT_THAT(MailTo(kVictimOwnEmail), IsEmpty());
  for (const ReceivedMail& m : smtp_->Received()) {
    EXPECT_TRUE(To(m, kWorkEmail)) << "an email to someone else";
  }
}

// The SMTP relay down, then up: the email is retried with back-off and
// delivered once.
TEST_F(EmailFlowTest, RelayDownThenUpDeliversOnceAfterRetries) {
  StartSmtp(/*starttls=*/true);
  const int port = smtp_->port();
  smtp_->Stop();  // Down: nothing listens on the port.
  ASSERT_NO_FATAL_FAILURE(StartSuite(port));

  const intake::v1::Receipt receipt =
      Submit(Professional("child-to-behaviour-change.json"), "returned-2");
  ASSERT_EQ(receipt.status(), intake::v1::REFERRAL_STATUS_RETURNED);
  ASSERT_TRUE(AwaitAdvancing([&] { return Metric(kWebRetries) >= 3; },
                             absl::Milliseconds(kMaxBackoffMs),
                             "three failed attempts"));
  EXPECT_EQ(Metric(kWebDelivered), 0);

  StartSmtp(/*starttls=*/true, port);
  ASSERT_TRUE(AwaitAdvancing([&] { return Metric(kWebDelivered) >= 1; },
                             absl::Milliseconds(kMaxBackoffMs),
                             "delivered after the relay came back"));
  ASSERT_TRUE(Await([&] { return Metric(kWebUndelivered) == 0; },
                    "nothing left to send"));
  const std::vector<ReceivedMail> mails = MailTo(kProfessional);
  ASSERT_THAT(mails, SizeIs(1));
  EXPECT_EQ(Header(mails[0], "Subject"),
            absl::StrCat("Referral ", receipt.reference(), ": returned"));
  EXPECT_EQ(Metric(kWebDelivered), 1);
  EXPECT_EQ(Metric(kWebDeadLetters), 0);
}

// Start-up refuses email delivery it cannot do, naming the setting.
TEST_F(EmailFlowTest, StartUpNamesEachMissingOrBadEmailSetting) {
  config::v1::NotifyConfig n = NotifyWithEmail(1);
  n.clear_email();
  auto no_relay = notify::NotifyServer::Start(n, clock_);
  ASSERT_FALSE(no_relay.ok());
  EXPECT_EQ(no_relay.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(no_relay.status().message()),
              ::testing::HasSubstr("email.smtp_url"));

  n = NotifyWithEmail(1);
  n.mutable_email()->set_smtp_url("smtps://localhost:1");
  n.mutable_email()->set_from_address("Front Door <no-reply@example.org>");
  auto bad = notify::NotifyServer::Start(n, clock_);
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const FieldViolation& v : GetFieldViolations(bad.status())) {
    fields.push_back(v.field);
  }
  EXPECT_THAT(fields, ElementsAre("email.smtp_url", "email.from_address"));

  n = NotifyWithEmail(1);
  n.mutable_email()->set_username("frontdoor");
  n.mutable_email()->set_password_file((dir_ / "no-such-file").string());
  auto unreadable = notify::NotifyServer::Start(n, clock_);
  ASSERT_FALSE(unreadable.ok());
  EXPECT_THAT(std::string(unreadable.status().message()),
              ::testing::HasSubstr("email.password_file"));
}

}  // namespace
}  // namespace frontdoor
