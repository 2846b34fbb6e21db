#pragma once

#include <string>

#include "grpcpp/server_context.h"

namespace frontdoor::server {

// The trace id of an incoming call: from the caller's W3C "traceparent"
// metadata when it is well formed, otherwise a new one. Adapters put it in a
// ScopedTrace for the call's log lines and pass it on to outbound calls.
std::string TraceIdOf(const grpc::ServerContextBase& context);

}  // namespace frontdoor::server
