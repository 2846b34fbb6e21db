#pragma once

#include <memory>

#include "common/tls/agency_registry.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace frontdoor::server {

// Server interceptor factory counting NOT_FOUND answers by the calling
// agency, for every method of the server:
//   frontdoor_not_found_total{grpc_service,agency}
// A burst of them from one agency is how guessing references looks
// (grpc_server_handled_total has no agency label, and is left as the
// go-grpc-prometheus shape). The agency is the one registered for the peer
// certificate's URI SANs ("unregistered" when none is); agency ids come from
// the registry, a bounded set. Only NOT_FOUND answers look the agency up.
class NotFoundMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // Registers the counter in `metrics`; `agencies` must outlive the factory.
  NotFoundMetricsInterceptorFactory(
      const tls::AgencyRegistry& agencies,
      std::shared_ptr<prometheus::Registry> metrics);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

  // Counts one NOT_FOUND answer of the call `info` describes.
  void Count(grpc::experimental::ServerRpcInfo& info);

 private:
  const tls::AgencyRegistry& agencies_;
  std::shared_ptr<prometheus::Registry> metrics_;
  prometheus::Family<prometheus::Counter>& not_found_;
};

}  // namespace frontdoor::server
