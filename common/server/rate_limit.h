#pragma once

// Token-bucket limits on each agency's calls, one bucket for writes and one
// for reads per agency. Pure (no gRPC, no metrics) and thread-safe; time
// comes from an injected Clock.

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/status/errors.h"
#include "frontdoor/config/v1/config.pb.h"

namespace frontdoor::server {

// What a call does, for its bucket: a write changes state (submissions,
// assessments, consents, acks...), a read does not (gets, lists, updates).
enum class CallKind { kRead, kWrite };

// "read" or "write", as metric labels and log fields spell it.
absl::string_view CallKindName(CallKind kind);

// One bucket's shape: `burst` calls at once, refilled at `per_second`.
struct BucketSpec {
  double per_second = 0;
  int burst = 0;
};

// An agency's two buckets.
struct AgencyLimits {
  BucketSpec writes;
  BucketSpec reads;
};

// Defaults for every agency when the configuration gives none: enough for a
// partner system's bursts of referrals and status checks, far below a flood.
inline constexpr BucketSpec kDefaultWriteBucket{20, 100};
inline constexpr BucketSpec kDefaultReadBucket{50, 200};

// The limits of every agency: defaults and per-agency overrides.
struct RateLimitPolicy {
  AgencyLimits defaults{kDefaultWriteBucket, kDefaultReadBucket};
  absl::flat_hash_map<std::string, AgencyLimits> agencies;

  const AgencyLimits& For(absl::string_view agency_id) const;
};

// The policy a service's `server.rate_limits` setting describes; absent
// fields take the defaults (an agency's, the service's). INVALID_ARGUMENT
// with a field violation per bad setting, named from `field` (for example
// "server.rate_limits.agencies[0].writes.per_second"): negative or
// non-finite rates, negative bursts, empty or repeated agency ids.
absl::StatusOr<RateLimitPolicy> RateLimitPolicyFromConfig(
    const config::v1::RateLimits& config,
    absl::string_view field = "server.rate_limits");

// INVALID_ARGUMENT "rate limits are not valid: <field>: <description>; ..."
// carrying `violations` (not empty), so a start-up error names each setting.
absl::Status RateLimitsNotValid(const std::vector<FieldViolation>& violations);

// Buckets per (agency, kind), created full on an agency's first call. Agency
// ids come from the agency registry, so the map is bounded by it.
class AgencyRateLimiter {
 public:
  AgencyRateLimiter(RateLimitPolicy policy, const Clock& clock)
      : policy_(std::move(policy)), clock_(clock) {}

  AgencyRateLimiter(const AgencyRateLimiter&) = delete;
  AgencyRateLimiter& operator=(const AgencyRateLimiter&) = delete;

  // Takes a token from the agency's bucket of `kind`: OK, or
  // RESOURCE_EXHAUSTED carrying (as google.rpc.RetryInfo, see
  // ResourceExhaustedRetryAfter) the time until a token is available. A
  // refused call takes nothing. A clock that goes back adds no tokens.
  absl::Status TryAcquire(absl::string_view agency_id, CallKind kind)
      ABSL_LOCKS_EXCLUDED(mu_);

  const RateLimitPolicy& policy() const { return policy_; }

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time refilled;
  };

  const RateLimitPolicy policy_;
  const Clock& clock_;
  absl::Mutex mu_;
  // Key: agency id; [0] reads, [1] writes.
  absl::flat_hash_map<std::string, std::array<Bucket, 2>> buckets_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace frontdoor::server
