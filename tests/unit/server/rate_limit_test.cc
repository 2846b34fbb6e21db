#include "common/server/rate_limit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/clock/clock.h"
#include "common/status/errors.h"

namespace frontdoor::server {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::Optional;

const absl::Time kStart = absl::FromUnixSeconds(1'767'225'600);  // 2026-01-01

RateLimitPolicy Policy(BucketSpec writes, BucketSpec reads) {
  RateLimitPolicy policy;
  policy.defaults = {writes, reads};
  return policy;
}

// Takes tokens until the first refusal (at most `bound` tries); returns how
// many were granted.
int DrainBucket(AgencyRateLimiter& limiter, absl::string_view agency,
                CallKind kind, int bound = 10'000) {
  for (int i = 0; i < bound; ++i) {
    if (!limiter.TryAcquire(agency, kind).ok()) return i;
  }
  return bound;
}

TEST(RateLimitTest, BurstIsGrantedAtOnceThenRefusedWithTheDelayToOneToken) {
  FakeClock clock(kStart);
  AgencyRateLimiter limiter(Policy({4, 10}, {50, 200}), clock);
  EXPECT_EQ(DrainBucket(limiter, "a", CallKind::kWrite), 10);
  const absl::Status refused = limiter.TryAcquire("a", CallKind::kWrite);
  EXPECT_TRUE(absl::IsResourceExhausted(refused)) << refused;
  // 4 tokens a second: the next in 250 ms.
  EXPECT_THAT(GetRetryDelay(refused), Optional(absl::Milliseconds(250)));
}

TEST(RateLimitTest, RefillsAtTheRateAndNeverAboveTheBurst) {
  FakeClock clock(kStart);
  AgencyRateLimiter limiter(Policy({4, 10}, {50, 200}), clock);
  ASSERT_EQ(DrainBucket(limiter, "a", CallKind::kWrite), 10);
  clock.Advance(absl::Milliseconds(249));
  const absl::Status early = limiter.TryAcquire("a", CallKind::kWrite);
  EXPECT_TRUE(absl::IsResourceExhausted(early));
  // The wait shrinks with the time already waited (rounded up to a ms).
  EXPECT_THAT(GetRetryDelay(early), Optional(absl::Milliseconds(1)));
  clock.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(limiter.TryAcquire("a", CallKind::kWrite).ok());
  EXPECT_FALSE(limiter.TryAcquire("a", CallKind::kWrite).ok());

  clock.Advance(absl::Hours(1));
  EXPECT_EQ(DrainBucket(limiter, "a", CallKind::kWrite), 10);
}

TEST(RateLimitTest, AgenciesAndKindsHaveTheirOwnBuckets) {
  FakeClock clock(kStart);
  AgencyRateLimiter limiter(Policy({1, 3}, {1, 5}), clock);
  ASSERT_EQ(DrainBucket(limiter, "a", CallKind::kWrite), 3);
  // a's reads and b's writes are untouched by a's writes.
  EXPECT_EQ(DrainBucket(limiter, "a", CallKind::kRead), 5);
  EXPECT_EQ(DrainBucket(limiter, "b", CallKind::kWrite), 3);
  EXPECT_EQ(DrainBucket(limiter, "b", CallKind::kRead), 5);
}

TEST(RateLimitTest, ClockGoingBackAddsNoTokens) {
  FakeClock clock(kStart);
  AgencyRateLimiter limiter(Policy({1, 2}, {1, 2}), clock);
  ASSERT_EQ(DrainBucket(limiter, "a", CallKind::kWrite), 2);
  clock.Advance(-absl::Hours(1));
  EXPECT_FALSE(limiter.TryAcquire("a", CallKind::kWrite).ok());
  clock.Advance(absl::Hours(1));
  EXPECT_FALSE(limiter.TryAcquire("a", CallKind::kWrite).ok());
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(limiter.TryAcquire("a", CallKind::kWrite).ok());
}

// Many threads racing for one agency's bucket are granted exactly the burst;
// another agency's bucket is unaffected.
TEST(RateLimitTest, ConcurrentCallersShareOneBucketExactly) {
  FakeClock clock(kStart);
  AgencyRateLimiter limiter(Policy({1, 500}, {1, 500}), clock);
  constexpr int kThreads = 8;
  constexpr int kTriesEach = 200;
  std::atomic<int> granted{0};
  std::atomic<int> other_granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kTriesEach; ++i) {
        if (limiter.TryAcquire("a", CallKind::kWrite).ok()) ++granted;
        if (t == 0 && i < 100 &&
            limiter.TryAcquire("b", CallKind::kWrite).ok()) {
          ++other_granted;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(granted.load(), 500);
  EXPECT_EQ(other_granted.load(), 100);
}

TEST(RateLimitTest, PolicyFromConfigFillsDefaultsAndOverrides) {
  config::v1::RateLimits config;
  config.mutable_reads()->set_burst(30);
  auto* agency = config.add_agencies();
  agency->set_agency_id("staffs-police");
  agency->mutable_writes()->set_per_second(2.5);
  absl::StatusOr<RateLimitPolicy> policy = RateLimitPolicyFromConfig(config);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->defaults.writes.per_second, 20);
  EXPECT_EQ(policy->defaults.writes.burst, 100);
  EXPECT_EQ(policy->defaults.reads.per_second, 50);
  EXPECT_EQ(policy->defaults.reads.burst, 30);
  const AgencyLimits& police = policy->For("staffs-police");
  EXPECT_EQ(police.writes.per_second, 2.5);
  EXPECT_EQ(police.writes.burst, 100);
  EXPECT_EQ(police.reads.burst, 30);
  EXPECT_EQ(&policy->For("other"), &policy->defaults);
}

TEST(RateLimitTest, PolicyFromConfigNamesEveryBadField) {
  config::v1::RateLimits config;
  config.mutable_writes()->set_per_second(-1);
  config.add_agencies()->mutable_reads()->set_burst(-2);
  config.add_agencies()->set_agency_id("a");
  config.add_agencies()->set_agency_id("a");
  absl::StatusOr<RateLimitPolicy> policy = RateLimitPolicyFromConfig(config);
  ASSERT_TRUE(absl::IsInvalidArgument(policy.status()));
  EXPECT_THAT(GetFieldViolations(policy.status()),
              ElementsAre(Field(&FieldViolation::field,
                                "server.rate_limits.writes.per_second"),
                          Field(&FieldViolation::field,
                                "server.rate_limits.agencies[0].agency_id"),
                          Field(&FieldViolation::field,
                                "server.rate_limits.agencies[2].agency_id")));
}

}  // namespace
}  // namespace frontdoor::server
