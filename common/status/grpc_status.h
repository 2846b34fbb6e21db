#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace frontdoor {

// The one converter from domain status to wire status, used at every service
// edge. The code is kept; field violations travel as google.rpc.BadRequest in
// a google.rpc.Status (grpc-status-details-bin). INTERNAL and UNKNOWN never
// carry the internal message: the caller sees a generic text and the detail
// stays in the server's log.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for clients of frontdoor services (tools, service-to-service
// calls): keeps the code, message and field violations.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace frontdoor
