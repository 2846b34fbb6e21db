#pragma once

// The abuse and safety guards of web-svc's forms: CSRF tokens, form tokens
// (idempotency keys), a token bucket per client address and the proxies
// whose X-Forwarded-For names the client. Pure and thread-safe; time comes
// from an injected Clock.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"

namespace frontdoor::web {

// Name of the session cookie holding the CSRF secret's per-browser value.
// "__Host-" makes browsers require Secure, Path=/ and no Domain.
inline constexpr char kCsrfCookie[] = "__Host-frontdoor-csrf";
// Form field holding the CSRF token.
inline constexpr char kCsrfField[] = "csrf-token";
// Form field holding the form token (the submission's idempotency key).
inline constexpr char kFormTokenField[] = "form-token";
// Bytes of randomness in a cookie value or a form token.
inline constexpr size_t kTokenBytes = 16;
// Bytes a CSRF secret file must hold at least.
inline constexpr size_t kMinCsrfSecretBytes = 32;

// A fresh random token: 2 * kTokenBytes lower-case hex digits.
std::string NewToken();

// True when `token` has NewToken()'s shape.
bool IsWellFormedToken(std::string_view token);

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string CookieValue(std::string_view header, std::string_view name);

// Signed double-submit CSRF tokens: the browser holds a random value in a
// SameSite=Strict, HttpOnly session cookie; each form carries
// HMAC-SHA-256(secret, value). A post is accepted only when the form's
// token is the cookie value's MAC (compared in constant time).
class CsrfTokens {
 public:
  explicit CsrfTokens(std::string secret) : secret_(std::move(secret)) {}
  std::string TokenFor(std::string_view cookie_value) const;
  bool Check(std::string_view cookie_value, std::string_view token) const;

 private:
  const std::string secret_;
};

// One token bucket per client address: `burst` posts at once, refilled at
// `per_second`. At most kMaxTrackedClients addresses are held: past that,
// the buckets that have refilled are forgotten (they would be full anyway),
// and if none has, all are.
class ClientRateLimiter {
 public:
  static constexpr size_t kMaxTrackedClients = 100'000;

  ClientRateLimiter(double per_second, int burst, const Clock& clock)
      : per_second_(per_second), burst_(burst), clock_(clock) {}

  // Takes a token for `client`: true, or false (nothing taken) when its
  // bucket is empty; `retry_after` then holds the time until a token.
  bool TryAcquire(const std::string& client, absl::Duration* retry_after)
      ABSL_LOCKS_EXCLUDED(mu_);

  size_t tracked() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time refilled;
  };
  void Refill(Bucket& b, absl::Time now) const;

  const double per_second_;
  const int burst_;
  const Clock& clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

// The proxies (an ingress controller) trusted to name the client in
// X-Forwarded-For: IPv4 or IPv6 addresses ("10.1.2.3") and networks in CIDR
// notation ("10.244.0.0/16", "fd00::/8"), so that proxies whose addresses
// change (Kubernetes pods) can be trusted by their network. A network's
// host bits must be zero ("10.1.0.0/8" is refused as a likely typo). An
// IPv4-mapped IPv6 peer ("::ffff:10.1.2.3") is matched as IPv4.
class TrustedProxies {
 public:
  TrustedProxies() = default;

  // True when `entry` is an address or a network as described above.
  static bool IsValidEntry(std::string_view entry);
  // Every entry parsed; INVALID_ARGUMENT naming the first one that is not
  // an address or a network.
  static absl::StatusOr<TrustedProxies> Parse(
      const std::vector<std::string>& entries);

  // True when `address` (a peer's textual IP address) is one of the
  // addresses or in one of the networks; false for anything unparseable.
  bool Contains(std::string_view address) const;
  bool empty() const { return networks_.empty(); }

 private:
  struct Network {
    bool v6 = false;
    std::array<uint8_t, 16> bytes{};  // network address, IPv4 in the first 4
    int prefix = 0;                   // leading bits that must match
  };
  std::vector<Network> networks_;
};

}  // namespace frontdoor::web
