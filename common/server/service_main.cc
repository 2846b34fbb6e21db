#include "common/server/service_main.h"

#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

#include "common/audit/audit.h"
#include "common/clock/clock.h"
#include "common/metrics/families.h"
#include "common/outbox/outbox.h"
#include "common/rights/rights.h"
#include "common/status/errors.h"

namespace frontdoor::server {

void RequireCommonSettings(const config::v1::ServerConfig& server,
                           const config::v1::StoreConfig& store,
                           const std::string& agency_registry_file,
                           const std::string& key_ring_file,
                           config::RequiredSettings& required) {
  required.Require(!server.api_address().empty(), "server.api_address");
  required.Require(!server.health_address().empty(), "server.health_address");
  required.Require(!server.metrics_address().empty(),
                   "server.metrics_address");
  required.Require(!server.tls().ca_file().empty(), "server.tls.ca_file");
  required.Require(!server.tls().cert_file().empty(), "server.tls.cert_file");
  required.Require(!server.tls().key_file().empty(), "server.tls.key_file");
  required.Require(server.shutdown_grace_seconds() > 0,
                   "server.shutdown_grace_seconds");
  required.Require(!store.sqlite_path().empty() ||
                       !store.postgres_url().empty() ||
                       !store.postgres_url_env().empty(),
                   "store.sqlite_path (or store.postgres_url, "
                   "store.postgres_url_env)");
  required.Require(!agency_registry_file.empty(), "agency_registry_file");
  required.Require(!key_ring_file.empty(), "key_ring_file");
}

absl::Status CheckServerSettings(const config::v1::ServerConfig& server) {
  if (server.audit().verify_interval_seconds() < 0) {
    return InvalidArgumentWithViolations(
        "audit settings are not valid: server.audit.verify_interval_seconds: "
        "must be at least 1 (or 0 for the default)",
        {{"server.audit.verify_interval_seconds",
          "must be at least 1 (or 0 for the default)"}});
  }
  if (absl::Status s = retention::ScheduleFor(server.retention()).status();
      !s.ok()) {
    return s;
  }
  return RateLimitPolicyFromConfig(server.rate_limits(), "server.rate_limits")
      .status();
}

absl::StatusOr<RateLimitPolicy> RateLimitPolicyForServer(
    const config::v1::ServerConfig& server,
    const tls::AgencyRegistry& registry) {
  absl::StatusOr<RateLimitPolicy> policy =
      RateLimitPolicyFromConfig(server.rate_limits(), "server.rate_limits");
  if (!policy.ok()) return policy.status();
  std::vector<FieldViolation> violations;
  const auto& agencies = server.rate_limits().agencies();
  for (int i = 0; i < agencies.size(); ++i) {
    if (registry.FindById(agencies[i].agency_id()) == nullptr) {
      violations.push_back(
          {absl::StrCat("server.rate_limits.agencies[", i, "].agency_id"),
           "no agency with this id in the agency registry"});
    }
  }
  if (!violations.empty()) {
    return RateLimitsNotValid(violations);
  }
  return policy;
}

absl::StatusOr<std::string> StoreLocation(
    const config::v1::StoreConfig& config) {
  const int given = !config.sqlite_path().empty() +
                    !config.postgres_url().empty() +
                    !config.postgres_url_env().empty();
  if (given != 1) {
    return InvalidArgumentWithViolations(
        "the configuration is not valid",
        {{"store", "give exactly one of sqlite_path, postgres_url and "
                   "postgres_url_env"}});
  }
  if (!config.sqlite_path().empty()) return config.sqlite_path();
  std::string url = config.postgres_url();
  std::string field = "store.postgres_url";
  if (!config.postgres_url_env().empty()) {
    const char* value = std::getenv(config.postgres_url_env().c_str());
    url = value == nullptr ? "" : value;
    field = absl::StrCat("store.postgres_url_env (", config.postgres_url_env(),
                         ")");
  }
  if (!store::IsPostgresUrl(url)) {
    return InvalidArgumentWithViolations(
        "the configuration is not valid",
        {{field, url.empty() ? "is empty"
                             : "must start with postgresql:// or postgres://"}});
  }
  return url;
}

absl::StatusOr<std::unique_ptr<store::Store>> OpenServiceStore(
    const config::v1::StoreConfig& config,
    std::vector<store::Migration> migrations) {
  for (auto* extra :
       {&outbox::Migrations, &audit::Migrations, &rights::Migrations}) {
    for (store::Migration& m : (*extra)()) migrations.push_back(std::move(m));
  }
  absl::StatusOr<std::string> location = StoreLocation(config);
  if (!location.ok()) return location.status();
  absl::StatusOr<std::unique_ptr<store::Store>> store =
      store::OpenStore(*location, migrations);
  if (!store.ok()) {
    // Never the URL itself: it may carry a password.
    return WithContext(store.status(),
                       config.sqlite_path().empty()
                           ? std::string("opening the PostgreSQL store")
                           : absl::StrCat("opening the store ",
                                          config.sqlite_path()));
  }
  return store;
}

absl::StatusOr<CommonParts> LoadCommonParts(
    const std::string& agency_registry_file, const std::string& key_ring_file,
    const config::v1::StoreConfig& store,
    std::vector<store::Migration> migrations, const Clock& clock) {
  CommonParts parts;
  absl::StatusOr<std::unique_ptr<tls::ReloadingAgencyRegistry>> agencies =
      tls::ReloadingAgencyRegistry::Open(agency_registry_file, clock);
  if (!agencies.ok()) {
    return WithContext(agencies.status(), "loading the agency registry");
  }
  parts.agencies = *std::move(agencies);
  parts.registry =
      std::make_unique<tls::AgencyRegistry>(*parts.agencies->Current());
  absl::StatusOr<crypto::KeyRing> keys = crypto::KeyRing::LoadFile(key_ring_file);
  if (!keys.ok()) return WithContext(keys.status(), "loading the key ring");
  parts.keys = std::make_unique<crypto::KeyRing>(*std::move(keys));
  absl::StatusOr<std::unique_ptr<store::Store>> opened =
      OpenServiceStore(store, std::move(migrations));
  if (!opened.ok()) return opened.status();
  parts.store = *std::move(opened);
  parts.sqlite_path = store.sqlite_path();
  parts.clock = &clock;
  return parts;
}

absl::Status DataFileError(const absl::Status& status, std::string_view path) {
  std::string entries;
  for (const FieldViolation& v : GetFieldViolations(status)) {
    absl::StrAppend(&entries, "; ", v.field, ": ", v.description);
  }
  return absl::Status(
      status.code(),
      absl::StrCat(absl::string_view(path.data(), path.size()), ": ",
                   status.message(), entries));
}

void FollowStoreHealth(store::Store& store, ServerHost& host) {
  store.SetHealthListener(
      [&host](bool healthy) { host.SetServing(healthy); });
}

std::vector<prometheus::MetricFamily> StoreHealthCollector::Collect() const {
  prometheus::MetricFamily family = metrics::NewGauge(
      "frontdoor_store_healthy",
      "1 while the service's database takes writes, 0 while it cannot (disk "
      "full, database unreachable); readiness follows it.");
  metrics::AddSample(family, {}, store_.Healthy() ? 1 : 0);
  return {family};
}

void LogStarted(std::string_view service, const ServerHost& host) {
  Log(Level::kInfo, "server.started",
      {{"service", service},
       {"api_port", host.api_port()},
       {"health_port", host.health_port()},
       {"metrics_port", host.metrics_port()}});
}

absl::Status StopService(std::string_view service, ServerHost& host,
                         const std::vector<std::unique_ptr<outbox::Hop>>& hops,
                         store::Store& store, absl::Duration grace) {
  absl::Status status = host.Shutdown(grace);
  for (const auto& hop : hops) hop->relay().Stop();
  for (const auto& hop : hops) hop->Flush(kRelayFlushBudget);
  // In-flight calls are done or cancelled; finish their queued writes.
  store.Close();
  Log(Level::kInfo, "server.stopped", {{"service", service}});
  return status;
}

absl::Status WithContext(const absl::Status& status, std::string_view step) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(absl::string_view(step.data(), step.size()),
                                   ": ", status.message()));
}

}  // namespace frontdoor::server
