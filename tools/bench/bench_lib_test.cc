#include "tools/bench/bench_lib.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace frontdoor::bench {
namespace {

TEST(PercentileTest, NearestRank) {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_EQ(Percentile(v, 0.50), 50);
  EXPECT_EQ(Percentile(v, 0.99), 99);
  EXPECT_EQ(Percentile(v, 1.0), 100);
  EXPECT_EQ(Percentile(v, 0.0), 1);
  EXPECT_EQ(Percentile({7}, 0.99), 7);
  EXPECT_EQ(Percentile({}, 0.5), 0);
  EXPECT_EQ(Percentile({1, 2, 3}, 0.5), 2);
}

TEST(RenderResultJsonTest, ReportsRateAndPercentilesAndErrors) {
  Result result;
  result.method = "echo";
  result.concurrency = 16;
  result.channels = 1;
  result.duration_s = 2;
  result.request_bytes = 900;
  result.latencies_ms = {4, 1, 3, 2};
  result.errors_by_code = {{"UNAVAILABLE", 2}, {"DEADLINE_EXCEEDED", 1}};
  EXPECT_EQ(RenderResultJson(result),
            "{\"method\":\"echo\",\"concurrency\":16,\"channels\":1,"
            "\"duration_s\":2.000,\"request_bytes\":900,\"requests\":4,"
            "\"errors\":3,\"errors_by_code\":{\"DEADLINE_EXCEEDED\":1,"
            "\"UNAVAILABLE\":2},\"rps\":2.0,\"mean_ms\":2.500,"
            "\"p50_ms\":2.000,\"p90_ms\":4.000,\"p99_ms\":4.000,"
            "\"max_ms\":4.000}");
}

TEST(DecileRatesTest, RateOfEachTenthFromTimeZero) {
  // 20 events: two per tenth. The first tenth ends at 1 s, then one tenth
  // per half second, except the fifth, which takes 2 s.
  std::vector<double> arrivals;
  double t = 0;
  for (int k = 1; k <= 10; ++k) {
    const double step = k == 1 ? 1.0 : (k == 5 ? 2.0 : 0.5);
    arrivals.push_back(t + step / 2);
    arrivals.push_back(t + step);
    t += step;
  }
  std::vector<std::optional<double>> rates = DecileRates(arrivals, 20);
  ASSERT_EQ(rates.size(), 10u);
  EXPECT_DOUBLE_EQ(*rates[0], 2.0);
  EXPECT_DOUBLE_EQ(*rates[1], 4.0);
  EXPECT_DOUBLE_EQ(*rates[4], 1.0);
  EXPECT_DOUBLE_EQ(*rates[9], 4.0);
}

TEST(DecileRatesTest, TenthsNotReachedAreNull) {
  // 10 expected, 4 arrived: tenths 5 to 10 did not complete.
  std::vector<std::optional<double>> rates = DecileRates({1, 2, 3, 4}, 10);
  ASSERT_EQ(rates.size(), 10u);
  EXPECT_DOUBLE_EQ(*rates[0], 1.0);
  EXPECT_DOUBLE_EQ(*rates[3], 1.0);
  for (int k = 4; k < 10; ++k) EXPECT_FALSE(rates[k].has_value()) << k;
}

TEST(DecileRatesTest, FewerEventsThanTenthsLeavesEmptyTenthsNull) {
  // 2 events: tenths 1 to 5 end with event 1, 6 to 10 with event 2.
  std::vector<std::optional<double>> rates = DecileRates({0.5, 1.5}, 2);
  EXPECT_DOUBLE_EQ(*rates[0], 2.0);
  for (int k : {1, 2, 3, 4, 6, 7, 8, 9}) EXPECT_FALSE(rates[k].has_value()) << k;
  EXPECT_DOUBLE_EQ(*rates[5], 1.0);
}

TEST(StatusCodeNameTest, NamesCodes) {
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::UNAVAILABLE), "UNAVAILABLE");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::UNAUTHENTICATED),
            "UNAUTHENTICATED");
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(42)), "CODE_42");
}

}  // namespace
}  // namespace frontdoor::bench
