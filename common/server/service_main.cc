#include "common/server/service_main.h"

#include <utility>

#include "common/audit/audit.h"
#include "common/outbox/outbox.h"

namespace frontdoor::server {

void RequireServerSettings(const config::v1::ServerConfig& server,
                           const config::v1::StoreConfig& store,
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
  required.Require(!store.sqlite_path().empty(), "store.sqlite_path");
}

absl::StatusOr<std::unique_ptr<store::Store>> OpenServiceStore(
    const config::v1::StoreConfig& config,
    std::vector<store::Migration> migrations) {
  for (auto* extra : {&outbox::Migrations, &audit::Migrations}) {
    for (store::Migration& m : (*extra)()) migrations.push_back(std::move(m));
  }
  store::SqliteOptions options;
  options.path = config.sqlite_path();
  absl::StatusOr<std::unique_ptr<store::Store>> store =
      store::OpenSqliteStore(options, migrations);
  if (!store.ok()) {
    return WithContext(store.status(),
                       absl::StrCat("opening the store ", options.path));
  }
  return store;
}

absl::Status WithContext(const absl::Status& status, std::string_view step) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(absl::string_view(step.data(), step.size()),
                                   ": ", status.message()));
}

}  // namespace frontdoor::server
