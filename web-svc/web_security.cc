#include "web-svc/web_security.h"

#include <algorithm>
#include <cmath>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace frontdoor::web {

std::string CookieValue(std::string_view header, std::string_view name) {
  const absl::string_view cookie_name(name.data(), name.size());
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(header.data(), header.size()), ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, cookie_name) &&
        absl::ConsumePrefix(&part, "=")) {
      return std::string(part);
    }
  }
  return "";
}

std::string NewToken() {
  unsigned char bytes[kTokenBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

bool IsWellFormedToken(std::string_view token) {
  if (token.size() != 2 * kTokenBytes) return false;
  return std::all_of(token.begin(), token.end(), [](char c) {
    return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
  });
}

std::string CsrfTokens::TokenFor(std::string_view cookie_value) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(cookie_value.data()),
       cookie_value.size(), mac, &len);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(mac), len));
}

bool CsrfTokens::Check(std::string_view cookie_value,
                       std::string_view token) const {
  if (!IsWellFormedToken(cookie_value)) return false;
  const std::string expected = TokenFor(cookie_value);
  return token.size() == expected.size() &&
         CRYPTO_memcmp(token.data(), expected.data(), expected.size()) == 0;
}

void ClientRateLimiter::Refill(Bucket& b, absl::Time now) const {
  if (now > b.refilled) {
    b.tokens = std::min<double>(
        burst_, b.tokens + absl::ToDoubleSeconds(now - b.refilled) * per_second_);
    b.refilled = now;
  }
}

bool ClientRateLimiter::TryAcquire(const std::string& client,
                                   absl::Duration* retry_after) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxTrackedClients) {
      absl::erase_if(buckets_, [&](auto& entry) {
        Refill(entry.second, now);
        return entry.second.tokens >= burst_;
      });
      if (buckets_.size() >= kMaxTrackedClients) buckets_.clear();
    }
    it = buckets_.emplace(client, Bucket{static_cast<double>(burst_), now})
             .first;
  }
  Bucket& b = it->second;
  Refill(b, now);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  if (retry_after != nullptr) {
    *retry_after = absl::Seconds((1 - b.tokens) / per_second_);
  }
  return false;
}

size_t ClientRateLimiter::tracked() const {
  absl::MutexLock lock(&mu_);
  return buckets_.size();
}

}  // namespace frontdoor::web
