#pragma once

// Pieces of frontdoor-bench and frontdoor-echo-server that need no server.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "frontdoor/config/v1/config.pb.h"
#include "frontdoor/intake/v1/intake.pb.h"
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


// The --payload file: a referral or a whole SubmitReferralRequest as JSON,
// read and parsed as frontdoorctl submit does.
absl::StatusOr<intake::v1::SubmitReferralRequest> ReadSubmitPayload(
    const std::string& path);

// Gives the subject and the other party of `request` family names of their
// own for referral `index` (a suffix of letters, distinct for every index
// below 26^6), so that no one's history grows with a run: the benches
// measure the pipeline, not one person's thousands of referrals.
void NamePeople(std::int64_t index, intake::v1::SubmitReferralRequest& request);

// The nearest-rank percentile (q in [0, 1]) of `sorted`, ascending; 0 when
// empty.
double Percentile(const std::vector<double>& sorted, double q);

// The rate (per second) at which each tenth of `expected` events arrived,
// in order of arrival. `sorted_arrivals_s` holds the arrival times in
// seconds after time zero, ascending. Tenth k (1..10) ends with event
// ceil(k * expected / 10) and starts where tenth k - 1 ended (the first at
// time zero). nullopt for a tenth whose last event did not arrive, that
// holds no event (expected < 10) or that took no time.
std::vector<std::optional<double>> DecileRates(
    const std::vector<double>& sorted_arrivals_s, std::int64_t expected);

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
