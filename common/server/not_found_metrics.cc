#include "common/server/not_found_metrics.h"

#include <string>
#include <string_view>
#include <utility>

#include "common/tls/authenticate.h"

namespace frontdoor::server {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

// Agency label of a peer whose certificate names no registered agency.
constexpr char kUnregistered[] = "unregistered";

class NotFoundInterceptor final : public grpc::experimental::Interceptor {
 public:
  NotFoundInterceptor(NotFoundMetricsInterceptorFactory& factory,
                      ServerRpcInfo& info)
      : factory_(factory), info_(info) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS) &&
        methods->GetSendStatus().error_code() == grpc::StatusCode::NOT_FOUND) {
      factory_.Count(info_);
    }
    methods->Proceed();
  }

 private:
  NotFoundMetricsInterceptorFactory& factory_;
  ServerRpcInfo& info_;
};

}  // namespace

NotFoundMetricsInterceptorFactory::NotFoundMetricsInterceptorFactory(
    const tls::AgencyRegistry& agencies,
    std::shared_ptr<prometheus::Registry> metrics)
    : agencies_(agencies),
      metrics_(std::move(metrics)),
      not_found_(prometheus::BuildCounter()
                     .Name("frontdoor_not_found_total")
                     .Help("Calls answered NOT_FOUND, by gRPC service and "
                           "calling agency id (bursts suggest guessing).")
                     .Register(*metrics_)) {}

grpc::experimental::Interceptor*
NotFoundMetricsInterceptorFactory::CreateServerInterceptor(
    ServerRpcInfo* info) {
  return new NotFoundInterceptor(*this, *info);
}

void NotFoundMetricsInterceptorFactory::Count(ServerRpcInfo& info) {
  std::string agency = kUnregistered;
  if (info.server_context() != nullptr &&
      info.server_context()->auth_context() != nullptr) {
    for (const std::string& uri :
         tls::PeerUriSans(*info.server_context()->auth_context())) {
      if (const config::v1::Agency* found = agencies_.FindByIdentity(uri)) {
        agency = found->id();
        break;
      }
    }
  }
  std::string_view method = info.method() == nullptr ? "" : info.method();
  // "/pkg.Service/Method" -> "pkg.Service".
  if (!method.empty() && method.front() == '/') method.remove_prefix(1);
  method = method.substr(0, method.find('/'));
  not_found_.Add({{"grpc_service", std::string(method)}, {"agency", agency}})
      .Increment();
}

}  // namespace frontdoor::server
