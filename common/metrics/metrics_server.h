#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/metrics/process_collector.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"

namespace frontdoor::metrics {

// Number of HTTP worker threads of the metrics endpoint; scrapes are rare.
inline constexpr size_t kMetricsServerThreads = 2;

// Serves GET /metrics (Prometheus text format) on its own port: the given
// registry plus the process collector. Stops serving when destroyed.
class MetricsServer {
 public:
  // Binds `address` ("0.0.0.0:9464"; port 0 picks a free port). Errors name
  // the address. `extra` collectables are served beside the registry.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      std::string_view address, std::shared_ptr<prometheus::Registry> registry,
      std::vector<std::shared_ptr<prometheus::Collectable>> extra = {});

  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  ~MetricsServer();

  // The bound port (the chosen one when started with port 0).
  int port() const { return port_; }

 private:
  MetricsServer() = default;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<ProcessCollector> process_collector_;
  std::vector<std::shared_ptr<prometheus::Collectable>> extra_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace frontdoor::metrics
