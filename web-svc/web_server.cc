#include "web-svc/web_server.h"

#include <civetweb.h>
#include <openssl/ssl.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/audit/audit.h"
#include "common/config/config.h"
#include "common/crypto/key_ring.h"
#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/metrics/metrics_server.h"
#include "common/server/service_main.h"
#include "common/server/signals.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/store/store.h"
#include "common/tls/authenticate.h"
#include "common/tls/credentials.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "web-svc/pages.h"
#include "web-svc/self_referral.h"
#include "web-svc/web_security.h"

namespace frontdoor::web {
namespace {

namespace fs = std::filesystem;

constexpr char kService[] = "web-svc";
// The actor named to intake for the audit trail: the person is anonymous.
constexpr char kActor[] = "web:self-referral";
constexpr char kDefaultQuickExitUrl[] = "https://www.bbc.co.uk/weather";
constexpr double kDefaultClientPerSecond = 1;
constexpr int kDefaultClientBurst = 10;
constexpr int kDefaultIntakeDeadlineMs = 5000;
// civetweb worker threads: each holds one request (a form post waits for
// intake within its deadline).
constexpr char kWorkerThreads[] = "16";
// A client that sends a request slower than this is cut off.
constexpr char kRequestTimeoutMs[] = "15000";
// Longest header value web-svc reads (cookies).
constexpr size_t kMaxCookieBytes = 256;
// How often Shutdown checks that requests in flight have finished.
constexpr absl::Duration kDrainPoll = absl::Milliseconds(20);

// Every response's security headers. The policy allows only web-svc's own
// files: no inline script or style, no frames, forms post only to itself.
constexpr std::pair<const char*, const char*> kSecurityHeaders[] = {
    {"Content-Security-Policy",
     "default-src 'none'; script-src 'self'; style-src 'self'; "
     "img-src 'self'; font-src 'self'; connect-src 'self'; "
     "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
    {"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
    {"X-Frame-Options", "DENY"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
    // Nothing kept in the browser: not the pages, not even the files that
    // would show the site was visited.
    {"Cache-Control", "no-store"},
};

struct Asset {
  std::string content_type;
  std::string body;
};

std::string ContentTypeFor(const fs::path& p) {
  static const std::map<std::string, std::string> kTypes = {
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".map", "application/json"},
  };
  auto it = kTypes.find(p.extension().string());
  return it == kTypes.end() ? "" : it->second;
}

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every file under `dir` with a known type, by URL path below /assets/.
absl::StatusOr<std::map<std::string, Asset>> LoadAssets(const std::string& dir) {
  std::error_code ec;
  std::map<std::string, Asset> out;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string type = ContentTypeFor(it->path());
    if (type.empty()) continue;
    absl::StatusOr<std::string> body = ReadFile(it->path());
    if (!body.ok()) return body.status();
    out["/assets/" + fs::relative(it->path(), dir).generic_string()] =
        Asset{type, *std::move(body)};
  }
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("assets_dir ", dir, ": ", ec.message()));
  }
  for (const char* needed : {"/assets/govuk-frontend.min.css",
                             "/assets/govuk-frontend.min.js", "/assets/web.js",
                             "/assets/web.css"}) {
    if (out.count(needed) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("assets_dir ", dir, ": missing ", needed + 8,
                       " (build the web_assets target)"));
    }
  }
  return out;
}

// "host:port" as civetweb's listening_ports spells it, "s" for TLS.
std::string CivetPort(const std::string& address, bool tls) {
  return tls ? address + "s" : address;
}

bool ValidAddress(const std::string& a) {
  const size_t colon = a.rfind(':');
  int port = -1;
  return colon != std::string::npos && colon > 0 &&
         absl::SimpleAtoi(a.substr(colon + 1), &port) && port >= 0 &&
         port <= 65535;
}

class WebServerImpl final : public WebServer {
 public:
  ~WebServerImpl() override { Shutdown(absl::ZeroDuration()).IgnoreError(); }

  absl::Status Init(const config::v1::WebConfig& config, const Clock& clock);

  int https_port() const override { return https_port_; }
  int health_port() const override { return health_port_; }
  int metrics_port() const override { return metrics_->port(); }

  absl::Status Shutdown(absl::Duration grace) override;

 private:
  struct Response {
    int status = 200;
    std::string body;
    std::string content_type = "text/html; charset=utf-8";
    std::vector<std::pair<std::string, std::string>> headers;
  };

  static int HandleHttps(mg_connection* conn, void* self) {
    return static_cast<WebServerImpl*>(self)->Handle(conn);
  }
  static int HandleHealth(mg_connection* conn, void* self) {
    return static_cast<WebServerImpl*>(self)->Health(conn);
  }
  static int InitSsl(void* ssl_ctx, void* self) {
    return static_cast<WebServerImpl*>(self)->ConfigureTls(
        static_cast<SSL_CTX*>(ssl_ctx));
  }
  static int QuietLog(const mg_connection*, const char*) { return 1; }

  int ConfigureTls(SSL_CTX* ctx);
  int Handle(mg_connection* conn);
  int Health(mg_connection* conn);
  Response Route(mg_connection* conn, const mg_request_info& info,
                 std::string* route);
  Response SelfReferralForm(mg_connection* conn);
  Response SelfReferralPost(mg_connection* conn, const mg_request_info& info);
  Response Page(int status, std::string body) const {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  void Send(mg_connection* conn, const Response& r) const;
  std::string ClientAddress(mg_connection* conn,
                            const mg_request_info& info) const;
  std::string CsrfCookie(mg_connection* conn) const;
  void Audit(const std::string& action, const std::string& subject,
             const std::string& outcome);
  void CountSubmission(const std::string& outcome) {
    submissions_->Add({{"form", "self_referral"}, {"outcome", outcome}})
        .Increment();
  }

  const Clock* clock_ = nullptr;
  config::v1::WebConfig config_;
  PageContext page_;
  std::map<std::string, Asset> assets_;
  std::unique_ptr<crypto::KeyRing> keys_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<CsrfTokens> csrf_;
  std::unique_ptr<ClientRateLimiter> limiter_;
  std::unique_ptr<intake::v1::IntakeService::Stub> intake_;
  absl::Duration intake_deadline_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Counter>* submissions_ = nullptr;
  std::unique_ptr<metrics::MetricsServer> metrics_;
  mg_context* https_ = nullptr;
  mg_context* health_ = nullptr;
  int https_port_ = 0;
  int health_port_ = 0;
  std::atomic<bool> ready_{false};
  std::atomic<int> in_flight_{0};
  absl::Mutex stop_mu_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;
};

int WebServerImpl::ConfigureTls(SSL_CTX* ctx) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(
          ctx, config_.public_tls().cert_file().c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, config_.public_tls().key_file().c_str(),
                                  SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    Log(Level::kError, "server.tls_failed",
        {{"service", kService}, {"detail", "public_tls cert_file or key_file"}});
    return -1;
  }
  return 1;  // configured here: civetweb loads no certificate itself
}

absl::Status WebServerImpl::Init(const config::v1::WebConfig& config,
                                 const Clock& clock) {
  clock_ = &clock;
  config_ = config;
  page_.quick_exit_url = config.quick_exit_url().empty()
                             ? kDefaultQuickExitUrl
                             : config.quick_exit_url();
  absl::StatusOr<std::map<std::string, Asset>> assets =
      LoadAssets(config.assets_dir());
  if (!assets.ok()) return server::WithContext(assets.status(), "loading assets");
  assets_ = *std::move(assets);

  absl::StatusOr<crypto::KeyRing> keys =
      crypto::KeyRing::LoadFile(config.key_ring_file());
  if (!keys.ok()) return server::WithContext(keys.status(), "loading key ring");
  keys_ = std::make_unique<crypto::KeyRing>(*std::move(keys));
  absl::StatusOr<std::unique_ptr<store::Store>> store =
      server::OpenServiceStore(config.store(), {});
  if (!store.ok()) return server::WithContext(store.status(), "opening store");
  store_ = *std::move(store);

  std::string secret;
  if (config.csrf_secret_file().empty()) {
    secret = NewToken() + NewToken();
  } else {
    absl::StatusOr<std::string> s = ReadFile(config.csrf_secret_file());
    if (!s.ok()) return server::WithContext(s.status(), "csrf_secret_file");
    secret = *std::move(s);
    if (secret.size() < kMinCsrfSecretBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("csrf_secret_file: at least ", kMinCsrfSecretBytes,
                       " bytes"));
    }
  }
  csrf_ = std::make_unique<CsrfTokens>(std::move(secret));
  const auto& rl = config.client_rate_limit();
  limiter_ = std::make_unique<ClientRateLimiter>(
      rl.per_second() > 0 ? rl.per_second() : kDefaultClientPerSecond,
      rl.burst() > 0 ? rl.burst() : kDefaultClientBurst, clock);

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      tls::MakeDownstreamChannel(config.intake(), config.service_tls());
  if (!channel.ok()) return server::WithContext(channel.status(), "intake channel");
  intake_ = intake::v1::IntakeService::NewStub(*channel);
  intake_deadline_ = absl::Milliseconds(config.intake().deadline_ms() > 0
                                            ? config.intake().deadline_ms()
                                            : kDefaultIntakeDeadlineMs);

  registry_ = std::make_shared<prometheus::Registry>();
  requests_ = &prometheus::BuildCounter()
                   .Name("frontdoor_web_requests_total")
                   .Help("HTTP requests answered by web-svc, by route and "
                         "status code")
                   .Register(*registry_);
  submissions_ = &prometheus::BuildCounter()
                      .Name("frontdoor_web_submissions_total")
                      .Help("Form submissions by form and outcome (accepted, "
                            "returned, invalid, rate_limited, csrf, honeypot, "
                            "too_large, already_sent, intake_error)")
                      .Register(*registry_);
  absl::StatusOr<std::unique_ptr<metrics::MetricsServer>> metrics =
      metrics::MetricsServer::Start(config.metrics_address(), registry_);
  if (!metrics.ok()) return server::WithContext(metrics.status(), "metrics port");
  metrics_ = *std::move(metrics);

  mg_init_library(MG_FEATURES_TLS);
  {
    mg_callbacks callbacks{};
    callbacks.init_ssl = &WebServerImpl::InitSsl;
    callbacks.log_message = &WebServerImpl::QuietLog;
    const std::string ports = CivetPort(config.https_address(), true);
    const char* options[] = {"listening_ports", ports.c_str(),
                             "num_threads", kWorkerThreads,
                             "request_timeout_ms", kRequestTimeoutMs,
                             "enable_keep_alive", "yes",
                             nullptr};
    https_ = mg_start(&callbacks, this, options);
    if (https_ == nullptr) {
      return absl::UnavailableError(absl::StrCat(
          "binding HTTPS port ", config.https_address(),
          ": in use, or public_tls cannot be loaded"));
    }
    mg_set_request_handler(https_, "/", &WebServerImpl::HandleHttps, this);
    mg_server_port port{};
    if (mg_get_server_ports(https_, 1, &port) != 1) {
      return absl::InternalError("HTTPS port: not bound");
    }
    https_port_ = port.port;
  }
  {
    mg_callbacks callbacks{};
    callbacks.log_message = &WebServerImpl::QuietLog;
    const std::string ports = CivetPort(config.health_address(), false);
    const char* options[] = {"listening_ports", ports.c_str(), "num_threads",
                             "2", nullptr};
    health_ = mg_start(&callbacks, this, options);
    if (health_ == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("binding health port ", config.health_address()));
    }
    mg_set_request_handler(health_, "/", &WebServerImpl::HandleHealth, this);
    mg_server_port port{};
    if (mg_get_server_ports(health_, 1, &port) != 1) {
      return absl::InternalError("health port: not bound");
    }
    health_port_ = port.port;
  }
  ready_ = true;
  Log(Level::kInfo, "server.started",
      {{"service", kService},
       {"https_port", https_port_},
       {"health_port", health_port_},
       {"metrics_port", metrics_->port()}});
  return absl::OkStatus();
}

absl::Status WebServerImpl::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&stop_mu_);
    if (stopped_) return absl::OkStatus();
    stopped_ = true;
  }
  ready_ = false;
  const absl::Time deadline = absl::Now() + grace;
  // Bounded by `grace`: requests in flight finish, new ones are refused.
  while (in_flight_.load() > 0 && absl::Now() < deadline) {
    absl::SleepFor(kDrainPoll);
  }
  if (https_ != nullptr) mg_stop(https_);
  if (health_ != nullptr) mg_stop(health_);
  https_ = health_ = nullptr;
  if (store_ != nullptr) store_->Close();
  Log(Level::kInfo, "server.stopped", {{"service", kService}});
  return absl::OkStatus();
}

int WebServerImpl::Health(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  const std::string uri = info->local_uri == nullptr ? "" : info->local_uri;
  int status = 404;
  if (uri == "/livez") status = 200;
  if (uri == "/readyz") status = ready_ ? 200 : 503;
  const std::string body = status == 200 ? "ok\n" : "not ready\n";
  mg_response_header_start(conn, status);
  mg_response_header_add(conn, "Content-Type", "text/plain; charset=utf-8", -1);
  mg_response_header_add(conn, "Content-Length",
                         std::to_string(body.size()).c_str(), -1);
  mg_response_header_send(conn);
  mg_write(conn, body.data(), body.size());
  return status;
}

void WebServerImpl::Send(mg_connection* conn, const Response& r) const {
  mg_response_header_start(conn, r.status);
  for (const auto& [name, value] : kSecurityHeaders) {
    mg_response_header_add(conn, name, value, -1);
  }
  mg_response_header_add(conn, "Content-Type", r.content_type.c_str(), -1);
  for (const auto& [name, value] : r.headers) {
    mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_add(conn, "Content-Length",
                         std::to_string(r.body.size()).c_str(), -1);
  mg_response_header_send(conn);
  mg_write(conn, r.body.data(), r.body.size());
}

int WebServerImpl::Handle(mg_connection* conn) {
  ++in_flight_;
  const mg_request_info* info = mg_get_request_info(conn);
  std::string route = "not_found";
  Response r;
  if (!ready_) {
    r = Page(503, RenderProblemPage(page_));
    route = "draining";
  } else {
    r = Route(conn, *info, &route);
  }
  Send(conn, r);
  requests_->Add({{"route", route}, {"code", std::to_string(r.status)}})
      .Increment();
  --in_flight_;
  return r.status;
}

WebServerImpl::Response WebServerImpl::Route(mg_connection* conn,
                                             const mg_request_info& info,
                                             std::string* route) {
  const std::string method = info.request_method;
  const std::string uri = info.local_uri == nullptr ? "" : info.local_uri;
  const bool get = method == "GET" || method == "HEAD";
  if (absl::StartsWith(uri, "/assets/")) {
    *route = "assets";
    auto it = assets_.find(uri);
    if (!get || it == assets_.end()) return Page(404, RenderNotFoundPage(page_));
    Response r;
    r.content_type = it->second.content_type;
    r.body = it->second.body;
    return r;
  }
  if (uri == "/") {
    *route = "start";
    if (!get) {
      Response r = Page(405, RenderNotFoundPage(page_));
      r.headers.push_back({"Allow", "GET"});
      return r;
    }
    return Page(200, RenderStartPage(page_));
  }
  if (uri == "/self-referral") {
    *route = "self_referral";
    if (get) return SelfReferralForm(conn);
    if (method == "POST") return SelfReferralPost(conn, info);
    Response r = Page(405, RenderNotFoundPage(page_));
    r.headers.push_back({"Allow", "GET, POST"});
    return r;
  }
  return Page(404, RenderNotFoundPage(page_));
}

std::string WebServerImpl::CsrfCookie(mg_connection* conn) const {
  const char* header = mg_get_header(conn, "Cookie");
  if (header == nullptr) return "";
  char value[kMaxCookieBytes];
  if (mg_get_cookie(header, kCsrfCookie, value, sizeof value) < 0) return "";
  return IsWellFormedToken(value) ? std::string(value) : "";
}

WebServerImpl::Response WebServerImpl::SelfReferralForm(mg_connection* conn) {
  std::string cookie = CsrfCookie(conn);
  Response r;
  if (cookie.empty()) {
    cookie = NewToken();
    // A session cookie (no Expires or Max-Age): gone when the browser closes.
    r.headers.push_back(
        {"Set-Cookie", absl::StrCat(kCsrfCookie, "=", cookie,
                                    "; Path=/; Secure; HttpOnly; "
                                    "SameSite=Strict")});
  }
  SelfReferralView view;
  view.csrf_token = csrf_->TokenFor(cookie);
  view.form_token = NewToken();
  r.body = RenderSelfReferralPage(page_, view);
  return r;
}

std::string WebServerImpl::ClientAddress(mg_connection* conn,
                                         const mg_request_info& info) const {
  const std::string peer = info.remote_addr;
  for (const std::string& proxy : config_.trusted_proxies()) {
    if (proxy != peer) continue;
    const char* xff = mg_get_header(conn, "X-Forwarded-For");
    if (xff == nullptr) return peer;
    std::vector<std::string> hops = absl::StrSplit(xff, ',');
    const std::string last(absl::StripAsciiWhitespace(hops.back()));
    return last.empty() ? peer : last;
  }
  return peer;
}

void WebServerImpl::Audit(const std::string& action, const std::string& subject,
                          const std::string& outcome) {
  audit::Entry entry;
  entry.at = clock_->Now();
  entry.actor_agency = "frontdoor-web";
  entry.actor_person = kActor;
  entry.action = action;
  entry.subject = subject;
  entry.reason = "web form submission";
  entry.lawful_basis = "UK GDPR art. 6(1)(e), art. 9(2)(g); DPA 2018 sch. 1 para. 18";
  entry.details = absl::StrCat("{\"form\":\"self_referral\",\"outcome\":\"",
                               outcome, "\"}");
  const absl::Status s = store_->WriteSync(
      [&](store::Tx& tx) { return audit::Append(tx, *keys_, entry); });
  if (!s.ok()) {
    Log(Level::kError, "audit.append_failed",
        {{"service", kService}, {"action", action}, {"code",
          absl::StatusCodeToString(s.code())}});
  }
}

WebServerImpl::Response WebServerImpl::SelfReferralPost(
    mg_connection* conn, const mg_request_info& info) {
  absl::Duration retry_after;
  if (!limiter_->TryAcquire(ClientAddress(conn, info), &retry_after)) {
    CountSubmission("rate_limited");
    Response r = Page(429, RenderTooManyRequestsPage(page_));
    r.headers.push_back(
        {"Retry-After",
         std::to_string(std::max<int64_t>(
             1, absl::ToInt64Seconds(absl::Ceil(retry_after, absl::Seconds(1)))))});
    return r;
  }
  if (info.content_length < 0 ||
      static_cast<size_t>(info.content_length) > kMaxFormBytes) {
    CountSubmission("too_large");
    return Page(413, RenderProblemPage(page_));
  }
  const char* type = mg_get_header(conn, "Content-Type");
  if (type == nullptr ||
      !absl::StartsWithIgnoreCase(type, "application/x-www-form-urlencoded")) {
    CountSubmission("bad_request");
    return Page(415, RenderProblemPage(page_));
  }
  std::string body(static_cast<size_t>(info.content_length), '\0');
  size_t got = 0;
  while (got < body.size()) {
    const int n = mg_read(conn, body.data() + got, body.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  body.resize(got);

  std::vector<char> buf(kMaxFieldBytes + 1);
  auto var = [&](const std::string& name, std::string* out) -> bool {
    const int n = mg_get_var(body.data(), body.size(), name.c_str(),
                             buf.data(), buf.size());
    if (n == -2) return false;  // longer than any field may be
    *out = n < 0 ? "" : std::string(buf.data(), static_cast<size_t>(n));
    return true;
  };
  std::string csrf_token, form_token, honeypot;
  FormValues values;
  bool fits = var(kCsrfField, &csrf_token) &&
              var(kFormTokenField, &form_token) && var("website", &honeypot);
  for (const std::string& field : SelfReferralFields()) {
    if (!fits) break;
    std::string v;
    fits = var(field, &v);
    if (!v.empty()) values[field] = std::move(v);
  }
  if (!fits) {
    CountSubmission("too_large");
    return Page(413, RenderProblemPage(page_));
  }
  if (!csrf_->Check(CsrfCookie(conn), csrf_token)) {
    CountSubmission("csrf");
    Audit("web.submission_refused", "", "csrf");
    return Page(403, RenderFormExpiredPage(page_));
  }
  if (!honeypot.empty()) {
    CountSubmission("honeypot");
    Audit("web.submission_refused", "", "honeypot");
    return Page(400, RenderProblemPage(page_));
  }
  if (!IsWellFormedToken(form_token)) {
    CountSubmission("bad_request");
    return Page(400, RenderProblemPage(page_));
  }

  SelfReferralView view;
  view.values = values;
  view.csrf_token = csrf_token;
  view.form_token = form_token;
  BuiltReferral built = BuildSelfReferral(values);
  if (!built.errors.empty()) {
    CountSubmission("invalid");
    view.errors = std::move(built.errors);
    return Page(422, RenderSelfReferralPage(page_, view));
  }

  intake::v1::SubmitReferralRequest request;
  request.set_idempotency_key(absl::StrCat("web-", form_token));
  *request.mutable_referral() = std::move(built.referral);
  intake::v1::SubmitReferralResponse response;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + intake_deadline_));
  ctx.AddMetadata(tls::kActorMetadataKey, kActor);
  const TraceContext trace = NewTrace();
  ctx.AddMetadata(std::string(kTraceparentHeader),
                  FormatTraceparent(trace, NewSpanId()));
  const absl::Status status =
      FromGrpcStatus(intake_->SubmitReferral(&ctx, request, &response));
  if (status.ok()) {
    const std::string outcome =
        response.receipt().status() == intake::v1::REFERRAL_STATUS_ACCEPTED
            ? "accepted"
            : "returned";
    CountSubmission(outcome);
    Audit("web.referral_submitted", response.receipt().reference(), outcome);
    Log(Level::kInfo, "web.referral_submitted",
        {{"service", kService},
         {"trace_id", trace.trace_id},
         {"reference", response.receipt().reference()},
         {"outcome", outcome}});
    return Page(200, RenderReceiptPage(page_, response.receipt().reference()));
  }
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    std::vector<std::string> unmapped;
    view.errors = MapViolations(GetFieldViolations(status), &unmapped);
    if (unmapped.empty() && !view.errors.empty()) {
      CountSubmission("invalid");
      return Page(422, RenderSelfReferralPage(page_, view));
    }
    for (const std::string& path : unmapped) {
      // A path, never a value: no personal data.
      Log(Level::kError, "web.unmapped_violation",
          {{"service", kService}, {"trace_id", trace.trace_id},
           {"field", path}});
    }
  }
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    CountSubmission("already_sent");
    return Page(409, RenderAlreadySentPage(page_));
  }
  CountSubmission("intake_error");
  Audit("web.submission_refused", "", "intake_error");
  Log(Level::kError, "web.intake_failed",
      {{"service", kService},
       {"trace_id", trace.trace_id},
       {"code", absl::StatusCodeToString(status.code())}});
  return Page(503, RenderProblemPage(page_));
}

}  // namespace

absl::Status ValidateConfig(const config::v1::WebConfig& c) {
  config::RequiredSettings required;
  required.Require(!c.https_address().empty(), "https_address");
  required.Require(!c.public_tls().cert_file().empty(), "public_tls.cert_file");
  required.Require(!c.public_tls().key_file().empty(), "public_tls.key_file");
  required.Require(!c.health_address().empty(), "health_address");
  required.Require(!c.metrics_address().empty(), "metrics_address");
  required.Require(!c.service_tls().ca_file().empty(), "service_tls.ca_file");
  required.Require(!c.service_tls().cert_file().empty(), "service_tls.cert_file");
  required.Require(!c.service_tls().key_file().empty(), "service_tls.key_file");
  required.Require(!c.intake().target().empty(), "intake.target");
  required.Require(c.has_store(), "store");
  required.Require(!c.key_ring_file().empty(), "key_ring_file");
  required.Require(c.shutdown_grace_seconds() > 0, "shutdown_grace_seconds");
  required.Require(!c.assets_dir().empty(), "assets_dir");
  if (absl::Status s = required.Check("web-svc config"); !s.ok()) return s;

  std::vector<FieldViolation> bad;
  for (const auto& [name, address] :
       {std::pair<const char*, std::string>{"https_address", c.https_address()},
        {"health_address", c.health_address()},
        {"metrics_address", c.metrics_address()}}) {
    if (!ValidAddress(address)) bad.push_back({name, "must be host:port"});
  }
  if (c.intake().deadline_ms() < 0) {
    bad.push_back({"intake.deadline_ms", "must not be negative"});
  }
  if (c.client_rate_limit().per_second() < 0 ||
      !std::isfinite(c.client_rate_limit().per_second())) {
    bad.push_back({"client_rate_limit.per_second", "must be above 0"});
  }
  if (c.client_rate_limit().burst() < 0) {
    bad.push_back({"client_rate_limit.burst", "must be at least 1"});
  }
  if (!c.quick_exit_url().empty() &&
      !absl::StartsWith(c.quick_exit_url(), "https://")) {
    bad.push_back({"quick_exit_url", "must be an https:// URL"});
  }
  for (int i = 0; i < c.professional_email_domains_size(); ++i) {
    const std::string& d = c.professional_email_domains(i);
    if (d.empty() || d != absl::AsciiStrToLower(d) ||
        d.find('@') != std::string::npos || d.find('.') == std::string::npos) {
      bad.push_back({absl::StrCat("professional_email_domains[", i, "]"),
                     "must be a lower-case domain such as nhs.net"});
    }
  }
  if (!bad.empty()) {
    std::string message = "web-svc config is not valid";
    for (const auto& v : bad) absl::StrAppend(&message, "; ", v.field, ": ", v.description);
    return InvalidArgumentWithViolations(message, bad);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<WebServer>> WebServer::Start(
    const config::v1::WebConfig& config, const Clock& clock) {
  if (absl::Status valid = ValidateConfig(config); !valid.ok()) return valid;
  auto server = std::make_unique<WebServerImpl>();
  if (absl::Status started = server->Init(config, clock); !started.ok()) {
    return started;
  }
  return server;
}

absl::Status RunServer(const std::string& config_path) {
  server::PrepareServerProcess();
  if (config_path.empty()) {
    return absl::InvalidArgumentError("missing --config=FILE.json");
  }
  absl::StatusOr<config::v1::WebConfig> config =
      config::LoadJsonFile<config::v1::WebConfig>(config_path);
  if (!config.ok()) return config.status();
  absl::StatusOr<std::unique_ptr<WebServer>> server = WebServer::Start(*config);
  if (!server.ok()) return server.status();
  absl::StatusOr<int> signal = server::WaitForShutdownSignal();
  if (!signal.ok()) return signal.status();
  Log(Level::kInfo, "server.stopping", {{"service", kService}, {"signal", *signal}});
  return (*server)->Shutdown(absl::Seconds(config->shutdown_grace_seconds()));
}

}  // namespace frontdoor::web
