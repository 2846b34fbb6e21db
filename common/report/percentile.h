#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace frontdoor::report {

// The percentiles reports quote: the median and the 90th percentile (of,
// for example, days from referral to allocation).
inline constexpr double kMedianPercent = 50;
inline constexpr double kNinetiethPercent = 90;

// The p-th percentile of `values` by the nearest-rank method: the smallest
// value v in `values` such that at least p% of the values are <= v. With n
// values sorted ascending that is the value at rank ceil(p / 100 * n)
// (ranks from 1). It is always one of the values, never an interpolation,
// so a reader can check it by counting.
//
// INVALID_ARGUMENT when p is not in (0, 100]; NOT_FOUND when `values` is
// empty (no one to measure: a report shows "none", not a number). The order
// of `values` does not matter; duplicates count once each.
absl::StatusOr<int64_t> Percentile(std::vector<int64_t> values, double p);

// Percentile(values, kMedianPercent): for an even count, the lower of the two
// middle values.
absl::StatusOr<int64_t> Median(std::vector<int64_t> values);

}  // namespace frontdoor::report
