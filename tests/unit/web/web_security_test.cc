#include "web-svc/web_security.h"

#include <gtest/gtest.h>

#include "common/clock/clock.h"

namespace frontdoor::web {
namespace {

TEST(TokenTest, NewTokensAreRandomHexOfOneShape) {
  const std::string a = NewToken(), b = NewToken();
  EXPECT_NE(a, b);
  EXPECT_TRUE(IsWellFormedToken(a));
  EXPECT_EQ(a.size(), 2 * kTokenBytes);
  EXPECT_FALSE(IsWellFormedToken(""));
  EXPECT_FALSE(IsWellFormedToken(a.substr(1)));
  EXPECT_FALSE(IsWellFormedToken(std::string(2 * kTokenBytes, 'G')));
}

TEST(CsrfTest, OnlyTheCookiesOwnTokenPasses) {
  const CsrfTokens csrf(std::string(32, 's'));
  const std::string cookie = NewToken();
  const std::string token = csrf.TokenFor(cookie);
  EXPECT_TRUE(csrf.Check(cookie, token));
  // Another browser's cookie, no cookie, a tampered token, another secret.
  EXPECT_FALSE(csrf.Check(NewToken(), token));
  EXPECT_FALSE(csrf.Check("", token));
  std::string tampered = token;
  tampered[0] = tampered[0] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(csrf.Check(cookie, tampered));
  EXPECT_FALSE(csrf.Check(cookie, ""));
  EXPECT_FALSE(CsrfTokens(std::string(32, 't')).Check(cookie, token));
}

TEST(ClientRateLimiterTest, AFloodFromOneAddressLeavesAnotherAlone) {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  ClientRateLimiter limiter(/*per_second=*/1, /*burst=*/3, clock);
  absl::Duration retry;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.TryAcquire("192.0.2.1", &retry));
  EXPECT_FALSE(limiter.TryAcquire("192.0.2.1", &retry));
  EXPECT_EQ(retry, absl::Seconds(1));
  EXPECT_TRUE(limiter.TryAcquire("192.0.2.2", &retry));
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(limiter.TryAcquire("192.0.2.1", &retry));
  EXPECT_FALSE(limiter.TryAcquire("192.0.2.1", &retry));
}

TEST(ClientRateLimiterTest, RefilledBucketsAreForgottenWhenFull) {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  ClientRateLimiter limiter(1, 1, clock);
  absl::Duration retry;
  const size_t n = ClientRateLimiter::kMaxTrackedClients;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(limiter.TryAcquire(std::to_string(i), &retry));
  }
  EXPECT_EQ(limiter.tracked(), n);
  clock.Advance(absl::Seconds(2));
  EXPECT_TRUE(limiter.TryAcquire("new", &retry));
  EXPECT_EQ(limiter.tracked(), 1u);
}

TEST(TrustedProxiesTest, AnAddressMatchesItselfOnly) {
  const absl::StatusOr<TrustedProxies> p =
      TrustedProxies::Parse({"192.0.2.7", "2001:db8::1"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->Contains("192.0.2.7"));
  EXPECT_FALSE(p->Contains("192.0.2.8"));
  EXPECT_TRUE(p->Contains("2001:db8::1"));
  EXPECT_TRUE(p->Contains("2001:0db8:0:0:0:0:0:1"));
  EXPECT_FALSE(p->Contains("2001:db8::2"));
}

TEST(TrustedProxiesTest, ANetworkMatchesEveryAddressInItAndNoOther) {
  // Ingress controller pods get new addresses from the pod network.
  const absl::StatusOr<TrustedProxies> p =
      TrustedProxies::Parse({"10.244.0.0/16", "172.16.0.0/12", "fd00::/8"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->Contains("10.244.0.0"));
  EXPECT_TRUE(p->Contains("10.244.3.17"));
  EXPECT_TRUE(p->Contains("10.244.255.255"));
  EXPECT_FALSE(p->Contains("10.245.0.1"));
  EXPECT_FALSE(p->Contains("10.243.255.255"));
  // A prefix that is not a whole number of bytes: /12 is 172.16-172.31.
  EXPECT_TRUE(p->Contains("172.31.255.254"));
  EXPECT_FALSE(p->Contains("172.32.0.1"));
  EXPECT_FALSE(p->Contains("172.15.255.255"));
  EXPECT_TRUE(p->Contains("fd12:3456::1"));
  EXPECT_FALSE(p->Contains("fe80::1"));
  // An IPv4-mapped IPv6 peer is its IPv4 address.
  EXPECT_TRUE(p->Contains("::ffff:10.244.1.2"));
  EXPECT_FALSE(p->Contains("::ffff:10.245.1.2"));
  // Families never match each other; nonsense matches nothing.
  EXPECT_FALSE(p->Contains("::a0f4:0001"));
  EXPECT_FALSE(p->Contains(""));
  EXPECT_FALSE(p->Contains("10.244.1"));
  EXPECT_FALSE(p->Contains("proxy.example.org"));
}

TEST(TrustedProxiesTest, EmptyTrustsNobodyAndZeroPrefixTrustsAFamily) {
  const absl::StatusOr<TrustedProxies> none = TrustedProxies::Parse({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(none->Contains("10.0.0.1"));
  const absl::StatusOr<TrustedProxies> all = TrustedProxies::Parse({"0.0.0.0/0"});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->Contains("203.0.113.9"));
  EXPECT_FALSE(all->Contains("2001:db8::1"));
}

TEST(TrustedProxiesTest, EntriesThatAreNotAddressesOrNetworksAreRefused) {
  for (const char* bad :
       {"", "proxy.example.org", "10.0.0", "10.0.0.0/", "/8", "10.0.0.0/33",
        "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "2001:db8::/129",
        "10.1.0.0/8", "2001:db8::1/32", " 10.0.0.1", "10.0.0.0 /8"}) {
    EXPECT_FALSE(TrustedProxies::IsValidEntry(bad)) << bad;
  }
  for (const char* good : {"10.0.0.1", "10.0.0.0/8", "10.0.0.1/32", "0.0.0.0/0",
                           "2001:db8::/32", "::1", "::/0"}) {
    EXPECT_TRUE(TrustedProxies::IsValidEntry(good)) << good;
  }
  const absl::StatusOr<TrustedProxies> p =
      TrustedProxies::Parse({"10.0.0.0/8", "10.0.0.0/33"});
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("trusted_proxies[1]"), std::string::npos)
      << p.status();
}

}  // namespace
}  // namespace frontdoor::web
