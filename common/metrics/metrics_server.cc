#include "common/metrics/metrics_server.h"

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace frontdoor::metrics {

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    std::string_view address, std::shared_ptr<prometheus::Registry> registry,
    std::vector<std::shared_ptr<prometheus::Collectable>> extra) {
  const std::string bind_address(address);
  if (registry == nullptr) {
    return absl::InvalidArgumentError("metrics server: no registry");
  }
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->registry_ = std::move(registry);
  server->process_collector_ = std::make_shared<ProcessCollector>();
  try {
    // civetweb's listening_ports syntax is "host:port" or "port"; prometheus
    // Exposer throws when it cannot bind.
    server->exposer_ = std::make_unique<prometheus::Exposer>(
        bind_address, kMetricsServerThreads);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "metrics server: cannot listen on ", bind_address, ": ", e.what()));
  }
  const std::vector<int> ports = server->exposer_->GetListeningPorts();
  if (ports.empty() || ports.front() <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "metrics server: no listening port for ", bind_address));
  }
  server->port_ = ports.front();
  server->exposer_->RegisterCollectable(server->registry_);
  server->exposer_->RegisterCollectable(server->process_collector_);
  server->extra_ = std::move(extra);
  for (const auto& collectable : server->extra_) {
    server->exposer_->RegisterCollectable(collectable);
  }
  return server;
}

MetricsServer::~MetricsServer() {
  // Stop the HTTP threads before the collectables they read go away.
  exposer_.reset();
}

}  // namespace frontdoor::metrics
