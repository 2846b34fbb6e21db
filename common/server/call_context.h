#pragma once

#include <optional>
#include <string>

#include "common/tls/agency_registry.h"
#include "common/tls/caller.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"

namespace frontdoor::server {

// The trace id of an incoming call: from the caller's W3C "traceparent"
// metadata when it is well formed, otherwise a new one. Adapters put it in a
// ScopedTrace for the call's log lines and pass it on to outbound calls.
std::string TraceIdOf(const grpc::ServerContextBase& context);

// The authenticated caller (see tls::AuthenticateCaller); on refusal, logs
// "call.refused" with the code (never the identity), finishes `reactor` with
// the refusal and returns nullopt.
std::optional<Caller> AuthenticateOrFinish(grpc::CallbackServerContext& context,
                                           const tls::AgencyRegistry& registry,
                                           grpc::ServerUnaryReactor* reactor);

}  // namespace frontdoor::server
