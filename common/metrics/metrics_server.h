#pragma once

#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/metrics/process_collector.h"
#include "prometheus/collectable.h"
#include "prometheus/registry.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace frontdoor::metrics {

// Number of HTTP worker threads of the metrics endpoint; scrapes are rare.
inline constexpr size_t kMetricsServerThreads = 2;
// The Content-Type of the Prometheus text exposition format.
inline constexpr char kMetricsContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// Socket options for every cpp-httplib listener of the suite: SO_REUSEADDR
// only. cpp-httplib's default also sets SO_REUSEPORT, with which a second
// process binds a port already in use without an error and the two share
// its connections.
void ExclusivePortSocketOptions(int socket);

// Serves GET /metrics (Prometheus text format) on its own port: the given
// registry plus the process collector. Stops serving when destroyed, at
// once (cpp-httplib; prometheus-cpp's CivetWeb exposer took up to two
// seconds to stop, its listener's poll interval).
class MetricsServer {
 public:
  // Binds `address` ("0.0.0.0:9464", "[::1]:9464" or a bare port; port 0
  // picks a free port). Errors name the address. `extra` collectables are
  // served beside the registry.
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
  // Every collectable's families, in the text format.
  std::string Scrape() const;

  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace frontdoor::metrics
