#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/logging/traceparent.h"
#include "common/server/rate_limit.h"
#include "common/status/grpc_status.h"
#include "common/tls/agency_registry.h"
#include "common/tls/caller.h"
#include "common/tls/reloading_agency_registry.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace frontdoor::server {

// The trace id of an incoming call: from the caller's W3C "traceparent"
// metadata when it is well formed, otherwise a new one. Adapters put it in a
// ScopedTrace for the call's log lines and pass it on to outbound calls.
std::string TraceIdOf(const grpc::ServerContextBase& context);

// The authenticated caller (see tls::AuthenticateCaller), against the
// registry in force now (an agency removed from the file is refused on its
// next call, without a restart); on refusal, logs "call.refused" with the
// code (never the identity), finishes `reactor` with the refusal and returns
// nullopt.
std::optional<Caller> AuthenticateOrFinish(grpc::CallbackServerContext& context,
                                           tls::ReloadingAgencyRegistry& registry,
                                           grpc::ServerUnaryReactor* reactor);

// The per-agency rate limits of one service's partner-facing and
// staff-facing methods, checked at the edge after authentication and before
// any work. Callers with ROLE_SERVICE (the suite's own relays) always pass.
// Each refusal is counted in
//   frontdoor_rate_limited_total{service,kind,agency}
// (kind "read" or "write"; agency ids come from the registry, a bounded set)
// and logged as "call.rate_limited". Thread-safe.
class EdgeLimits {
 public:
  // Registers the counter in `metrics`.
  EdgeLimits(std::string service, RateLimitPolicy policy, const Clock& clock,
             prometheus::Registry& metrics);

  // OK, or RESOURCE_EXHAUSTED with google.rpc.RetryInfo (see
  // AgencyRateLimiter::TryAcquire).
  absl::Status Admit(const Caller& caller, CallKind kind);

 private:
  const std::string service_;
  AgencyRateLimiter limiter_;
  prometheus::Family<prometheus::Counter>& refused_;
};

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
                                      tls::ReloadingAgencyRegistry& registry,
                                      Handle handle) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(TraceIdOf(*context));
  std::optional<Caller> caller =
      AuthenticateOrFinish(*context, registry, reactor);
  if (caller.has_value()) handle(*caller, reactor);
  return reactor;
}

// As above for a method partners or staff call: after authentication, the
// caller's agency must have a token of `kind` in `limits`, else the call
// finishes RESOURCE_EXHAUSTED (with RetryInfo) before any work.
template <typename Handle>
grpc::ServerUnaryReactor* HandleUnary(grpc::CallbackServerContext* context,
                                      tls::ReloadingAgencyRegistry& registry,
                                      EdgeLimits& limits, CallKind kind,
                                      Handle handle) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(TraceIdOf(*context));
  std::optional<Caller> caller =
      AuthenticateOrFinish(*context, registry, reactor);
  if (!caller.has_value()) return reactor;
  if (absl::Status admitted = limits.Admit(*caller, kind); !admitted.ok()) {
    reactor->Finish(ToGrpcStatus(admitted));
    return reactor;
  }
  handle(*caller, reactor);
  return reactor;
}

}  // namespace frontdoor::server
