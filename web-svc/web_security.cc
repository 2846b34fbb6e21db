#include "web-svc/web_security.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
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

namespace {

struct ParsedAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
};

// A textual IPv4 or IPv6 address (inet_pton); an IPv4-mapped IPv6 address
// becomes IPv4.
std::optional<ParsedAddress> ParseAddress(std::string_view text) {
  const std::string s(text);
  ParsedAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0,
                                                     0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), a.bytes.begin())) {
    std::copy(a.bytes.begin() + 12, a.bytes.end(), a.bytes.begin());
    std::fill(a.bytes.begin() + 4, a.bytes.end(), 0);
    return a;
  }
  a.v6 = true;
  return a;
}

// True when the first `prefix` bits of a and b agree.
bool PrefixMatches(const std::array<uint8_t, 16>& a,
                   const std::array<uint8_t, 16>& b, int prefix) {
  const int whole = prefix / 8, rest = prefix % 8;
  if (!std::equal(a.begin(), a.begin() + whole, b.begin())) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

bool TrustedProxies::IsValidEntry(std::string_view entry) {
  return Parse({std::string(entry)}).ok();
}

absl::StatusOr<TrustedProxies> TrustedProxies::Parse(
    const std::vector<std::string>& entries) {
  TrustedProxies out;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string& entry = entries[i];
    const size_t slash = entry.find('/');
    const std::optional<ParsedAddress> address =
        ParseAddress(std::string_view(entry).substr(0, slash));
    const int max_prefix = address && address->v6 ? 128 : 32;
    int prefix = max_prefix;
    bool ok = address.has_value();
    if (ok && slash != std::string::npos) {
      const std::string bits = entry.substr(slash + 1);
      ok = !bits.empty() && std::all_of(bits.begin(), bits.end(), absl::ascii_isdigit) &&
           absl::SimpleAtoi(bits, &prefix) && prefix <= max_prefix;
    }
    // Host bits set: "10.1.0.0/8" is more likely a typo than a network.
    if (ok) {
      std::array<uint8_t, 16> zero{};
      std::array<uint8_t, 16> host = address->bytes;
      for (int bit = 0; bit < prefix; ++bit) host[bit / 8] &= ~(0x80 >> (bit % 8));
      ok = std::equal(host.begin(), host.end(), zero.begin());
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "trusted_proxies[", i, "] \"", entry,
          "\": not an IP address or a network such as 10.244.0.0/16"));
    }
    out.networks_.push_back({address->v6, address->bytes, prefix});
  }
  return out;
}

bool TrustedProxies::Contains(std::string_view address) const {
  const std::optional<ParsedAddress> a = ParseAddress(address);
  if (!a) return false;
  return std::any_of(networks_.begin(), networks_.end(), [&](const Network& n) {
    return n.v6 == a->v6 && PrefixMatches(n.bytes, a->bytes, n.prefix);
  });
}

}  // namespace frontdoor::web
