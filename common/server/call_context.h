#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/logging/traceparent.h"
#include "common/status/grpc_status.h"
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

// Finishes `reactor` with `result`, moved into `response` when OK.
template <typename T>
void FinishWith(grpc::ServerUnaryReactor* reactor, absl::StatusOr<T> result,
                T* response) {
  if (result.ok()) *response = *std::move(result);
  reactor->Finish(ToGrpcStatus(result.status()));
}

// A callback that finishes `reactor` with the result it is given.
template <typename T>
std::function<void(absl::StatusOr<T>)> Finisher(
    grpc::ServerUnaryReactor* reactor, T* response) {
  return [reactor, response](absl::StatusOr<T> result) {
    FinishWith(reactor, std::move(result), response);
  };
}

// The shape of every authenticated unary method: the caller's trace made
// current, the caller authenticated (a refusal finishes the call), then
// `handle(caller, reactor)`, which finishes the reactor now or later.
template <typename Handle>
grpc::ServerUnaryReactor* HandleUnary(grpc::CallbackServerContext* context,
                                      const tls::AgencyRegistry& registry,
                                      Handle handle) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(TraceIdOf(*context));
  std::optional<Caller> caller =
      AuthenticateOrFinish(*context, registry, reactor);
  if (caller.has_value()) handle(*caller, reactor);
  return reactor;
}

}  // namespace frontdoor::server
