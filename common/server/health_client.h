#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace frontdoor::server {

// One grpc.health.v1 Check of the whole server ("") over `channel`, as an
// orchestrator's probe asks it: true for SERVING, false for any other
// answered status; the call's error otherwise (UNAVAILABLE while nothing
// listens). For the benches and the tests that wait on a service's health
// port.
absl::StatusOr<bool> HealthServing(
    const std::shared_ptr<grpc::Channel>& channel, absl::Duration deadline);

}  // namespace frontdoor::server
