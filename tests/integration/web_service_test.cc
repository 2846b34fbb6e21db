// web-svc in process with a real intake-svc, over real mTLS between them
// and HTTPS from a libcurl client: what a person's browser sends and sees.
#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>

#include "absl/strings/ascii.h"
#include "common/clock/clock.h"
#include "common/config/config.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_server.h"
#include "tests/testing/http_get.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
#include "tests/testing/web_browser.h"
#include "web-svc/professional_referral.h"
#include "web-svc/self_referral.h"
#include "web-svc/web_server.h"

namespace frontdoor::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using frontdoor::testing::Browser;
using frontdoor::testing::Form;
using frontdoor::testing::Hidden;
using frontdoor::testing::Http;
using frontdoor::testing::Reference;
using frontdoor::testing::WithTokens;

constexpr int kBurst = 6;

Form CompleteAnswers() {
  return {{"given-names", "Sam"},       {"family-name", "Jones"},
          {"dob-day", "1"},             {"dob-month", "2"},
          {"dob-year", "1990"},         {"address-line-1", "1 High Street"},
          {"address-town", "Stoke"},    {"address-postcode", "ST4 7AB"},
          {"phone", "07700 900982"},    {"safe-to-call", "yes"},
          {"safe-to-leave-message", "no"},
          {"safe-times", "weekdays"},   {"concerns", "My partner hurts me."},
          {"children", "no"}};
}

// The certificate web-svc's HTTPS port presents to a new connection (a full
// handshake, no session reused); empty when the handshake fails.
std::string ServedCertificatePem(int port) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  BIO* conn = BIO_new_ssl_connect(ctx);
  BIO_set_conn_hostname(conn, absl::StrCat("127.0.0.1:", port).c_str());
  SSL* ssl = nullptr;
  BIO_get_ssl(conn, &ssl);
  std::string pem;
  if (BIO_do_connect(conn) == 1 && BIO_do_handshake(conn) == 1) {
    X509* cert = SSL_get1_peer_certificate(ssl);
    BIO* out = BIO_new(BIO_s_mem());
    if (cert != nullptr && PEM_write_bio_X509(out, cert) == 1) {
      char* data = nullptr;
      const long n = BIO_get_mem_data(out, &data);
      pem.assign(data, static_cast<size_t>(n));
    }
    BIO_free(out);
    X509_free(cert);
  }
  BIO_free_all(conn);
  SSL_CTX_free(ctx);
  return pem;
}

class WebServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = frontdoor::testing::FreshServiceDir("web");
    auto intake = intake::IntakeServer::Start(
        frontdoor::testing::IntakeConfigIn(dir_));
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);

    config::v1::WebConfig c;
    c.set_https_address("127.0.0.1:0");
    const auto web_files = frontdoor::testing::PkiFiles("web-svc");
    c.mutable_public_tls()->set_cert_file(web_files.cert_file());
    c.mutable_public_tls()->set_key_file(web_files.key_file());
    c.set_health_address("127.0.0.1:0");
    c.set_metrics_address("127.0.0.1:0");
    *c.mutable_service_tls() = web_files;
    frontdoor::testing::PointAt(c.mutable_intake(), intake_->api_port());
    frontdoor::testing::PointAt(c.mutable_triage(), 1);
    frontdoor::testing::PointAt(c.mutable_allocation(), 1);
    frontdoor::testing::PointAt(c.mutable_notify(), 1);
    frontdoor::testing::UseTestStore(c.mutable_store(), dir_, "web");
    c.set_key_ring_file((dir_ / "keys.json").string());
    c.set_shutdown_grace_seconds(5);
    c.set_assets_dir(FRONTDOOR_WEB_ASSETS_DIR);
    // A bucket that does not refill within a test.
    c.mutable_client_rate_limit()->set_per_second(0.001);
    c.mutable_client_rate_limit()->set_burst(kBurst);
    c.add_professional_email_domains("nhs.net");
    c.add_professional_email_domains("staffordshire.police.uk");
    web_config_ = c;
    auto web = WebServer::Start(c);
    ASSERT_TRUE(web.ok()) << web.status();
    web_ = *std::move(web);
  }

  void TearDown() override {
    if (web_) {
      EXPECT_TRUE(web_->Shutdown(absl::Seconds(5)).ok());
    }
    web_.reset();
    if (intake_) {
      EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    }
    intake_.reset();
    std::filesystem::remove_all(dir_);
  }

  // intake-svc as web-svc's identity calls it.
  std::unique_ptr<intake::v1::IntakeService::Stub> AsWebSvc() {
    auto channel =
        frontdoor::testing::MakeMtlsChannel(intake_->api_port(), "web-svc");
    EXPECT_TRUE(channel.ok()) << channel.status();
    return intake::v1::IntakeService::NewStub(*channel);
  }

  static void Prepare(grpc::ClientContext& ctx) {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx.AddMetadata("frontdoor-actor", "web:self-referral");
  }

  std::filesystem::path dir_;
  std::unique_ptr<intake::IntakeServer> intake_;
  config::v1::WebConfig web_config_;
  std::unique_ptr<WebServer> web_;
};

TEST_F(WebServiceTest, EveryResponseCarriesTheSecurityHeaders) {
  Browser b(web_->https_port());
  for (const char* path : {"/", "/self-referral", "/assets/web.js",
                           "/assets/govuk-frontend.min.css", "/nowhere"}) {
    Http r = b.Get(path);
    EXPECT_EQ(r.status, std::string(path) == "/nowhere" ? 404 : 200) << path;
    const std::string csp = r.headers["content-security-policy"];
    EXPECT_THAT(csp, HasSubstr("default-src 'none'")) << path;
    EXPECT_THAT(csp, HasSubstr("script-src 'self'")) << path;
    EXPECT_THAT(csp, Not(HasSubstr("unsafe-inline"))) << path;
    EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'")) << path;
    EXPECT_THAT(r.headers["strict-transport-security"], HasSubstr("max-age="));
    EXPECT_EQ(r.headers["x-frame-options"], "DENY");
    EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
    EXPECT_EQ(r.headers["referrer-policy"], "no-referrer");
    EXPECT_EQ(r.headers["cache-control"], "no-store");
  }
  EXPECT_THAT(b.Get("/assets/web.js").headers["content-type"],
              HasSubstr("text/javascript"));
  // The GDS Transport font is neither named nor served.
  EXPECT_THAT(b.Get("/assets/govuk-frontend.min.css").body,
              Not(HasSubstr("GDS Transport")));
}

TEST_F(WebServiceTest, TheCsrfCookieIsASessionCookieForThisSiteOnly) {
  Browser b(web_->https_port());
  const Http r = b.Get("/self-referral");
  ASSERT_EQ(r.set_cookies.size(), 1u);
  const std::string& c = r.set_cookies[0];
  EXPECT_THAT(c, HasSubstr("__Host-frontdoor-csrf="));
  EXPECT_THAT(c, HasSubstr("Secure"));
  EXPECT_THAT(c, HasSubstr("HttpOnly"));
  EXPECT_THAT(c, HasSubstr("SameSite=Strict"));
  EXPECT_THAT(c, Not(HasSubstr("Expires")));
  EXPECT_THAT(c, Not(HasSubstr("Max-Age")));
}

TEST_F(WebServiceTest, ASelfReferralGetsAReferenceOnceHoweverOftenItIsSent) {
  Browser b(web_->https_port());
  const Http form = b.Get("/self-referral");
  const Form answers = WithTokens(form.body, CompleteAnswers());
  const Http first = b.Post("/self-referral", answers);
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string reference = Reference(first.body);
  ASSERT_FALSE(reference.empty()) << first.body;
  EXPECT_THAT(first.body, HasSubstr("What happens next"));
  // A double click sends the same form again: the same referral.
  const Http again = b.Post("/self-referral", answers);
  EXPECT_EQ(Reference(again.body), reference);

  // In intake, through the web front door's own key: the adult victims'
  // front door, recorded as the web form's.
  auto stub = AsWebSvc();
  grpc::ClientContext ctx;
  Prepare(ctx);
  intake::v1::SubmitReferralRequest req;
  req.set_idempotency_key(absl::StrCat("web-", Hidden(form.body, "form-token")));
  const Form plain = CompleteAnswers();
  // Rebuild what web-svc sent: the same answers make the same referral.
  FormValues values(plain.begin(), plain.end());
  *req.mutable_referral() = BuildSelfReferral(values).referral;
  intake::v1::SubmitReferralResponse resp;
  ASSERT_TRUE(stub->SubmitReferral(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.receipt().reference(), reference);
  EXPECT_EQ(resp.receipt().front_door(), common::v1::FRONT_DOOR_ADULT_VICTIM);
}

TEST_F(WebServiceTest, IntakesViolationsAreShownOnTheFields) {
  Browser b(web_->https_port());
  const Http form = b.Get("/self-referral");
  Form answers = CompleteAnswers();
  for (auto& [k, v] : answers) {
    if (k == "given-names" || k == "concerns") v = "";
    if (k == "address-postcode") v = "NOT A CODE";
  }
  const Http r = b.Post("/self-referral", WithTokens(form.body, answers));
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(r.body, HasSubstr("<title>Error: Get support</title>"));
  EXPECT_THAT(r.body, HasSubstr("<a href=\"#given-names\">Enter your first name</a>"));
  EXPECT_THAT(r.body, HasSubstr("<a href=\"#address-postcode\">Enter a real postcode, like ST4 7AB</a>"));
  EXPECT_THAT(r.body, HasSubstr("<a href=\"#concerns\">Tell us what is happening</a>"));
  EXPECT_THAT(r.body, HasSubstr("id=\"given-names-error\""));
  // What was typed is kept for the person to correct, escaped.
  EXPECT_THAT(r.body, HasSubstr("value=\"NOT A CODE\""));
  // And the same form, corrected, goes through.
  answers = CompleteAnswers();
  const Http fixed = b.Post("/self-referral", WithTokens(r.body, answers));
  EXPECT_EQ(fixed.status, 200);
  EXPECT_FALSE(Reference(fixed.body).empty());
}

TEST_F(WebServiceTest, FormsWithoutTheirTokenOrWithTheHoneypotAreRefused) {
  Browser b(web_->https_port());
  const Http form = b.Get("/self-referral");
  // Another browser (no cookie) posting this page's tokens: cross-site.
  Browser other(web_->https_port());
  EXPECT_EQ(other.Post("/self-referral", WithTokens(form.body, CompleteAnswers())).status,
            403);
  Form no_token = CompleteAnswers();
  no_token.push_back({"form-token", Hidden(form.body, "form-token")});
  EXPECT_EQ(b.Post("/self-referral", no_token).status, 403);
  Form bot = WithTokens(form.body, CompleteAnswers());
  bot.push_back({"website", "http://spam.example"});
  EXPECT_EQ(b.Post("/self-referral", bot).status, 400);
}

TEST_F(WebServiceTest, AFloodFromOneAddressIsRefusedWithoutAffectingAnother) {
  Browser flood(web_->https_port(), "127.0.0.2");
  const Http form = flood.Get("/self-referral");
  Form empty = WithTokens(form.body, {});
  int refused = 0;
  for (int i = 0; i < kBurst + 3; ++i) {
    Http r = flood.Post("/self-referral", empty);
    if (r.status == 429) {
      ++refused;
      EXPECT_THAT(r.body, HasSubstr("too many attempts"));
      EXPECT_FALSE(r.headers["retry-after"].empty());
    }
  }
  EXPECT_EQ(refused, 3);
  Browser person(web_->https_port(), "127.0.0.3");
  const Http page = person.Get("/self-referral");
  const Http sent = person.Post("/self-referral", WithTokens(page.body, CompleteAnswers()));
  EXPECT_EQ(sent.status, 200);
  EXPECT_FALSE(Reference(sent.body).empty());
}

// Behind an ingress controller whose pods' addresses change: web-svc trusts
// the pods' network, and each client the proxies forward has its own
// bucket, whichever proxy pod it comes through.
TEST_F(WebServiceTest, ClientsForwardedByATrustedProxyNetworkHaveTheirOwnLimit) {
  ASSERT_TRUE(web_->Shutdown(absl::Seconds(5)).ok());
  web_config_.add_trusted_proxies("127.0.0.0/29");  // proxy pods 127.0.0.1-7
  auto web = WebServer::Start(web_config_);
  ASSERT_TRUE(web.ok()) << web.status();
  web_ = *std::move(web);

  Browser flood(web_->https_port(), "127.0.0.4");
  flood.forwarded_for = "203.0.113.9";
  const Http form = flood.Get("/self-referral");
  const Form empty = WithTokens(form.body, {});
  int refused = 0;
  for (int i = 0; i < kBurst + 1; ++i) {
    if (flood.Post("/self-referral", empty).status == 429) ++refused;
  }
  EXPECT_EQ(refused, 1);
  // The same client through another proxy pod is still refused.
  Browser again(web_->https_port(), "127.0.0.5");
  again.forwarded_for = "198.51.100.1, 203.0.113.9";
  again.cookie = flood.cookie;
  EXPECT_EQ(again.Post("/self-referral", empty).status, 429);
  // Another client through the flooded proxy pod is not.
  Browser person(web_->https_port(), "127.0.0.4");
  person.forwarded_for = "203.0.113.10";
  const Http page = person.Get("/self-referral");
  const Http sent = person.Post("/self-referral", WithTokens(page.body, CompleteAnswers()));
  EXPECT_EQ(sent.status, 200);
  EXPECT_FALSE(Reference(sent.body).empty());
  // Outside the trusted network, X-Forwarded-For is ignored: a flooder
  // cannot escape its limit by naming other clients.
  Browser direct(web_->https_port(), "127.0.0.9");
  const Http direct_form = direct.Get("/self-referral");
  const Form direct_empty = WithTokens(direct_form.body, {});
  for (int i = 0; i < kBurst; ++i) {
    direct.forwarded_for = absl::StrCat("192.0.2.", i);
    EXPECT_NE(direct.Post("/self-referral", direct_empty).status, 429);
  }
  direct.forwarded_for = "192.0.2.200";
  EXPECT_EQ(direct.Post("/self-referral", direct_empty).status, 429);
}

// cert-manager renews the public certificate in place: web-svc serves the
// renewal within a minute, without a restart, and keeps the last good pair
// while the files hold a bad one.
TEST_F(WebServiceTest, ARenewedPublicCertificateIsServedWithoutARestart) {
  ASSERT_TRUE(web_->Shutdown(absl::Seconds(5)).ok());
  const absl::Time now = absl::Now();
  const std::filesystem::path dir = dir_ / "public-tls";
  const std::string uri = "spiffe://frontdoor/svc/web-svc";
  std::filesystem::create_directories(dir);
  std::filesystem::create_directories(dir_ / "other");
  auto first = frontdoor::testing::IssueCertificate(
      dir, "web-public", uri, now - absl::Hours(1), now + absl::Hours(24 * 30));
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string first_pem = *config::ReadFileToString(first->cert_file());
  web_config_.mutable_public_tls()->set_cert_file(first->cert_file());
  web_config_.mutable_public_tls()->set_key_file(first->key_file());
  FakeClock clock(now);
  auto web = WebServer::Start(web_config_, clock);
  ASSERT_TRUE(web.ok()) << web.status();
  web_ = *std::move(web);
  EXPECT_EQ(ServedCertificatePem(web_->https_port()), first_pem);

  // The renewal lands in the same files.
  auto renewed = frontdoor::testing::IssueCertificate(
      dir, "web-public", uri, now - absl::Hours(1), now + absl::Hours(24 * 90));
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  const std::string renewed_pem = *config::ReadFileToString(renewed->cert_file());
  ASSERT_NE(renewed_pem, first_pem);
  // Looked at once a minute, not on every connection.
  clock.Advance(absl::Seconds(30));
  EXPECT_EQ(ServedCertificatePem(web_->https_port()), first_pem);
  clock.Advance(absl::Seconds(31));
  EXPECT_EQ(ServedCertificatePem(web_->https_port()), renewed_pem);
  // Pages still load over the renewed certificate.
  EXPECT_EQ(Browser(web_->https_port()).Get("/self-referral").status, 200);

  // A key that does not match (a half-written renewal): the renewed pair
  // stays in service.
  {
    auto other = frontdoor::testing::IssueCertificate(
        dir_ / "other", "web-public", uri, now - absl::Hours(1),
        now + absl::Hours(24 * 90));
    ASSERT_TRUE(other.ok()) << other.status();
    std::filesystem::copy_file(other->key_file(), renewed->key_file(),
                               std::filesystem::copy_options::overwrite_existing);
  }
  clock.Advance(absl::Seconds(61));
  EXPECT_EQ(ServedCertificatePem(web_->https_port()), renewed_pem);
}

TEST_F(WebServiceTest, WebSvcsIdentitySubmitsAsTheWebFormOnlyAndReadsNothing) {
  auto stub = AsWebSvc();
  FormValues values;
  for (const auto& [k, v] : CompleteAnswers()) values[k] = v;
  common::v1::Referral referral = BuildSelfReferral(values).referral;
  referral.set_channel(common::v1::CHANNEL_PARTNER_API);
  {
    grpc::ClientContext ctx;
    Prepare(ctx);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key("web-other-channel");
    *req.mutable_referral() = referral;
    intake::v1::SubmitReferralResponse resp;
    const absl::Status s = FromGrpcStatus(stub->SubmitReferral(&ctx, req, &resp));
    ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    ASSERT_EQ(GetFieldViolations(s).size(), 1u) << s;
    EXPECT_EQ(GetFieldViolations(s)[0].field, "referral.channel");
  }
  referral.set_channel(common::v1::CHANNEL_WEB_FORM);
  intake::v1::SubmitReferralResponse resp;
  {
    grpc::ClientContext ctx;
    Prepare(ctx);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key("web-own-channel");
    *req.mutable_referral() = referral;
    ASSERT_TRUE(stub->SubmitReferral(&ctx, req, &resp).ok());
  }
  grpc::ClientContext ctx;
  Prepare(ctx);
  intake::v1::GetReferralRequest get;
  get.set_reference(resp.receipt().reference());
  intake::v1::GetReferralResponse got;
  EXPECT_EQ(stub->GetReferral(&ctx, get, &got).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// A professional's answers on each form (the DASH left out).
Form ProfessionalAnswers(ProfessionalForm form) {
  Form f = {{"referrer-name", "Pat Smith"},
            {"referrer-organisation", "Oakfield Primary School"},
            {"referrer-role", "Designated safeguarding lead"},
            {"referrer-email", "pat.smith@gp.nhs.net"},
            {"referrer-case-reference", "OAK-17"},
            {"given-names", "Sam"},
            {"family-name", "Jones"},
            {"dob-day", "1"},
            {"dob-month", "2"},
            {"dob-year", "1990"},
            {"address-postcode", "ST4 7AB"},
            {"phone", "07700 900982"},
            {"safe-to-call", "yes"},
            {"safe-to-leave-message", "no"},
            {"concerns", "Her partner hurts her."},
            {"children", "no"},
            {"consent", "given"}};
  if (form == ProfessionalForm::kBehaviourChange) {
    f.push_back({"other-given-names", "Kim"});
    f.push_back({"other-family-name", "Jones"});
    f.push_back({"other-relationship", "ex-partner"});
    f.push_back({"known-to-probation", "yes"});
    f.push_back({"previous-programme", "no"});
  }
  if (form == ProfessionalForm::kChild) {
    for (auto& [k, v] : f) {
      if (k == "dob-year") v = "2012";
    }
  }
  return f;
}

TEST_F(WebServiceTest, EachProfessionalFormLandsInIntakeAtItsFrontDoor) {
  const std::map<ProfessionalForm, common::v1::FrontDoor> doors = {
      {ProfessionalForm::kAdultVictim, common::v1::FRONT_DOOR_ADULT_VICTIM},
      {ProfessionalForm::kBehaviourChange,
       common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE},
      {ProfessionalForm::kChild, common::v1::FRONT_DOOR_CHILDREN},
  };
  Browser b(web_->https_port());
  const Http start = b.Get("/");
  EXPECT_THAT(start.body, HasSubstr("href=\"/professional\""));
  const Http list = b.Get("/professional");
  ASSERT_EQ(list.status, 200);
  for (const auto& [form, door] : doors) {
    const std::string path = absl::StrCat("/professional/", SpecFor(form).slug);
    EXPECT_THAT(list.body, HasSubstr(absl::StrCat("href=\"", path, "\"")));
    const Http page = b.Get(path);
    ASSERT_EQ(page.status, 200) << path;
    const Http sent =
        b.Post(path, WithTokens(page.body, ProfessionalAnswers(form)));
    ASSERT_EQ(sent.status, 200) << path << sent.body;
    const std::string reference = Reference(sent.body);
    ASSERT_FALSE(reference.empty()) << sent.body;
    EXPECT_THAT(sent.body, HasSubstr("Referral sent"));

    // The same referral, rebuilt from the same answers and sent with the
    // same key as web-svc's identity, has the same receipt: intake holds
    // exactly this referral, with the referrer's details, at `door`.
    const Form answers = ProfessionalAnswers(form);
    FormValues values(answers.begin(), answers.end());
    const BuiltReferral built = BuildProfessionalReferral(
        form, values, {"nhs.net", "staffordshire.police.uk"});
    EXPECT_EQ(built.referral.referrer().organisation(),
              "Oakfield Primary School");
    EXPECT_EQ(built.referral.referrer().email(), "pat.smith@gp.nhs.net");
    auto stub = AsWebSvc();
    grpc::ClientContext ctx;
    Prepare(ctx);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(
        absl::StrCat("web-", Hidden(page.body, "form-token")));
    *req.mutable_referral() = built.referral;
    intake::v1::SubmitReferralResponse resp;
    const grpc::Status st = stub->SubmitReferral(&ctx, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(resp.receipt().reference(), reference) << path;
    EXPECT_EQ(resp.receipt().front_door(), door) << path;
  }
  auto metrics = frontdoor::testing::HttpGet(web_->metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(frontdoor::testing::FindSample(
                metrics->body,
                "frontdoor_web_submissions_total{form=\"professional_child\","
                "outcome=\"accepted\"}"),
            1);
}

TEST_F(WebServiceTest, AWorkEmailOutsideTheDomainsIsRefusedOnItsField) {
  Browser b(web_->https_port());
  for (const char* email : {"pat@gmail.com", "pat@nhs.net.evil.com",
                            "pat@evil-nhs.net"}) {
    const Http page = b.Get("/professional/adult-victim");
    Form answers = ProfessionalAnswers(ProfessionalForm::kAdultVictim);
    for (auto& [k, v] : answers) {
      if (k == "referrer-email") v = email;
    }
    const Http r = b.Post("/professional/adult-victim",
                          WithTokens(page.body, answers));
    EXPECT_EQ(r.status, 422) << email;
    EXPECT_THAT(r.body, HasSubstr("<a href=\"#referrer-email\">Enter a work "
                                  "email address ending in nhs.net, "
                                  "staffordshire.police.uk</a>"));
    EXPECT_THAT(r.body, HasSubstr("id=\"referrer-email-error\""));
    EXPECT_TRUE(Reference(r.body).empty());
  }
  // Intake's own violations land on the professional form's fields too.
  const Http page = b.Get("/professional/behaviour-change");
  Form answers = ProfessionalAnswers(ProfessionalForm::kBehaviourChange);
  for (auto& [k, v] : answers) {
    if (k == "consent") v = "refused";
    if (k == "other-given-names" || k == "other-family-name" ||
        k == "other-relationship") {
      v = "";
    }
  }
  const Http r = b.Post("/professional/behaviour-change",
                        WithTokens(page.body, answers));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_THAT(r.body, HasSubstr("<a href=\"#other-given-names\">Enter the "
                                "partner&apos;s details</a>"));
  EXPECT_THAT(r.body, HasSubstr("<a href=\"#consent\">"));
}

TEST_F(WebServiceTest, AddAnotherChildAddsABlockAndSendsNothing) {
  Browser b(web_->https_port());
  const Http page = b.Get("/self-referral");
  EXPECT_THAT(page.body, HasSubstr("id=\"child-1\""));
  EXPECT_THAT(page.body, Not(HasSubstr("id=\"child-2\"")));
  Form answers = CompleteAnswers();
  answers.push_back({"child-1-given-names", "Alex"});
  answers.push_back({"child-count", "1"});
  answers.push_back({"add-child", "yes"});
  const Http more = b.Post("/self-referral", WithTokens(page.body, answers));
  EXPECT_EQ(more.status, 200);
  EXPECT_THAT(more.body, HasSubstr("id=\"child-2\""));
  EXPECT_THAT(more.body, HasSubstr("value=\"Alex\""));
  EXPECT_TRUE(Reference(more.body).empty());
  // The same form token still sends the referral, once, afterwards.
  EXPECT_EQ(Hidden(more.body, "form-token"), Hidden(page.body, "form-token"));
  auto metrics = frontdoor::testing::HttpGet(web_->metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_THAT(metrics->body, Not(HasSubstr("outcome=\"accepted\"")));
}

// One bucket per address for every form: a flood of professional forms
// from one address is refused there, on the other forms too, and nowhere
// else.
TEST_F(WebServiceTest, AFloodOfProfessionalFormsIsRefusedFromThatAddressOnly) {
  Browser flood(web_->https_port(), "127.0.0.4");
  const Http page = flood.Get("/professional/child");
  const Form empty = WithTokens(page.body, {});
  int refused = 0;
  for (int i = 0; i < kBurst + 2; ++i) {
    if (flood.Post("/professional/child", empty).status == 429) ++refused;
  }
  EXPECT_EQ(refused, 2);
  const Http self = flood.Get("/self-referral");
  EXPECT_EQ(flood.Post("/self-referral", WithTokens(self.body, CompleteAnswers()))
                .status,
            429);
  Browser person(web_->https_port(), "127.0.0.5");
  const Http form = person.Get("/professional/adult-victim");
  const Http sent = person.Post(
      "/professional/adult-victim",
      WithTokens(form.body,
                 ProfessionalAnswers(ProfessionalForm::kAdultVictim)));
  EXPECT_EQ(sent.status, 200);
  EXPECT_FALSE(Reference(sent.body).empty());
}

TEST_F(WebServiceTest, WithoutDomainsTheProfessionalFormsAreNotOffered) {
  config::v1::WebConfig c = web_config_;
  c.clear_professional_email_domains();
  c.clear_store();
  frontdoor::testing::UseTestStore(c.mutable_store(), dir_, "web-none");
  auto web = WebServer::Start(c);
  ASSERT_TRUE(web.ok()) << web.status();
  Browser b((*web)->https_port());
  EXPECT_THAT(b.Get("/").body, Not(HasSubstr("/professional")));
  EXPECT_EQ(b.Get("/professional").status, 404);
  EXPECT_EQ(b.Get("/professional/adult-victim").status, 404);
  EXPECT_TRUE((*web)->Shutdown(absl::Seconds(5)).ok());
}

TEST(WebConfigTest, StartUpNamesEachMissingOrBadSetting) {
  const absl::Status missing = ValidateConfig(config::v1::WebConfig());
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  for (const char* name :
       {"https_address", "public_tls.cert_file", "public_tls.key_file",
        "health_address", "metrics_address", "service_tls.ca_file",
        "intake.target", "triage.target", "allocation.target",
        "notify.target", "store", "key_ring_file", "shutdown_grace_seconds",
        "assets_dir"}) {
    EXPECT_THAT(missing.message(), HasSubstr(name));
  }
  config::v1::WebConfig c;
  c.set_https_address("127.0.0.1:0");
  c.mutable_public_tls()->set_cert_file("c.pem");
  c.mutable_public_tls()->set_key_file("c.key");
  c.set_health_address("127.0.0.1");
  c.set_metrics_address("127.0.0.1:0");
  *c.mutable_service_tls() = frontdoor::testing::PkiFiles("web-svc");
  c.mutable_intake()->set_target("localhost:1");
  c.mutable_triage()->set_target("localhost:1");
  c.mutable_allocation()->set_target("localhost:1");
  c.mutable_notify()->set_target("localhost:1");
  c.mutable_store()->set_sqlite_path("web.db");
  c.set_key_ring_file("keys.json");
  c.set_shutdown_grace_seconds(5);
  c.set_assets_dir("assets");
  c.set_quick_exit_url("http://example.com/");
  c.add_professional_email_domains("NHS.net");
  c.add_trusted_proxies("10.244.0.0/16");
  c.add_trusted_proxies("10.244.0.0/33");
  c.mutable_audit()->set_verify_interval_seconds(-1);
  const absl::Status bad = ValidateConfig(c);
  std::vector<std::string> fields;
  for (const auto& v : GetFieldViolations(bad)) fields.push_back(v.field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre(
                          "health_address", "quick_exit_url",
                          "professional_email_domains[0]",
                          "trusted_proxies[1]",
                          "audit.verify_interval_seconds"));
}

TEST_F(WebServiceTest, ProbesAndMetricsAnswerOnTheirOwnPorts) {
  auto ready = frontdoor::testing::HttpGet(web_->health_port(), "/readyz");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->status_code, 200);
  Browser b(web_->https_port());
  const Http form = b.Get("/self-referral");
  ASSERT_EQ(b.Post("/self-referral", WithTokens(form.body, CompleteAnswers())).status, 200);
  auto metrics = frontdoor::testing::HttpGet(web_->metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(frontdoor::testing::FindSample(
                metrics->body,
                "frontdoor_web_submissions_total{form=\"self_referral\",outcome=\"accepted\"}"),
            1);
  // web-svc checks its own audit chain, as every service does (the check
  // runs on its own thread from start-up: a bounded poll).
  std::optional<double> intact;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(30);
       !intact.has_value() && absl::Now() < deadline;
       absl::SleepFor(absl::Milliseconds(20))) {
    auto page = frontdoor::testing::HttpGet(web_->metrics_port(), "/metrics");
    if (page.ok()) {
      intact = frontdoor::testing::FindSample(page->body,
                                              "frontdoor_audit_chain_intact");
    }
  }
  EXPECT_EQ(intact, 1.0);
  // Nothing the person typed reaches the metrics.
  EXPECT_THAT(metrics->body, Not(HasSubstr("Jones")));
  EXPECT_THAT(metrics->body, Not(HasSubstr("ST4")));
  ASSERT_TRUE(web_->Shutdown(absl::Seconds(5)).ok());
  web_.reset();
}

}  // namespace
}  // namespace frontdoor::web
