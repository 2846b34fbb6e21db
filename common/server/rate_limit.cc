#include "common/server/rate_limit.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace frontdoor::server {
namespace {

constexpr char kRefusedMessage[] =
    "this agency's call rate is over its limit; retry after the delay given";

// `spec` with its absent (zero) fields taken from `fallback`, checked.
BucketSpec Resolve(const config::v1::TokenBucket& spec,
                   const BucketSpec& fallback, const std::string& field,
                   std::vector<FieldViolation>& violations) {
  BucketSpec out = fallback;
  if (!std::isfinite(spec.per_second()) || spec.per_second() < 0) {
    violations.push_back({absl::StrCat(field, ".per_second"),
                          "must be a positive number of calls a second"});
  } else if (spec.per_second() > 0) {
    out.per_second = spec.per_second();
  }
  if (spec.burst() < 0) {
    violations.push_back(
        {absl::StrCat(field, ".burst"), "must be at least 1 call"});
  } else if (spec.burst() > 0) {
    out.burst = spec.burst();
  }
  return out;
}

}  // namespace

absl::Status RateLimitsNotValid(const std::vector<FieldViolation>& violations) {
  std::string message = "rate limits are not valid:";
  for (const FieldViolation& v : violations) {
    absl::StrAppend(&message, message.back() == ':' ? " " : "; ", v.field, ": ",
                    v.description);
  }
  return InvalidArgumentWithViolations(message, violations);
}

absl::string_view CallKindName(CallKind kind) {
  return kind == CallKind::kWrite ? "write" : "read";
}

const AgencyLimits& RateLimitPolicy::For(absl::string_view agency_id) const {
  auto it = agencies.find(agency_id);
  return it == agencies.end() ? defaults : it->second;
}

absl::StatusOr<RateLimitPolicy> RateLimitPolicyFromConfig(
    const config::v1::RateLimits& config, absl::string_view field) {
  std::vector<FieldViolation> violations;
  RateLimitPolicy policy;
  policy.defaults.writes = Resolve(config.writes(), kDefaultWriteBucket,
                                   absl::StrCat(field, ".writes"), violations);
  policy.defaults.reads = Resolve(config.reads(), kDefaultReadBucket,
                                  absl::StrCat(field, ".reads"), violations);
  for (int i = 0; i < config.agencies_size(); ++i) {
    const config::v1::AgencyRateLimit& agency = config.agencies(i);
    const std::string at = absl::StrCat(field, ".agencies[", i, "]");
    if (agency.agency_id().empty()) {
      violations.push_back({absl::StrCat(at, ".agency_id"), "required"});
      continue;
    }
    if (policy.agencies.contains(agency.agency_id())) {
      violations.push_back({absl::StrCat(at, ".agency_id"),
                            "this agency already has limits above"});
      continue;
    }
    AgencyLimits limits;
    limits.writes = Resolve(agency.writes(), policy.defaults.writes,
                            absl::StrCat(at, ".writes"), violations);
    limits.reads = Resolve(agency.reads(), policy.defaults.reads,
                           absl::StrCat(at, ".reads"), violations);
    policy.agencies.emplace(agency.agency_id(), limits);
  }
  if (!violations.empty()) {
    return RateLimitsNotValid(violations);
  }
  return policy;
}

absl::Status AgencyRateLimiter::TryAcquire(absl::string_view agency_id,
                                           CallKind kind) {
  const AgencyLimits& limits = policy_.For(agency_id);
  const BucketSpec& spec =
      kind == CallKind::kWrite ? limits.writes : limits.reads;
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto [it, created] = buckets_.try_emplace(agency_id);
  Bucket& bucket = it->second[kind == CallKind::kWrite ? 1 : 0];
  if (created) {
    // Both buckets of a new agency start full.
    for (Bucket& b : it->second) b.refilled = now;
    it->second[0].tokens = limits.reads.burst;
    it->second[1].tokens = limits.writes.burst;
  }
  if (now > bucket.refilled) {
    bucket.tokens = std::min<double>(
        spec.burst,
        bucket.tokens +
            absl::ToDoubleSeconds(now - bucket.refilled) * spec.per_second);
    bucket.refilled = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::OkStatus();
  }
  return ResourceExhaustedRetryAfter(
      kRefusedMessage, absl::Seconds((1 - bucket.tokens) / spec.per_second));
}

}  // namespace frontdoor::server
