#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace frontdoor {

// The one converter from domain status to wire status, used at every service
// edge. The code is kept; field violations travel as google.rpc.BadRequest in
// a google.rpc.Status (grpc-status-details-bin). INTERNAL, UNKNOWN,
// DATA_LOSS and statuses marked WithInternalDetail (the store's errors)
// never carry their message: the caller sees a generic text (for
// UNAVAILABLE and the like, "retry later") and the message is logged as
// rpc.error_detail, with the call's trace id.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for clients of frontdoor services (tools, service-to-service
// calls): keeps the code, message and field violations.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace frontdoor
