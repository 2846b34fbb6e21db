#include "intake-svc/intake_server.h"

#include <csignal>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/crypto/key_ring.h"
#include "common/logging/logging.h"
#include "common/outbox/outbox.h"
#include "common/audit/audit.h"
#include "common/server/server_host.h"
#include "common/server/signals.h"
#include "common/store/store.h"
#include "common/tls/agency_registry.h"
#include "intake-svc/districts.h"
#include "intake-svc/intake_core.h"
#include "intake-svc/intake_metrics.h"
#include "intake-svc/intake_service.h"
#include "intake-svc/migrations.h"
#include "prometheus/registry.h"

namespace frontdoor::intake {

namespace {

absl::Status WithContext(const absl::Status& status, absl::string_view step) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(step, ": ", status.message()));
}

class IntakeServerImpl final : public IntakeServer {
 public:
  absl::Status Init(const config::v1::IntakeConfig& config,
                    const Clock& clock) {
    absl::StatusOr<tls::AgencyRegistry> registry =
        tls::AgencyRegistry::LoadFromFile(config.agency_registry_file());
    if (!registry.ok()) {
      return WithContext(registry.status(), "loading the agency registry");
    }
    registry_ = std::make_unique<tls::AgencyRegistry>(*std::move(registry));

    absl::StatusOr<config::v1::DistrictList> district_list =
        config::LoadJsonFile<config::v1::DistrictList>(config.districts_file());
    if (!district_list.ok()) {
      return WithContext(district_list.status(), "loading the districts");
    }
    absl::StatusOr<DistrictDirectory> districts =
        DistrictDirectory::FromProto(*district_list);
    if (!districts.ok()) {
      return WithContext(districts.status(),
                         absl::StrCat("districts file ",
                                      config.districts_file()));
    }
    districts_ = std::make_unique<DistrictDirectory>(*std::move(districts));

    absl::StatusOr<crypto::KeyRing> keys =
        crypto::KeyRing::LoadFile(config.key_ring_file());
    if (!keys.ok()) return WithContext(keys.status(), "loading the key ring");
    keys_ = std::make_unique<crypto::KeyRing>(*std::move(keys));

    std::vector<store::Migration> migrations = Migrations();
    for (auto* extra : {&outbox::Migrations, &audit::Migrations}) {
      for (store::Migration& m : (*extra)()) migrations.push_back(std::move(m));
    }
    store::SqliteOptions options;
    options.path = config.store().sqlite_path();
    absl::StatusOr<std::unique_ptr<store::Store>> store =
        store::OpenSqliteStore(options, migrations);
    if (!store.ok()) {
      return WithContext(store.status(),
                         absl::StrCat("opening the store ", options.path));
    }
    store_ = *std::move(store);

    registry_metrics_ = std::make_shared<prometheus::Registry>();
    metrics_ = std::make_unique<IntakeMetrics>(*registry_metrics_);
    core_ = std::make_unique<IntakeCore>(*store_, *keys_, *districts_, clock,
                                         *metrics_);
    service_ = std::make_unique<IntakeService>(*core_, *registry_, *metrics_);

    server::ServerParts parts;
    parts.config = config.server();
    parts.services = {service_.get()};
    parts.registry = registry_metrics_;
    absl::StatusOr<std::unique_ptr<server::ServerHost>> host =
        server::ServerHost::Start(std::move(parts));
    if (!host.ok()) return host.status();
    host_ = *std::move(host);
    Log(Level::kInfo, "server.started",
        {{"service", "intake-svc"},
         {"api_port", host_->api_port()},
         {"health_port", host_->health_port()},
         {"metrics_port", host_->metrics_port()}});
    return absl::OkStatus();
  }

  int api_port() const override { return host_->api_port(); }
  int health_port() const override { return host_->health_port(); }
  int metrics_port() const override { return host_->metrics_port(); }

  absl::Status Shutdown(absl::Duration grace) override {
    if (stopped_) return absl::OkStatus();
    stopped_ = true;
    absl::Status status = host_->Shutdown(grace);
    // In-flight calls are done or cancelled; finish their queued writes.
    store_->Close();
    Log(Level::kInfo, "server.stopped", {{"service", "intake-svc"}});
    return status;
  }

  ~IntakeServerImpl() override { Shutdown(absl::ZeroDuration()).IgnoreError(); }

 private:
  bool stopped_ = false;
  std::unique_ptr<tls::AgencyRegistry> registry_;
  std::unique_ptr<DistrictDirectory> districts_;
  std::unique_ptr<crypto::KeyRing> keys_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<prometheus::Registry> registry_metrics_;
  std::unique_ptr<IntakeMetrics> metrics_;
  std::unique_ptr<IntakeCore> core_;
  std::unique_ptr<IntakeService> service_;
  std::unique_ptr<server::ServerHost> host_;
};

}  // namespace

absl::Status ValidateConfig(const config::v1::IntakeConfig& config) {
  config::RequiredSettings required;
  required.Require(!config.server().api_address().empty(),
                   "server.api_address");
  required.Require(!config.server().health_address().empty(),
                   "server.health_address");
  required.Require(!config.server().metrics_address().empty(),
                   "server.metrics_address");
  required.Require(!config.server().tls().ca_file().empty(),
                   "server.tls.ca_file");
  required.Require(!config.server().tls().cert_file().empty(),
                   "server.tls.cert_file");
  required.Require(!config.server().tls().key_file().empty(),
                   "server.tls.key_file");
  required.Require(config.server().shutdown_grace_seconds() > 0,
                   "server.shutdown_grace_seconds");
  required.Require(!config.store().sqlite_path().empty(), "store.sqlite_path");
  required.Require(!config.agency_registry_file().empty(),
                   "agency_registry_file");
  required.Require(!config.districts_file().empty(), "districts_file");
  required.Require(!config.key_ring_file().empty(), "key_ring_file");
  return required.Check("intake-svc configuration");
}

absl::StatusOr<std::unique_ptr<IntakeServer>> IntakeServer::Start(
    const config::v1::IntakeConfig& config, const Clock& clock) {
  absl::Status valid = ValidateConfig(config);
  if (!valid.ok()) return valid;
  auto server = std::make_unique<IntakeServerImpl>();
  absl::Status started = server->Init(config, clock);
  if (!started.ok()) return started;
  return server;
}

absl::Status RunServer(const std::string& config_path) {
  // Before any thread starts, so that only the waiting thread sees them.
  server::PrepareServerProcess();
  if (config_path.empty()) {
    return absl::InvalidArgumentError("missing --config=FILE.json");
  }
  absl::StatusOr<config::v1::IntakeConfig> config =
      config::LoadJsonFile<config::v1::IntakeConfig>(config_path);
  if (!config.ok()) return config.status();
  absl::StatusOr<std::unique_ptr<IntakeServer>> server =
      IntakeServer::Start(*config);
  if (!server.ok()) return server.status();
  absl::StatusOr<int> signal = server::WaitForShutdownSignal();
  if (!signal.ok()) return signal.status();
  Log(Level::kInfo, "server.stopping",
      {{"service", "intake-svc"}, {"signal", *signal}});
  return (*server)->Shutdown(
      absl::Seconds(config->server().shutdown_grace_seconds()));
}

}  // namespace frontdoor::intake
