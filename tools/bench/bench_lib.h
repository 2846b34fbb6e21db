#pragma once

// Pieces of frontdoor-bench and frontdoor-echo-server that need no server.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "frontdoor/config/v1/config.pb.h"
#include "grpcpp/grpcpp.h"

namespace frontdoor::bench {

// Largest message either side accepts. Matches gRPC's default receive limit,
// which intake-svc keeps; the echo baseline must not get a larger one.
inline constexpr int kMaxMessageBytes = 4 * 1024 * 1024;

// The --ca, --cert and --key files as the suite's TLS settings, for
// common/tls's credentials (tls::MakeChannelCredentials for the load, and
// tls::MakeServerCredentials for the echo baseline, as the services' own).
// Files are read with common/config's reader (config::ReadFileToString).
config::v1::TlsFiles TlsFilesOf(const std::string& ca_file,
                               const std::string& cert_file,
                               const std::string& key_file);

// The nearest-rank percentile (q in [0, 1]) of `sorted`, ascending; 0 when
// empty.
double Percentile(const std::vector<double>& sorted, double q);

// What one load run measured.
struct Result {
  std::string method;
  int concurrency = 0;
  int channels = 0;
  double duration_s = 0;   // Length of the measured window.
  std::int64_t request_bytes = 0;
  // Successful calls completed inside the measured window, with latencies.
  std::vector<double> latencies_ms;
  // Failed calls over the whole run (warm-up included), by code name.
  std::map<std::string, std::int64_t> errors_by_code;
};

// One line of JSON:
// {"method":..,"concurrency":..,"channels":..,"duration_s":..,
//  "request_bytes":..,"requests":..,"errors":..,"errors_by_code":{..},
//  "rps":..,"mean_ms":..,"p50_ms":..,"p90_ms":..,"p99_ms":..,"max_ms":..}
// Sorts result.latencies_ms.
std::string RenderResultJson(Result& result);

std::int64_t TotalErrors(const Result& result);

// "UNAVAILABLE" etc.
std::string StatusCodeName(grpc::StatusCode code);

}  // namespace frontdoor::bench
