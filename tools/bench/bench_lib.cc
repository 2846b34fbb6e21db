#include "tools/bench/bench_lib.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/config/config.h"
#include "tools/frontdoorctl/frontdoorctl.h"

namespace frontdoor::bench {
namespace {

// Letters (a-z) naming `index` in kNameSuffixLetters places: distinct for
// every index below 26^kNameSuffixLetters.
constexpr int kNameSuffixLetters = 6;
std::string LetterSuffix(std::int64_t index) {
  std::string suffix(kNameSuffixLetters, 'a');
  for (int i = kNameSuffixLetters - 1; i >= 0 && index > 0; --i, index /= 26) {
    suffix[i] = static_cast<char>('a' + index % 26);
  }
  return suffix;
}

}  // namespace

absl::StatusOr<intake::v1::SubmitReferralRequest> ReadSubmitPayload(
    const std::string& path) {
  absl::StatusOr<std::string> payload = config::ReadFileToString(path);
  if (!payload.ok()) return payload.status();
  return ctl::ParseSubmitRequestJson(*payload);
}

void NamePeople(std::int64_t index, intake::v1::SubmitReferralRequest& request) {
  common::v1::Referral& referral = *request.mutable_referral();
  const std::string suffix = LetterSuffix(index);
  if (referral.has_subject()) {
    auto* name = referral.mutable_subject()->mutable_name();
    name->set_family_name(absl::StrCat(name->family_name(), suffix));
  }
  if (referral.has_other_party()) {
    auto* name = referral.mutable_other_party()->mutable_name();
    name->set_family_name(absl::StrCat(name->family_name(), suffix));
  }
}


config::v1::TlsFiles TlsFilesOf(const std::string& ca_file,
                               const std::string& cert_file,
                               const std::string& key_file) {
  config::v1::TlsFiles files;
  files.set_ca_file(ca_file);
  files.set_cert_file(cert_file);
  files.set_key_file(key_file);
  return files;
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least q of the values at or
  // below it.
  double rank = std::ceil(q * static_cast<double>(sorted.size()));
  std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

std::vector<std::optional<double>> DecileRates(
    const std::vector<double>& sorted_arrivals_s, std::int64_t expected) {
  constexpr int kTenths = 10;
  std::vector<std::optional<double>> rates;
  std::int64_t previous_end = 0;
  double previous_time = 0;
  for (int k = 1; k <= kTenths; ++k) {
    // ceil(k * expected / 10) in integers.
    const std::int64_t end = (k * expected + kTenths - 1) / kTenths;
    if (end > static_cast<std::int64_t>(sorted_arrivals_s.size())) {
      rates.push_back(std::nullopt);
      continue;
    }
    const std::int64_t count = end - previous_end;
    const double time = count > 0 ? sorted_arrivals_s[end - 1] : previous_time;
    if (count > 0 && time > previous_time) {
      rates.push_back(static_cast<double>(count) / (time - previous_time));
    } else {
      rates.push_back(std::nullopt);
    }
    previous_end = end;
    previous_time = time;
  }
  return rates;
}

std::int64_t TotalErrors(const Result& result) {
  std::int64_t total = 0;
  for (const auto& [code, count] : result.errors_by_code) total += count;
  return total;
}

std::string RenderResultJson(Result& result) {
  std::vector<double>& v = result.latencies_ms;
  std::sort(v.begin(), v.end());
  const double requests = static_cast<double>(v.size());
  const double mean =
      v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / requests;
  const double rps = result.duration_s > 0 ? requests / result.duration_s : 0;
  std::string errors = "{";
  for (const auto& [code, count] : result.errors_by_code) {
    if (errors.size() > 1) errors.push_back(',');
    // Code names are [A-Z_]: nothing to escape.
    absl::StrAppend(&errors, "\"", code, "\":", count);
  }
  errors.push_back('}');
  return absl::StrFormat(
      "{\"method\":\"%s\",\"concurrency\":%d,\"channels\":%d,"
      "\"duration_s\":%.3f,\"request_bytes\":%d,\"requests\":%d,"
      "\"errors\":%d,\"errors_by_code\":%s,\"rps\":%.1f,\"mean_ms\":%.3f,"
      "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}",
      result.method, result.concurrency, result.channels, result.duration_s,
      result.request_bytes, static_cast<std::int64_t>(v.size()),
      TotalErrors(result), errors, rps, mean, Percentile(v, 0.50),
      Percentile(v, 0.90), Percentile(v, 0.99), v.empty() ? 0 : v.back());
}

std::string StatusCodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {
      "OK",           "CANCELLED",          "UNKNOWN",
      "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION", "ABORTED",     "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",          "UNAVAILABLE",
      "DATA_LOSS",    "UNAUTHENTICATED"};
  int index = static_cast<int>(code);
  if (index < 0 || index >= static_cast<int>(std::size(kNames))) {
    return absl::StrCat("CODE_", index);
  }
  return kNames[index];
}

}  // namespace frontdoor::bench
