#pragma once

// One service's answer to one request the console made of several
// services (the data-protection officer's DataRights calls): its message,
// or its refusal or that it did not answer. Pure.

#include <string>

#include "absl/status/statusor.h"

namespace frontdoor::web {

template <typename Response>
struct ServiceAnswer {
  std::string service;
  absl::StatusOr<Response> answer;
};

}  // namespace frontdoor::web
