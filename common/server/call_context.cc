#include "common/server/call_context.h"

#include <optional>
#include <string_view>
#include <utility>

#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/status/grpc_status.h"
#include "common/tls/authenticate.h"

namespace frontdoor::server {

std::string TraceIdOf(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(std::string(kTraceparentHeader));
  if (it != metadata.end()) {
    std::optional<TraceContext> parsed = ParseTraceparent(
        std::string_view(it->second.data(), it->second.size()));
    if (parsed.has_value()) return parsed->trace_id;
  }
  return NewTrace().trace_id;
}

EdgeLimits::EdgeLimits(std::string service, RateLimitPolicy policy,
                       const Clock& clock, prometheus::Registry& metrics)
    : service_(std::move(service)),
      limiter_(std::move(policy), clock),
      refused_(prometheus::BuildCounter()
                   .Name("frontdoor_rate_limited_total")
                   .Help("Calls refused RESOURCE_EXHAUSTED because the "
                         "calling agency was over its rate limit, by "
                         "service, kind (read or write) and agency id.")
                   .Register(metrics)) {}

absl::Status EdgeLimits::Admit(const Caller& caller, CallKind kind) {
  if (caller.HasRole(config::v1::ROLE_SERVICE)) return absl::OkStatus();
  absl::Status admitted = limiter_.TryAcquire(caller.agency_id, kind);
  if (admitted.ok()) return admitted;
  refused_
      .Add({{"service", service_},
            {"kind", std::string(CallKindName(kind))},
            {"agency", caller.agency_id}})
      .Increment();
  Log(Level::kWarning, "call.rate_limited",
      {{"service", service_},
       {"kind", std::string(CallKindName(kind))},
       {"agency", caller.agency_id}});
  return admitted;
}

std::optional<Caller> AuthenticateOrFinish(grpc::CallbackServerContext& context,
                                           tls::ReloadingAgencyRegistry& registry,
                                           grpc::ServerUnaryReactor* reactor) {
  absl::StatusOr<Caller> caller = tls::AuthenticateCaller(context, registry);
  if (caller.ok()) return *std::move(caller);
  Log(Level::kWarning, "call.refused",
      {{"code", absl::StatusCodeToString(caller.status().code())}});
  reactor->Finish(ToGrpcStatus(caller.status()));
  return std::nullopt;
}

}  // namespace frontdoor::server
