#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace frontdoor {

// The suite's error as one line of JSON, for tools that print a failed
// call (frontdoorctl, benches) rather than send it on the wire:
//   {"code":"INVALID_ARGUMENT","message":"...","field_violations":[{"field":
//    "referral.subject.date_of_birth","description":"..."}],"trace_id":"..."}
// `code` is the canonical name of the status code, `field_violations` the
// google.rpc.BadRequest carried by `status` (GetFieldViolations, errors.h;
// [] when none), and `trace_id` is left out when empty. A gRPC status is
// turned into `status` by FromGrpcStatus (grpc_status.h), the one converter,
// so a call's error and a local one print the same shape.
std::string StatusToJson(const absl::Status& status,
                         std::string_view trace_id = {});

}  // namespace frontdoor
