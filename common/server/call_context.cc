#include "common/server/call_context.h"

#include <optional>
#include <string_view>

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

std::optional<Caller> AuthenticateOrFinish(grpc::CallbackServerContext& context,
                                           const tls::AgencyRegistry& registry,
                                           grpc::ServerUnaryReactor* reactor) {
  absl::StatusOr<Caller> caller = tls::AuthenticateCaller(context, registry);
  if (caller.ok()) return *std::move(caller);
  Log(Level::kWarning, "call.refused",
      {{"code", absl::StatusCodeToString(caller.status().code())}});
  reactor->Finish(ToGrpcStatus(caller.status()));
  return std::nullopt;
}

}  // namespace frontdoor::server
