#include "common/server/call_context.h"

#include <optional>
#include <string_view>

#include "common/logging/traceparent.h"

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

}  // namespace frontdoor::server
