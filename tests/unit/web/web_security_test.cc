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

}  // namespace
}  // namespace frontdoor::web
