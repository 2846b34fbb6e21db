#include "common/report/percentile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace frontdoor::report {
namespace {

int64_t P(std::vector<int64_t> values, double p) {
  absl::StatusOr<int64_t> v = Percentile(std::move(values), p);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.value_or(-1);
}

int64_t MedianOf(std::vector<int64_t> values) {
  absl::StatusOr<int64_t> v = Median(std::move(values));
  EXPECT_TRUE(v.ok()) << v.status();
  return v.value_or(-1);
}

TEST(PercentileTest, OneValueIsEveryPercentile) {
  EXPECT_EQ(MedianOf({7}), 7);
  EXPECT_EQ(P({7}, 0.5), 7);
  EXPECT_EQ(P({7}, kNinetiethPercent), 7);
  EXPECT_EQ(P({7}, 100), 7);
}

TEST(PercentileTest, MedianOfAnEvenCountIsTheLowerMiddleValue) {
  EXPECT_EQ(MedianOf({1, 2, 3, 4}), 2);
  EXPECT_EQ(MedianOf({10, 40}), 10);
  EXPECT_EQ(MedianOf({1, 2, 3, 4, 5}), 3);
}

TEST(PercentileTest, NinetiethOfTenAndOfEleven) {
  // 10 values: rank 0.9 * 10 = 9 exactly; 11 values: rank ceil(9.9) = 10.
  EXPECT_EQ(P({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, kNinetiethPercent), 9);
  EXPECT_EQ(P({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, kNinetiethPercent), 10);
  // 20 values: rank 18.
  std::vector<int64_t> twenty;
  for (int64_t i = 1; i <= 20; ++i) twenty.push_back(i * 10);
  EXPECT_EQ(P(twenty, kNinetiethPercent), 180);
}

TEST(PercentileTest, ExactRanksAreNotPushedUpByRounding) {
  // 28% of 25 is exactly 7, and 7% of 100 is exactly 7: both rank 7.
  std::vector<int64_t> values;
  for (int64_t i = 1; i <= 100; ++i) values.push_back(i);
  EXPECT_EQ(P(values, 7), 7);
  values.resize(25);
  EXPECT_EQ(P(values, 28), 7);
}

TEST(PercentileTest, InputOrderDoesNotMatter) {
  const std::vector<int64_t> shuffled = {10, 3, 8, 1, 6, 2, 9, 4, 7, 5};
  EXPECT_EQ(MedianOf(shuffled), 5);
  EXPECT_EQ(P(shuffled, kNinetiethPercent), 9);
  EXPECT_EQ(P(shuffled, 100), 10);
  EXPECT_EQ(P(shuffled, 1), 1);
}

TEST(PercentileTest, DuplicatesCountOnceEach) {
  // Sorted: 1 1 5 5 5.
  const std::vector<int64_t> values = {5, 1, 5, 1, 5};
  EXPECT_EQ(P(values, 40), 1);  // rank 2
  EXPECT_EQ(P(values, 41), 5);  // rank ceil(2.05) = 3
  EXPECT_EQ(MedianOf(values), 5);
  EXPECT_EQ(MedianOf({-3, 0, 0, 0, 9}), 0);
}

TEST(PercentileTest, OutOfRangePercentsAndNoValuesAreRefused) {
  for (double p : {0.0, -1.0, 100.5, std::numeric_limits<double>::quiet_NaN(),
                   std::numeric_limits<double>::infinity()}) {
    EXPECT_EQ(Percentile({1, 2, 3}, p).status().code(),
              absl::StatusCode::kInvalidArgument)
        << p;
  }
  EXPECT_EQ(Percentile({}, kNinetiethPercent).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Median({}).status().code(), absl::StatusCode::kNotFound);
}

// The definition itself, over random sets: the answer is one of the values,
// at least p% of the values are <= it, and fewer than p% are below it (so no
// smaller value would do).
TEST(PercentileTest, MatchesTheDefinitionOnRandomSets) {
  std::mt19937 random(20260401);  // fixed: the same sets every run
  constexpr int kSets = 2000;
  constexpr double kPercents[] = {1, 10, 25, 50, 75, 90, 95, 99, 100, 33.3};
  for (int set = 0; set < kSets; ++set) {
    std::vector<int64_t> values(1 + random() % 40);
    for (int64_t& v : values) v = static_cast<int64_t>(random() % 30);
    for (double p : kPercents) {
      const int64_t answer = P(values, p);
      const auto at_most = std::count_if(
          values.begin(), values.end(), [&](int64_t v) { return v <= answer; });
      const auto below = std::count_if(values.begin(), values.end(),
                                       [&](int64_t v) { return v < answer; });
      const double n = static_cast<double>(values.size());
      ASSERT_NE(std::find(values.begin(), values.end(), answer), values.end());
      ASSERT_GE(100 * at_most, p * n) << "set " << set << " p " << p;
      ASSERT_LT(100 * below, p * n) << "set " << set << " p " << p;
    }
  }
}

}  // namespace
}  // namespace frontdoor::report
