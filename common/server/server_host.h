#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/metrics/metrics_server.h"
#include "common/server/server_options.h"
#include "common/tls/agency_registry.h"
#include "frontdoor/config/v1/config.pb.h"
#include "grpcpp/impl/codegen/service_type.h"
#include "grpcpp/server.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/collectable.h"
#include "prometheus/registry.h"

namespace frontdoor::server {

// A grpc.health.v1 service name that is SERVING for as long as the process
// runs, whatever SetServing says: for liveness probes, so that a service
// that is only unready (its database unreachable, its disk full) is not
// restarted, which would not help and could not start without its database.
inline constexpr char kLivenessService[] = "frontdoor.liveness";

// What a service hands to ServerHost::Start.
struct ServerParts {
  // Addresses and TLS files; api_address, health_address and metrics_address
  // are required (port 0 picks a free port).
  config::v1::ServerConfig config;
  // The service's gRPC services (any API flavour; callback preferred). Not
  // owned: they must outlive the ServerHost.
  std::vector<grpc::Service*> services;
  // Registry exported on the metrics port; the gRPC server metrics are
  // registered in it. Required.
  std::shared_ptr<prometheus::Registry> registry;
  // Further collectables exported on the metrics port (gauges computed at
  // scrape time, say). They must stay usable until the ServerHost is gone.
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables;
  // The registry of calling agencies, for frontdoor_not_found_total (see
  // NotFoundMetricsInterceptorFactory). Optional; not owned: it must
  // outlive the ServerHost.
  const tls::AgencyRegistry* agencies = nullptr;
  // Further interceptors of the API server, after the gRPC and NOT_FOUND
  // metrics ones (the certificate expiry's, RefusalAuditInterceptorFactory).
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  // Largest request message the API port accepts: kMaxReceiveMessageBytes
  // (a hop's message), or less for a partner-facing entry point.
  int max_receive_message_bytes = kMaxReceiveMessageBytes;
};

// The three ports every frontdoor service has:
//  - API: mTLS (client certificate from the suite's CA required), the given
//    services, grpc.health.v1, server reflection, the gRPC metrics
//    interceptor, and the limits of server_options.h;
//  - health: plaintext, serving ONLY grpc.health.v1 (for Kubernetes gRPC
//    probes, which cannot present a client certificate), mirroring the API
//    server's status;
//  - metrics: Prometheus /metrics (registry + process metrics).
// Health status is kept for "" (the whole server) and for each service name
// registered from `services`; gRPC's own services (grpc.*) are not listed.
//
// Uses grpc::EnableDefaultHealthCheckService(true), a process-wide setting:
// every grpc::Server built later in the process also gets a health service.
// Reflection is served on the API server only (linking grpc++_reflection
// would otherwise add it to every server; the health server removes it).
// Ports are bound without SO_REUSEPORT, so a port in use fails Start.
class ServerHost {
 public:
  // Starts all three servers, SERVING. An error names the failed step, e.g.
  // "binding API port 0.0.0.0:7443: ..."; anything already started is
  // stopped.
  static absl::StatusOr<std::unique_ptr<ServerHost>> Start(ServerParts parts);

  ServerHost(const ServerHost&) = delete;
  ServerHost& operator=(const ServerHost&) = delete;
  // Shuts down without a drain period if Shutdown was not called.
  ~ServerHost();

  int api_port() const { return api_port_; }
  int health_port() const { return health_port_; }
  int metrics_port() const { return metrics_port_; }

  // Sets SERVING or NOT_SERVING for "" and every service name, on both the
  // API and the plaintext health server (kLivenessService stays SERVING).
  // Ignored after Shutdown.
  void SetServing(bool serving) ABSL_LOCKS_EXCLUDED(mu_);

  // Graceful stop: NOT_SERVING on both servers, then stop accepting calls and
  // give in-flight calls until now + `drain`, after which they are cancelled;
  // returns when both gRPC servers have stopped. The metrics port keeps
  // serving until the ServerHost is destroyed, so the drain stays
  // observable. Idempotent; later calls return OK at once.
  absl::Status Shutdown(absl::Duration drain) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  ServerHost() = default;

  void SetServingLocked(bool serving) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::vector<std::string> service_names_;  // set before servers are shared
  std::unique_ptr<grpc::Server> api_server_;
  std::unique_ptr<grpc::Server> health_server_;
  std::unique_ptr<metrics::MetricsServer> metrics_server_;
  int api_port_ = 0;
  int health_port_ = 0;
  int metrics_port_ = 0;

  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace frontdoor::server
