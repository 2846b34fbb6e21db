#include "web-svc/web_server.h"

#include <atomic>
#include <tuple>
#include <functional>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "httplib.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/audit/audit.h"
#include "common/audit/watch.h"
#include "common/config/config.h"
#include "common/crypto/key_ring.h"
#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/metrics/metrics_server.h"
#include "common/report/report_document.h"
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
#include "web-svc/accounts.h"
#include "web-svc/console.h"
#include "web-svc/console_history.h"
#include "web-svc/console_placements.h"
#include "web-svc/console_leader.h"
#include "web-svc/console_keying.h"
#include "web-svc/console_reports.h"
#include "web-svc/pages.h"
#include "web-svc/professional_pages.h"
#include "web-svc/professional_referral.h"
#include "web-svc/public_tls.h"
#include "web-svc/self_referral.h"
#include "web-svc/console_data_rights.h"
#include "web-svc/console_triage.h"
#include "web-svc/staff_calls.h"
#include "web-svc/web_security.h"

namespace frontdoor::web {
namespace {

namespace fs = std::filesystem;

constexpr char kService[] = "web-svc";
// The actors named to intake for the audit trail: the person is anonymous;
// the professional is named in the referral itself.
constexpr char kActor[] = "web:self-referral";
constexpr char kProfessionalActor[] = "web:professional-referral";
constexpr char kDefaultQuickExitUrl[] = "https://www.bbc.co.uk/weather";
constexpr double kDefaultClientPerSecond = 1;
constexpr int kDefaultClientBurst = 10;
// Each downstream call's deadline when its deadline_ms is 0.
constexpr int kDefaultDeadlineMs = 5000;
// Worker threads of the HTTPS server: each holds one request (a form post
// waits for intake within its deadline).
constexpr size_t kWorkerThreads = 16;
constexpr size_t kHealthThreads = 2;
// A client that sends or reads a request slower than this is cut off.
constexpr int kSocketTimeoutSeconds = 15;
// Largest request body any route reads; forms have their own kMaxFormBytes.
constexpr size_t kMaxPayloadBytes = kMaxFormBytes;
// How often Shutdown checks that requests in flight have finished.
constexpr absl::Duration kDrainPoll = absl::Milliseconds(20);
// How long Listen waits for a server's thread to enter its accept loop, and
// how often it looks.
constexpr absl::Duration kListenStartTimeout = absl::Seconds(5);
constexpr absl::Duration kListenStartPoll = absl::Milliseconds(1);

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

// ("host", port) of "host:port" ("[::1]:0" gives "::1").
std::pair<std::string, int> SplitAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  (void)absl::SimpleAtoi(address.substr(colon + 1), &port);
  return {host, port};
}

absl::Duration DeadlineOf(const config::v1::Downstream& d) {
  return absl::Milliseconds(d.deadline_ms() > 0 ? d.deadline_ms()
                                                : kDefaultDeadlineMs);
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
  struct Page {
    int status = 200;
    std::string body;
    std::string content_type = "text/html; charset=utf-8";
    std::vector<std::pair<std::string, std::string>> headers;
  };

  bool ConfigureTls(SSL_CTX& ctx);
  void Handle(const httplib::Request& req, httplib::Response& res,
              const httplib::ContentReader* body);
  Page Route(const httplib::Request& req, const httplib::ContentReader* body,
             std::string* route);
  // One form: its labels, fields, and how it is built, shown and answered.
  struct FormRoute {
    const char* label;  // metrics' and audit's form label
    const char* actor;  // named to intake
    const std::vector<std::string>* fields;
    std::function<BuiltReferral(const FormValues&)> build;
    std::function<MappingContext(const BuiltReferral&)> mapping;
    std::function<std::string(const FormView&)> render;
    std::function<std::string(const intake::v1::Receipt&)> receipt;
  };
  FormRoute SelfReferralRoute() const;
  FormRoute ProfessionalRoute(ProfessionalForm form) const;
  Page FormGet(const httplib::Request& req, const FormRoute& form);
  Page FormPost(const httplib::Request& req,
                const httplib::ContentReader* reader, const FormRoute& form);
  Page ConsolePage(const httplib::Request& req,
                   const httplib::ContentReader* reader, std::string* route);
  Page Html(int status, std::string body) const {
    Page r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static void Send(httplib::Response& res, const Page& r);
  std::string ClientAddress(const httplib::Request& req) const;
  std::string CsrfCookie(const httplib::Request& req) const;
  void Audit(const std::string& form, const std::string& action,
             const std::string& subject, const std::string& outcome);
  void CountSubmission(const std::string& form, const std::string& outcome) {
    submissions_->Add({{"form", form}, {"outcome", outcome}}).Increment();
  }
  absl::Status Listen(httplib::Server& server, const std::string& address,
                      const char* what, int* port, std::thread* thread);

  const Clock* clock_ = nullptr;
  config::v1::WebConfig config_;
  PageContext page_;
  // WebConfig.professional_email_domains.
  std::vector<std::string> domains_;
  std::map<std::string, Asset> assets_;
  std::unique_ptr<crypto::KeyRing> keys_;
  std::unique_ptr<store::Store> store_;
  // The scheduled check of web-svc's audit chain (WebConfig.audit; by
  // default every 10 minutes, anchored beside the SQLite database); before
  // metrics_, so that it outlives the scrapes.
  std::unique_ptr<audit::ChainWatch> audit_watch_;
  // Re-seals the console's sealed columns after a key rotation.
  std::unique_ptr<rewrap::Rewrapper> rewrapper_;
  std::unique_ptr<CsrfTokens> csrf_;
  std::unique_ptr<ClientRateLimiter> limiter_;
  TrustedProxies trusted_proxies_;
  std::unique_ptr<AccountStore> accounts_;
  std::unique_ptr<intake::v1::IntakeService::Stub> intake_;
  absl::Duration intake_deadline_;
  // The console's calls of intake, triage and allocation (before console_,
  // whose sections hold it).
  std::unique_ptr<StaffCalls> staff_calls_;
  // The data-protection officer's calls of the four services' DataRights,
  // and the subject access exports kept in web-svc's store.
  std::unique_ptr<RightsCalls> rights_calls_;
  std::unique_ptr<SubjectAccessStore> subject_access_;
  std::unique_ptr<Console> console_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Counter>* submissions_ = nullptr;
  prometheus::Family<prometheus::Counter>* sign_ins_ = nullptr;
  std::unique_ptr<metrics::MetricsServer> metrics_;
  // Before https_, whose SSL_CTX calls it on every handshake.
  std::unique_ptr<ReloadingCertificate> public_cert_;
  std::unique_ptr<httplib::SSLServer> https_;
  std::unique_ptr<httplib::Server> health_;
  std::thread https_thread_;
  std::thread health_thread_;
  int https_port_ = 0;
  int health_port_ = 0;
  std::atomic<bool> ready_{false};
  std::atomic<int> in_flight_{0};
  absl::Mutex stop_mu_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;
};

bool WebServerImpl::ConfigureTls(SSL_CTX& ctx) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  return public_cert_->Install(ctx);
}

absl::Status WebServerImpl::Listen(httplib::Server& server,
                                   const std::string& address,
                                   const char* what, int* port,
                                   std::thread* thread) {
  server.set_socket_options(metrics::ExclusivePortSocketOptions);
  const auto [host, wanted] = SplitAddress(address);
  const bool bound = wanted == 0 ? (*port = server.bind_to_any_port(host)) > 0
                                 : server.bind_to_port(host, wanted);
  if (!bound) {
    return absl::UnavailableError(
        absl::StrCat("binding ", what, " port ", address));
  }
  if (wanted != 0) *port = wanted;
  *thread = std::thread([&server] { server.listen_after_bind(); });
  // cpp-httplib's stop() does nothing until the accept loop runs, so a
  // Shutdown right after Start would wait on the loop forever: return once
  // it runs (bounded; a thread that has not started in that time is a
  // machine in trouble, and start-up goes on).
  const absl::Time until = absl::Now() + kListenStartTimeout;
  while (!server.is_running() && absl::Now() < until) {
    absl::SleepFor(kListenStartPoll);
  }
  return absl::OkStatus();
}

absl::Status WebServerImpl::Init(const config::v1::WebConfig& config,
                                 const Clock& clock) {
  clock_ = &clock;
  config_ = config;
  absl::StatusOr<TrustedProxies> proxies = TrustedProxies::Parse(
      {config.trusted_proxies().begin(), config.trusted_proxies().end()});
  if (!proxies.ok()) return proxies.status();
  trusted_proxies_ = *std::move(proxies);
  page_.quick_exit_url = config.quick_exit_url().empty()
                             ? kDefaultQuickExitUrl
                             : config.quick_exit_url();
  domains_.assign(config.professional_email_domains().begin(),
                  config.professional_email_domains().end());
  page_.professional_forms = !domains_.empty();
  absl::StatusOr<std::map<std::string, Asset>> assets =
      LoadAssets(config.assets_dir());
  if (!assets.ok()) return server::WithContext(assets.status(), "loading assets");
  assets_ = *std::move(assets);

  report::Labels report_labels;
  if (config.districts_file().empty() != config.catalogue_file().empty()) {
    return absl::InvalidArgumentError(
        "districts_file and catalogue_file are set together or not at all");
  }
  if (!config.districts_file().empty()) {
    absl::StatusOr<report::Labels> labels =
        report::LoadLabels(config.districts_file(), config.catalogue_file());
    if (!labels.ok()) {
      return server::WithContext(labels.status(), "loading reports' names");
    }
    report_labels = *std::move(labels);
  }

  absl::StatusOr<crypto::KeyRing> keys =
      crypto::KeyRing::LoadFile(config.key_ring_file());
  if (!keys.ok()) return server::WithContext(keys.status(), "loading key ring");
  keys_ = std::make_unique<crypto::KeyRing>(*std::move(keys));
  absl::StatusOr<std::unique_ptr<store::Store>> store =
      server::OpenServiceStore(config.store(), Migrations());
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
  intake_deadline_ = DeadlineOf(config.intake());
  absl::StatusOr<std::shared_ptr<grpc::Channel>> triage_channel =
      tls::MakeDownstreamChannel(config.triage(), config.service_tls());
  if (!triage_channel.ok()) {
    return server::WithContext(triage_channel.status(), "triage channel");
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> allocation_channel =
      tls::MakeDownstreamChannel(config.allocation(), config.service_tls());
  if (!allocation_channel.ok()) {
    return server::WithContext(allocation_channel.status(),
                               "allocation channel");
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> notify_channel =
      tls::MakeDownstreamChannel(config.notify(), config.service_tls());
  if (!notify_channel.ok()) {
    return server::WithContext(notify_channel.status(), "notify channel");
  }
  // The data-protection officer's calls: each service's DataRights.
  std::vector<RightsCalls::Target> rights_targets;
  for (const auto& [service, ch, deadline] :
       {std::tuple<const char*, std::shared_ptr<grpc::Channel>, absl::Duration>{
            kRightsServices[0], *channel, intake_deadline_},
        {kRightsServices[1], *triage_channel, DeadlineOf(config.triage())},
        {kRightsServices[2], *allocation_channel,
         DeadlineOf(config.allocation())},
        {kRightsServices[3], *notify_channel, DeadlineOf(config.notify())}}) {
    rights_targets.push_back(
        {service, common::v1::DataRights::NewStub(ch), deadline});
  }
  rights_calls_ = std::make_unique<RightsCalls>(std::move(rights_targets));
  staff_calls_ = std::make_unique<StaffCalls>(
      intake::v1::IntakeService::NewStub(*channel),
      triage::v1::TriageService::NewStub(*triage_channel),
      allocation::v1::AllocationService::NewStub(*allocation_channel),
      StaffCalls::Deadlines{intake_deadline_, DeadlineOf(config.triage()),
                            DeadlineOf(config.allocation())});

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
  sign_ins_ = &prometheus::BuildCounter()
                   .Name("frontdoor_web_sign_ins_total")
                   .Help("Console sign-in steps by outcome (signed_in, "
                         "unknown_account, wrong_password, wrong_code, locked, "
                         "disabled, not_enrolled, bad_enrolment_code), "
                         "locked_out when a failure locks an account, and "
                         "reauthenticated when a signed-in person confirms "
                         "their identity")
                   .Register(*registry_);
  accounts_ = std::make_unique<AccountStore>(*store_, *keys_, clock);
  console_ = std::make_unique<Console>(
      *accounts_, *csrf_, *limiter_, clock, SignInPolicyFor(config.console()),
      [this](const std::string& outcome) {
        sign_ins_->Add({{"outcome", outcome}}).Increment();
      });
  console_->AddSection(std::make_unique<HistorySection>(*staff_calls_));
  console_->AddSection(std::make_unique<TriageSection>(*staff_calls_, clock));
  console_->AddSection(std::make_unique<PlacementsSection>(
      *staff_calls_, clock, ConsoleTimeZone()));
  console_->AddSection(std::make_unique<LeaderSection>(*staff_calls_));
  console_->AddSection(std::make_unique<KeyingSection>(*staff_calls_));
  console_->AddSection(std::make_unique<ReportsSection>(
      *staff_calls_, clock, std::move(report_labels)));
  subject_access_ =
      std::make_unique<SubjectAccessStore>(*store_, *keys_, clock);
  console_->AddSection(std::make_unique<DataRightsSection>(
      *rights_calls_, *subject_access_,
      config.subject_access().show_staff_names()));
  audit_watch_ = std::make_unique<audit::ChainWatch>(
      *store_, *keys_, clock,
      audit::WatchOptionsFor(config.audit(),
                             config.store().sqlite_path()));
  std::vector<rewrap::SealedColumn> sealed = SealedColumns();
  for (rewrap::SealedColumn& c : SubjectAccessSealedColumns()) {
    sealed.push_back(std::move(c));
  }
  rewrapper_ = std::make_unique<rewrap::Rewrapper>(*store_, *keys_,
                                                   std::move(sealed));
  absl::StatusOr<std::unique_ptr<metrics::MetricsServer>> metrics =
      metrics::MetricsServer::Start(
          config.metrics_address(), registry_,
          {std::make_shared<audit::ChainWatchCollector>(*audit_watch_),
           std::make_shared<rewrap::RewrapCollector>(*rewrapper_)});
  if (!metrics.ok()) return server::WithContext(metrics.status(), "metrics port");
  metrics_ = *std::move(metrics);
  audit_watch_->Start();
  rewrapper_->Start();

  absl::StatusOr<std::unique_ptr<ReloadingCertificate>> public_cert =
      ReloadingCertificate::Load(config.public_tls().cert_file(),
                                 config.public_tls().key_file(), clock);
  if (!public_cert.ok()) return public_cert.status();
  public_cert_ = *std::move(public_cert);
  https_ = std::make_unique<httplib::SSLServer>(
      [this](SSL_CTX& ctx) { return ConfigureTls(ctx); });
  if (!https_->is_valid()) {
    return absl::InvalidArgumentError(
        "public_tls: cert_file and key_file cannot be loaded");
  }
  https_->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  https_->set_read_timeout(kSocketTimeoutSeconds, 0);
  https_->set_write_timeout(kSocketTimeoutSeconds, 0);
  https_->set_payload_max_length(kMaxPayloadBytes);
  https_->Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    Handle(req, res, nullptr);
  });
  https_->Post(".*", [this](const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& body) {
    Handle(req, res, &body);
  });
  // Whatever else httplib answers itself (unknown methods, bad requests)
  // still carries the headers and no body of its own.
  https_->set_error_handler(
      [this](const httplib::Request&, httplib::Response& res) {
        if (res.body.empty()) {
          Page p = Html(res.status, RenderProblemPage(page_));
          p.status = res.status;
          Send(res, p);
        }
      });
  if (absl::Status s = Listen(*https_, config.https_address(), "HTTPS",
                              &https_port_, &https_thread_);
      !s.ok()) {
    return s;
  }

  health_ = std::make_unique<httplib::Server>();
  health_->new_task_queue = [] { return new httplib::ThreadPool(kHealthThreads); };
  health_->Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    res.status = 404;
    if (req.path == "/livez") res.status = 200;
    if (req.path == "/readyz") res.status = ready_ ? 200 : 503;
    res.set_content(res.status == 200 ? "ok\n" : "not ready\n",
                    "text/plain; charset=utf-8");
  });
  if (absl::Status s = Listen(*health_, config.health_address(), "health",
                              &health_port_, &health_thread_);
      !s.ok()) {
    return s;
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
  for (httplib::Server* s : {static_cast<httplib::Server*>(https_.get()),
                             health_.get()}) {
    if (s != nullptr) s->stop();
  }
  if (https_thread_.joinable()) https_thread_.join();
  if (health_thread_.joinable()) health_thread_.join();
  if (audit_watch_ != nullptr) audit_watch_->Stop();
  if (rewrapper_ != nullptr) rewrapper_->Stop();
  if (store_ != nullptr) store_->Close();
  Log(Level::kInfo, "server.stopped", {{"service", kService}});
  return absl::OkStatus();
}

void WebServerImpl::Send(httplib::Response& res, const Page& r) {
  res.status = r.status;
  for (const auto& [name, value] : kSecurityHeaders) {
    res.set_header(name, value);
  }
  for (const auto& [name, value] : r.headers) res.set_header(name, value);
  res.set_content(r.body, r.content_type);
}

void WebServerImpl::Handle(const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader* body) {
  ++in_flight_;
  std::string route = "not_found";
  Page r;
  if (!ready_) {
    r = Html(503, RenderProblemPage(page_));
    route = "draining";
  } else {
    r = Route(req, body, &route);
  }
  Send(res, r);
  requests_->Add({{"route", route}, {"code", std::to_string(r.status)}})
      .Increment();
  --in_flight_;
}

WebServerImpl::Page WebServerImpl::Route(const httplib::Request& req,
                                         const httplib::ContentReader* body,
                                         std::string* route) {
  const std::string& uri = req.path;
  const bool get = body == nullptr;
  if (absl::StartsWith(uri, "/assets/")) {
    *route = "assets";
    auto it = assets_.find(uri);
    if (!get || it == assets_.end()) return Html(404, RenderNotFoundPage(page_));
    Page r;
    r.content_type = it->second.content_type;
    r.body = it->second.body;
    return r;
  }
  if (uri == "/") {
    *route = "start";
    if (!get) {
      Page r = Html(405, RenderNotFoundPage(page_));
      r.headers.push_back({"Allow", "GET"});
      return r;
    }
    return Html(200, RenderStartPage(page_));
  }
  if (IsConsolePath(uri)) return ConsolePage(req, body, route);
  if (uri == "/self-referral") {
    *route = "self_referral";
    const FormRoute form = SelfReferralRoute();
    return get ? FormGet(req, form) : FormPost(req, body, form);
  }
  // The professionals' forms, offered when some work email domain is.
  if (!domains_.empty() && uri == "/professional") {
    *route = "professional";
    if (!get) return Html(405, RenderNotFoundPage(page_));
    return Html(200, RenderProfessionalStartPage(page_, domains_));
  }
  if (!domains_.empty() && absl::StartsWith(uri, "/professional/")) {
    for (const ProfessionalFormSpec& spec : ProfessionalForms()) {
      if (uri != absl::StrCat("/professional/", spec.slug)) continue;
      *route = spec.label;
      const FormRoute form = ProfessionalRoute(spec.form);
      return get ? FormGet(req, form) : FormPost(req, body, form);
    }
  }
  return Html(404, RenderNotFoundPage(page_));
}

std::string WebServerImpl::CsrfCookie(const httplib::Request& req) const {
  const std::string value =
      CookieValue(req.get_header_value("Cookie"), kCsrfCookie);
  return IsWellFormedToken(value) ? value : "";
}

WebServerImpl::FormRoute WebServerImpl::SelfReferralRoute() const {
  FormRoute f;
  f.label = "self_referral";
  f.actor = kActor;
  f.fields = &SelfReferralFields();
  f.build = [](const FormValues& v) { return BuildSelfReferral(v); };
  f.mapping = [](const BuiltReferral&) { return MappingContext{}; };
  f.render = [this](const FormView& v) {
    return RenderSelfReferralPage(page_, v);
  };
  f.receipt = [this](const intake::v1::Receipt& r) {
    return RenderReceiptPage(page_, r.reference());
  };
  return f;
}

WebServerImpl::FormRoute WebServerImpl::ProfessionalRoute(
    ProfessionalForm form) const {
  FormRoute f;
  f.label = SpecFor(form).label;
  f.actor = kProfessionalActor;
  f.fields = &ProfessionalFields(form);
  f.build = [this, form](const FormValues& v) {
    return BuildProfessionalReferral(form, v, domains_);
  };
  f.mapping = [form](const BuiltReferral& b) {
    return ProfessionalMapping(form, b);
  };
  f.render = [this, form](const FormView& v) {
    return RenderProfessionalFormPage(page_, form, v, domains_);
  };
  f.receipt = [this](const intake::v1::Receipt& r) {
    std::vector<std::string> returned;
    for (const auto& reason : r.return_reasons()) {
      returned.push_back(reason.message());
    }
    return RenderProfessionalReceiptPage(page_, r.reference(), returned);
  };
  return f;
}

WebServerImpl::Page WebServerImpl::FormGet(const httplib::Request& req,
                                           const FormRoute& form) {
  std::string cookie = CsrfCookie(req);
  Page r;
  if (cookie.empty()) {
    cookie = NewToken();
    // A session cookie (no Expires or Max-Age): gone when the browser closes.
    r.headers.push_back(
        {"Set-Cookie", absl::StrCat(kCsrfCookie, "=", cookie,
                                    "; Path=/; Secure; HttpOnly; "
                                    "SameSite=Strict")});
  }
  FormView view;
  view.csrf_token = csrf_->TokenFor(cookie);
  view.form_token = NewToken();
  r.body = form.render(view);
  return r;
}

WebServerImpl::Page WebServerImpl::ConsolePage(
    const httplib::Request& req, const httplib::ContentReader* reader,
    std::string* route) {
  ConsoleRequest in;
  in.post = reader != nullptr;
  in.path = req.path;
  in.cookie_header = req.get_header_value("Cookie");
  in.client = ClientAddress(req);
  for (const auto& [name, value] : req.params) {
    if (value.size() <= kMaxFieldBytes) in.query.emplace(name, value);
  }
  if (in.post) {
    *route = "console";
    if (!absl::StartsWithIgnoreCase(req.get_header_value("Content-Type"),
                                    "application/x-www-form-urlencoded")) {
      return Html(415, RenderProblemPage(page_));
    }
    std::string body;
    bool too_large = false;
    (*reader)([&](const char* data, size_t length) {
      if (body.size() + length > kMaxFormBytes) {
        too_large = true;
        return false;
      }
      body.append(data, length);
      return true;
    });
    if (too_large) return Html(413, RenderProblemPage(page_));
    httplib::Params params;
    httplib::detail::parse_query_text(body, params);
    for (const auto& [name, value] : params) {
      if (value.size() > kMaxFieldBytes) return Html(413, RenderProblemPage(page_));
      in.form.emplace(name, value);  // the first of each name
    }
  }
  ConsoleResponse out = console_->Handle(in);
  *route = out.route;
  Page r = Html(out.status, std::move(out.body));
  if (!out.content_type.empty()) r.content_type = std::move(out.content_type);
  r.headers = std::move(out.headers);
  return r;
}

std::string WebServerImpl::ClientAddress(const httplib::Request& req) const {
  const std::string& peer = req.remote_addr;
  if (!trusted_proxies_.Contains(peer)) return peer;
  const std::string xff = req.get_header_value("X-Forwarded-For");
  if (xff.empty()) return peer;
  std::vector<std::string> hops = absl::StrSplit(xff, ',');
  const std::string last(absl::StripAsciiWhitespace(hops.back()));
  return last.empty() ? peer : last;
}

// The audit reason code of every web-svc entry (common/audit/README.md).
constexpr char kAuditReasonWebForm[] = "web_form_submission";

void WebServerImpl::Audit(const std::string& form, const std::string& action,
                          const std::string& subject,
                          const std::string& outcome) {
  audit::Entry entry;
  entry.at = clock_->Now();
  entry.actor_agency = "frontdoor-web";
  entry.actor_person =
      form == "self_referral" ? kActor : kProfessionalActor;
  entry.action = action;
  entry.subject = subject;
  entry.reason = kAuditReasonWebForm;
  entry.lawful_basis = "UK GDPR art. 6(1)(e), art. 9(2)(g); DPA 2018 sch. 1 para. 18";
  entry.details = absl::StrCat("{\"form\":\"", form, "\",\"outcome\":\"",
                               outcome, "\"}");
  const absl::Status s = store_->WriteSync(
      [&](store::Tx& tx) { return audit::Append(tx, *keys_, entry); });
  if (!s.ok()) {
    Log(Level::kError, "audit.append_failed",
        {{"service", kService}, {"action", action}, {"code",
          absl::StatusCodeToString(s.code())}});
  }
}

WebServerImpl::Page WebServerImpl::FormPost(const httplib::Request& req,
                                            const httplib::ContentReader* reader,
                                            const FormRoute& form) {
  absl::Duration retry_after;
  if (!limiter_->TryAcquire(ClientAddress(req), &retry_after)) {
    CountSubmission(form.label, "rate_limited");
    Page r = Html(429, RenderTooManyRequestsPage(page_));
    r.headers.push_back(
        {"Retry-After",
         std::to_string(std::max<int64_t>(
             1, absl::ToInt64Seconds(absl::Ceil(retry_after, absl::Seconds(1)))))});
    return r;
  }
  if (!absl::StartsWithIgnoreCase(req.get_header_value("Content-Type"),
                                  "application/x-www-form-urlencoded")) {
    CountSubmission(form.label, "bad_request");
    return Html(415, RenderProblemPage(page_));
  }
  // Read here, bounded, rather than by the library (whose own limit for
  // urlencoded forms is shorter than what the form may hold).
  std::string body;
  bool too_large = false;
  (*reader)([&](const char* data, size_t length) {
    if (body.size() + length > kMaxFormBytes) {
      too_large = true;
      return false;
    }
    body.append(data, length);
    return true;
  });
  if (too_large) {
    CountSubmission(form.label, "too_large");
    return Html(413, RenderProblemPage(page_));
  }
  httplib::Params params;
  httplib::detail::parse_query_text(body, params);
  auto var = [&](const std::string& name, std::string* out) -> bool {
    auto it = params.find(name);
    *out = it == params.end() ? "" : it->second;
    return out->size() <= kMaxFieldBytes;
  };
  std::string csrf_token, form_token, honeypot;
  FormValues values;
  bool fits = var(kCsrfField, &csrf_token) &&
              var(kFormTokenField, &form_token) && var("website", &honeypot);
  for (const std::string& field : *form.fields) {
    if (!fits) break;
    std::string v;
    fits = var(field, &v);
    if (!v.empty()) values[field] = std::move(v);
  }
  if (!fits) {
    CountSubmission(form.label, "too_large");
    return Html(413, RenderProblemPage(page_));
  }
  if (!csrf_->Check(CsrfCookie(req), csrf_token)) {
    CountSubmission(form.label, "csrf");
    Audit(form.label, "web.submission_refused", "", "csrf");
    return Html(403, RenderFormExpiredPage(page_));
  }
  if (!honeypot.empty()) {
    CountSubmission(form.label, "honeypot");
    Audit(form.label, "web.submission_refused", "", "honeypot");
    return Html(400, RenderProblemPage(page_));
  }
  if (!IsWellFormedToken(form_token)) {
    CountSubmission(form.label, "bad_request");
    return Html(400, RenderProblemPage(page_));
  }

  FormView view;
  view.values = values;
  view.csrf_token = csrf_token;
  view.form_token = form_token;
  // "Add another child": the same form back with one more block, nothing
  // sent.
  if (params.count(kAddChildButton) > 0) {
    view.child_blocks = ChildBlocksToShow(values, /*add_one=*/true);
    return Html(200, form.render(view));
  }
  view.child_blocks = ChildBlocksToShow(values, /*add_one=*/false);
  BuiltReferral built = form.build(values);
  if (!built.errors.empty()) {
    CountSubmission(form.label, "invalid");
    view.errors = std::move(built.errors);
    return Html(422, form.render(view));
  }

  intake::v1::SubmitReferralRequest request;
  request.set_idempotency_key(absl::StrCat("web-", form_token));
  *request.mutable_referral() = built.referral;
  intake::v1::SubmitReferralResponse response;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + intake_deadline_));
  ctx.AddMetadata(tls::kActorMetadataKey, form.actor);
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
    CountSubmission(form.label, outcome);
    Audit(form.label, "web.referral_submitted", response.receipt().reference(), outcome);
    Log(Level::kInfo, "web.referral_submitted",
        {{"service", kService},
         {"trace_id", trace.trace_id},
         {"reference", response.receipt().reference()},
         {"outcome", outcome}});
    return Html(200, form.receipt(response.receipt()));
  }
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    std::vector<std::string> unmapped;
    view.errors = MapViolations(GetFieldViolations(status), &unmapped,
                                form.mapping(built));
    if (unmapped.empty() && !view.errors.empty()) {
      CountSubmission(form.label, "invalid");
      return Html(422, form.render(view));
    }
    for (const std::string& path : unmapped) {
      // A path, never a value: no personal data.
      Log(Level::kError, "web.unmapped_violation",
          {{"service", kService}, {"trace_id", trace.trace_id},
           {"field", path}});
    }
  }
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    CountSubmission(form.label, "already_sent");
    return Html(409, RenderAlreadySentPage(page_));
  }
  CountSubmission(form.label, "intake_error");
  Audit(form.label, "web.submission_refused", "", "intake_error");
  Log(Level::kError, "web.intake_failed",
      {{"service", kService},
       {"trace_id", trace.trace_id},
       {"code", absl::StatusCodeToString(status.code())}});
  return Html(503, RenderProblemPage(page_));
}

}  // namespace

SignInPolicy SignInPolicyFor(const config::v1::ConsoleConfig& c) {
  SignInPolicy p;
  if (c.max_failed_sign_ins() > 0) p.max_failures = c.max_failed_sign_ins();
  if (c.lockout_seconds() > 0) p.lockout = absl::Seconds(c.lockout_seconds());
  if (c.idle_timeout_seconds() > 0) {
    p.idle_timeout = absl::Seconds(c.idle_timeout_seconds());
  }
  if (c.absolute_timeout_seconds() > 0) {
    p.absolute_timeout = absl::Seconds(c.absolute_timeout_seconds());
  }
  if (c.reauthentication_seconds() > 0) {
    p.reauthentication = absl::Seconds(c.reauthentication_seconds());
  }
  return p;
}

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
  required.Require(!c.triage().target().empty(), "triage.target");
  required.Require(!c.allocation().target().empty(), "allocation.target");
  required.Require(!c.notify().target().empty(), "notify.target");
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
  for (const auto& [name, downstream] :
       {std::pair<const char*, const config::v1::Downstream*>{"intake",
                                                              &c.intake()},
        {"triage", &c.triage()},
        {"allocation", &c.allocation()},
        {"notify", &c.notify()}}) {
    if (downstream->deadline_ms() < 0) {
      bad.push_back({absl::StrCat(name, ".deadline_ms"), "must not be negative"});
    }
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
  for (int i = 0; i < c.trusted_proxies_size(); ++i) {
    if (!TrustedProxies::IsValidEntry(c.trusted_proxies(i))) {
      bad.push_back({absl::StrCat("trusted_proxies[", i, "]"),
                     "must be an IP address or a network such as 10.244.0.0/16"});
    }
  }
  const auto& console = c.console();
  for (const auto& [name, value] :
       {std::pair<const char*, int32_t>{"console.max_failed_sign_ins",
                                        console.max_failed_sign_ins()},
        {"console.lockout_seconds", console.lockout_seconds()},
        {"console.idle_timeout_seconds", console.idle_timeout_seconds()},
        {"console.absolute_timeout_seconds",
         console.absolute_timeout_seconds()},
        {"console.reauthentication_seconds",
         console.reauthentication_seconds()}}) {
    if (value < 0) bad.push_back({name, "must not be negative (0: the default)"});
  }
  {
    const SignInPolicy policy = SignInPolicyFor(console);
    if (policy.absolute_timeout < policy.idle_timeout) {
      bad.push_back({"console.absolute_timeout_seconds",
                     "must be at least console.idle_timeout_seconds"});
    }
  }
  if (c.audit().verify_interval_seconds() < 0) {
    bad.push_back({"audit.verify_interval_seconds",
                   "must be at least 1 (or 0 for the default)"});
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
  // Every log line of the process names it.
  SetLogService(kService);
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
