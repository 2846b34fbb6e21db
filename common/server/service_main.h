#pragma once

// What every service's assembly shares: the settings every ServerConfig and
// StoreConfig must have, the store with the common tables, and the
// run-until-signal sequence of RunServer().

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/audit/watch.h"
#include "common/clock/clock.h"
#include "common/retention/purge.h"
#include "common/rights/rights.h"
#include "common/rewrap/rewrap.h"
#include "common/config/config.h"
#include "common/crypto/key_ring.h"
#include "common/logging/logging.h"
#include "common/outbox/grpc_sink.h"
#include "common/server/certificate_expiry.h"
#include "common/server/rate_limit.h"
#include "common/server/refusal_audit.h"
#include "common/server/server_host.h"
#include "common/server/signals.h"
#include "common/store/store.h"
#include "common/tls/agency_registry.h"
#include "common/tls/reloading_agency_registry.h"
#include "frontdoor/config/v1/config.pb.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace frontdoor::server {

// `status` with "<step>: " before its message (same code).
absl::Status WithContext(const absl::Status& status, std::string_view step);

// Requires the three addresses, the three TLS files, a positive shutdown
// grace, the SQLite path, the agency registry file and the key ring file,
// under their setting names.
void RequireCommonSettings(const config::v1::ServerConfig& server,
                           const config::v1::StoreConfig& store,
                           const std::string& agency_registry_file,
                           const std::string& key_ring_file,
                           config::RequiredSettings& required);

// Checks the ServerConfig settings that have values to check beyond being
// present (the rate limits, the audit check's interval): INVALID_ARGUMENT
// with a field violation naming each bad setting, for example
// "server.rate_limits.writes.per_second".
absl::Status CheckServerSettings(const config::v1::ServerConfig& server);

// The rate-limit policy of `server.rate_limits`; as CheckServerSettings, and
// every agency given its own limits must be in `registry` (a field violation
// names server.rate_limits.agencies[i].agency_id otherwise).
absl::StatusOr<RateLimitPolicy> RateLimitPolicyForServer(
    const config::v1::ServerConfig& server,
    const tls::AgencyRegistry& registry);

// Where the store is: the SQLite path, or the PostgreSQL URL (given, or
// read from the named environment variable). INVALID_ARGUMENT naming the
// field unless exactly one is given and a URL is a PostgreSQL one.
absl::StatusOr<std::string> StoreLocation(const config::v1::StoreConfig& config);

// Opens the service's store (SQLite or PostgreSQL) with its own migrations
// followed by the outbox and audit tables.
absl::StatusOr<std::unique_ptr<store::Store>> OpenServiceStore(
    const config::v1::StoreConfig& config,
    std::vector<store::Migration> migrations);

// What every service loads first: the registry of who may call it, the key
// ring, and its store (own migrations, then the outbox and audit tables).
// Hold it as the first member of a server, so the store outlives everything
// that uses it.
struct CommonParts {
  // The registry as loaded at start-up, for what is settled then (rate-limit
  // policies, configured recipients, metrics labels).
  std::unique_ptr<tls::AgencyRegistry> registry;
  // The same file, reloaded on change: authenticate callers against this,
  // so that an agency removed from the file is refused without a restart.
  std::unique_ptr<tls::ReloadingAgencyRegistry> agencies;
  std::unique_ptr<crypto::KeyRing> keys;
  std::unique_ptr<store::Store> store;
  // The SQLite database's path (empty on PostgreSQL), for the audit anchor
  // file's default.
  std::string sqlite_path;
  // The clock LoadCommonParts was given.
  const Clock* clock = &RealClock::Get();
};

// Loads CommonParts; errors name the step.
// `clock` (which must outlive the parts) paces the agency registry's
// reloads.
absl::StatusOr<CommonParts> LoadCommonParts(
    const std::string& agency_registry_file, const std::string& key_ring_file,
    const config::v1::StoreConfig& store,
    std::vector<store::Migration> migrations,
    const Clock& clock = RealClock::Get());

// "<path>: <message>; <field>: <description>; ..." for a data file whose
// entries failed validation (the status's field violations), same code.
absl::Status DataFileError(const absl::Status& status, std::string_view path);

// At shutdown, how long a relay may keep handing over due events.
inline constexpr absl::Duration kRelayFlushBudget = absl::Seconds(2);

// Readiness follows the store: from now on `host` reports NOT_SERVING
// while `store` cannot commit writes (disk full, database unreachable) and
// SERVING again once it can (never after the host's Shutdown). Stop with
// store.SetHealthListener(nullptr) before `host` is destroyed.
void FollowStoreHealth(store::Store& store, ServerHost& host);

// frontdoor_store_healthy: 1 while the store's writes commit, 0 while they
// cannot (a full disk, an unreachable database), read at each scrape, for
// the FrontdoorStoreUnhealthy alert. `store` must outlive the collector's
// scrapes (the service's store outlives its server host).
class StoreHealthCollector final : public prometheus::Collectable {
 public:
  explicit StoreHealthCollector(const store::Store& store) : store_(store) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const store::Store& store_;
};

// Logs "server.started" with the service's name and ports.
void LogStarted(std::string_view service, const ServerHost& host);

// The ordered stop every service makes: NOT_SERVING and drain in-flight
// calls within `grace`; stop each relay and hand over what is due within
// kRelayFlushBudget; finish queued writes and close the store; log
// "server.stopped". Returns the host's shutdown status.
absl::Status StopService(std::string_view service, ServerHost& host,
                         const std::vector<std::unique_ptr<outbox::Hop>>& hops,
                         store::Store& store, absl::Duration grace);

// The parts every running service holds, and what its server interface asks
// for: the ports and the ordered stop. A service's implementation derives
// from RunningService<ItsInterface>, loads `common_`, may start hops with
// AddHop(), calls Serve() last in its Init, and calls Shutdown() in its destructor so
// that the gRPC server is gone before the service objects it calls. Its own
// members are destroyed before these, so the store outlives them.
template <typename Interface>
class RunningService : public Interface {
 public:
  int api_port() const override { return api_port_; }
  int health_port() const override { return health_port_; }
  int metrics_port() const override { return metrics_port_; }

  // Idempotent; does nothing when Serve() never succeeded.
  absl::Status Shutdown(absl::Duration grace) override {
    if (host_ == nullptr) return absl::OkStatus();
    // Before the store closes; its metrics stay readable until the host goes.
    audit_watch_->Stop();
    rewrapper_->Stop();
    purger_->Stop();
    absl::Status status =
        StopService(name_, *host_, hops_, *common_.store, grace);
    common_.store->SetHealthListener(nullptr);
    host_.reset();
    return status;
  }

 protected:
  explicit RunningService(std::string name) : name_(std::move(name)) {}

  // Starts the three ports, with readiness following the store, the
  // certificate expiry gauges (CertificateExpiry), the scheduled check of
  // the audit chain (server.audit), the re-sealing of `sealed` and the
  // outbox's payloads under the active key, the retention purge
  // (server.retention, common/retention), and every PERMISSION_DENIED
  // answer audited (RefusalAuditInterceptorFactory), and logs
  // "server.started".
  // `erasures` are the service's erasure schedules (common/retention),
  // run by the purge job; their periods are taken from server.retention by
  // the caller (ErasureSchedule::after).
  absl::Status Serve(ServerParts parts,
                     std::vector<rewrap::SealedColumn> sealed = {},
                     std::vector<retention::ErasureSchedule> erasures = {}) {
    parts.collectables.push_back(
        std::make_shared<StoreHealthCollector>(*common_.store));
    audit_watch_ = std::make_unique<audit::ChainWatch>(
        *common_.store, *common_.keys, *common_.clock,
        audit::WatchOptionsFor(parts.config.audit(), common_.sqlite_path));
    parts.collectables.push_back(
        std::make_shared<audit::ChainWatchCollector>(*audit_watch_));
    sealed.push_back(rewrap::OutboxPayloads());
    rewrapper_ = std::make_unique<rewrap::Rewrapper>(
        *common_.store, *common_.keys, std::move(sealed));
    parts.collectables.push_back(
        std::make_shared<rewrap::RewrapCollector>(*rewrapper_));
    absl::StatusOr<retention::Schedule> schedule =
        retention::ScheduleFor(parts.config.retention());
    if (!schedule.ok()) return schedule.status();
    purger_ = std::make_unique<retention::Purger>(
        *common_.store, *common_.clock, *std::move(schedule),
        std::move(erasures), std::move(purges_));
    parts.collectables.push_back(
        std::make_shared<retention::PurgeCollector>(*purger_));
    auto expiry = std::make_shared<CertificateExpiry>(
        *common_.agencies, parts.config.tls().cert_file());
    parts.collectables.push_back(expiry);
    parts.interceptors.push_back(CertificateExpiry::Interceptors(expiry));
    parts.interceptors.push_back(
        std::make_unique<RefusalAuditInterceptorFactory>(
            *common_.store, *common_.keys, *common_.agencies, *common_.clock,
            *parts.registry));
    absl::StatusOr<std::unique_ptr<ServerHost>> host =
        ServerHost::Start(std::move(parts));
    if (!host.ok()) return host.status();
    host_ = *std::move(host);
    FollowStoreHealth(*common_.store, *host_);
    audit_watch_->Start();
    rewrapper_->Start();
    purger_->Start();
    api_port_ = host_->api_port();
    health_port_ = host_->health_port();
    metrics_port_ = host_->metrics_port();
    LogStarted(name_, *host_);
    return absl::OkStatus();
  }

  // Starts a hop relaying `topic` to `downstream` with `method`
  // (`&Stub::async::Method`), when it
  // has a target; otherwise logs that the topic's events wait in the
  // outbox. Call after loading common_. Errors name the downstream.
  template <typename Service, typename Message, typename Response>
  absl::Status AddHop(const config::v1::Downstream& downstream,
                      const config::v1::TlsFiles& own, const Clock& clock,
                      std::string topic, std::string actor,
                      outbox::AsyncMethod<Service, Message, Response> method,
                      outbox::RelayOptions options = {}) {
    if (downstream.target().empty()) {
      Log(Level::kWarning, "relay.not_configured",
          {{"service", name_},
           {"topic", topic},
           {"detail", "no target: these events wait in the outbox"}});
      return absl::OkStatus();
    }
    // A restricted referral's events wait (common/rights).
    options.held_back_references = rights::kRestrictedReferences;
    absl::StatusOr<std::unique_ptr<outbox::Hop>> hop =
        outbox::Hop::Start<Service>(downstream, own, *common_.store,
                                    *common_.keys, clock, topic,
                                    std::move(actor), method,
                                    std::move(options));
    if (!hop.ok()) {
      return WithContext(hop.status(), absl::StrCat("relay of ", topic));
    }
    hops_.push_back(*std::move(hop));
    return absl::OkStatus();
  }

  // Starts a hop relaying `topic` to `sink` (not a gRPC service: notify's
  // email), stopped and flushed with the others; `keep` is held as long.
  absl::Status AddSinkHop(std::unique_ptr<outbox::Sink> sink,
                          std::shared_ptr<void> keep, const Clock& clock,
                          std::string topic, outbox::RelayOptions options) {
    std::string name = topic;
    options.held_back_references = rights::kRestrictedReferences;
    absl::StatusOr<std::unique_ptr<outbox::Hop>> hop = outbox::Hop::WithSink(
        std::move(sink), std::move(keep), *common_.store, clock,
        std::move(topic), std::move(options));
    if (!hop.ok()) {
      return WithContext(hop.status(), absl::StrCat("relay of ", name));
    }
    hops_.push_back(*std::move(hop));
    return absl::OkStatus();
  }

  // A service's own retention schedule (a record type only it keeps),
  // purged by the same job with the same metrics. Call before Serve.
  void AddPurge(retention::RecordPurge purge) {
    purges_.push_back(std::move(purge));
  }

  // Wakes every hop's relay: call when an event commits.
  void NotifyRelays() {
    for (const auto& hop : hops_) hop->relay().Notify();
  }

  // The hops' relays, for their metrics.
  std::vector<const outbox::Relay*> relays() const {
    std::vector<const outbox::Relay*> out;
    for (const auto& hop : hops_) out.push_back(&hop->relay());
    return out;
  }

  CommonParts common_;
  std::vector<std::unique_ptr<outbox::Hop>> hops_;

 private:
  const std::string name_;
  // Declared before host_ so that it outlives the metrics port's scrapes.
  std::unique_ptr<audit::ChainWatch> audit_watch_;
  std::unique_ptr<rewrap::Rewrapper> rewrapper_;
  std::vector<retention::RecordPurge> purges_;
  std::unique_ptr<retention::Purger> purger_;
  std::unique_ptr<ServerHost> host_;
  int api_port_ = 0;
  int health_port_ = 0;
  int metrics_port_ = 0;
};

// Checks `config` with `validate`, then builds an Impl and runs its
// Init(config, clock): the first failing step's error, or the started server.
template <typename Impl, typename Config>
absl::StatusOr<std::unique_ptr<Impl>> ValidateAndStart(
    const Config& config, const Clock& clock,
    absl::Status (*validate)(const Config&)) {
  if (absl::Status valid = validate(config); !valid.ok()) return valid;
  auto server = std::make_unique<Impl>();
  if (absl::Status started = server->Init(config, clock); !started.ok()) {
    return started;
  }
  return server;
}

// Prepares the process, names `service` on every log line (SetLogService),
// loads `config_path` as a Config, starts the server
// with `start(config)`, waits for SIGTERM or SIGINT and shuts down within
// config.server().shutdown_grace_seconds(). `start` returns
// StatusOr<std::unique_ptr<S>> where S has Shutdown(absl::Duration).
template <typename Config, typename StartFn>
absl::Status RunUntilSignal(std::string_view service,
                            const std::string& config_path, StartFn start) {
  // Before any thread starts, so that only the waiting thread sees them.
  PrepareServerProcess();
  // Every log line of the process names it.
  SetLogService(service);
  if (config_path.empty()) {
    return absl::InvalidArgumentError("missing --config=FILE.json");
  }
  absl::StatusOr<Config> config = config::LoadJsonFile<Config>(config_path);
  if (!config.ok()) return config.status();
  auto server = start(*config);
  if (!server.ok()) return server.status();
  absl::StatusOr<int> signal = WaitForShutdownSignal();
  if (!signal.ok()) return signal.status();
  Log(Level::kInfo, "server.stopping",
      {{"service", service}, {"signal", *signal}});
  return (*server)->Shutdown(
      absl::Seconds(config->server().shutdown_grace_seconds()));
}

}  // namespace frontdoor::server
