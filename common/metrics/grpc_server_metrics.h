#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace frontdoor::metrics {

// Upper bounds (seconds) of grpc_server_handling_seconds, as
// go-grpc-prometheus (prometheus.DefBuckets).
inline const prometheus::Histogram::BucketBoundaries& HandlingSecondsBuckets() {
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *kBuckets;
}

// Most distinct methods given their own label values; calls to further
// methods are counted under grpc_service="unknown", grpc_method="unknown", so
// a client probing method names cannot grow the metric set without bound.
inline constexpr size_t kMaxTrackedMethods = 512;

// Server interceptor factory recording, for every call of every method, the
// go-grpc-prometheus server metrics:
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type}
// grpc_type is "unary", "client_stream", "server_stream" or "bidi_stream";
// grpc_code the canonical code name ("OK", "INVALID_ARGUMENT"). A call counts
// as started when gRPC creates its interceptors and as handled when the server
// sends its status; a call that ends without sending one (cancelled by the
// client, deadline, shutdown) is counted as handled with "CANCELLED".
// Handling time runs from start to the status.
//
// Hot path: label lookups are cached per method; after a method's first call,
// recording takes a shared (reader) lock on the cache and atomic loads only.
// The factory may be used by several servers; they then share the series.
class ServerMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // Registers the three families in `registry` (kept alive by the factory).
  explicit ServerMetricsInterceptorFactory(
      std::shared_ptr<prometheus::Registry> registry);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

  // Series of one (method, type); stable address for the factory's lifetime.
  class MethodMetrics {
   public:
    MethodMetrics(prometheus::Family<prometheus::Counter>& started,
                  prometheus::Family<prometheus::Counter>& handled,
                  prometheus::Family<prometheus::Histogram>& handling,
                  prometheus::Labels labels);

    void Started() { started_.Increment(); }
    void Handled(grpc::StatusCode code, double seconds);

   private:
    // Number of canonical status codes (OK = 0 .. UNAUTHENTICATED = 16).
    static constexpr int kNumCodes = 17;

    prometheus::Counter& HandledCounter(int code);

    prometheus::Family<prometheus::Counter>& handled_family_;
    const prometheus::Labels labels_;
    prometheus::Counter& started_;
    prometheus::Histogram& handling_;
    // Created on first use so only codes that occur are exported.
    std::array<std::atomic<prometheus::Counter*>, kNumCodes> handled_{};
    absl::Mutex add_mu_;
  };

 private:
  MethodMetrics& ForMethod(const char* method,
                           grpc::experimental::ServerRpcInfo::Type type);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_;

  absl::Mutex mu_;
  // Key: type digit + full method name ("0/pkg.Service/Method").
  absl::flat_hash_map<std::string, std::unique_ptr<MethodMetrics>> methods_
      ABSL_GUARDED_BY(mu_);
  // Shared series of calls beyond kMaxTrackedMethods, indexed by
  // ServerRpcInfo::Type.
  std::array<std::unique_ptr<MethodMetrics>, 4> untracked_ ABSL_GUARDED_BY(mu_);
};

}  // namespace frontdoor::metrics
