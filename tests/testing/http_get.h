#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace frontdoor::testing {

struct HttpResponse {
  int status_code = 0;
  std::string body;
};

// A minimal blocking HTTP/1.0 GET to 127.0.0.1:`port``path` over a raw
// socket, for scraping the metrics endpoint in tests (no extra dependency).
// Reads until the server closes the connection; fails after a 10 s timeout.
absl::StatusOr<HttpResponse> HttpGet(int port, std::string_view path);

// The value of the Prometheus text-format sample whose name-and-labels part is
// exactly `series` (for example
// `grpc_server_handled_total{grpc_code="OK",...}` with labels in the order
// the exposition writes them) or, if `series` has no '{', the first sample of
// that name. nullopt if absent.
std::optional<double> FindSample(std::string_view exposition,
                                 std::string_view series);

}  // namespace frontdoor::testing
