#pragma once

// A service's report, gathered row by row: counts per measure and
// combination of dimension values, and distributions of durations, then
// written into a ReportResponse in the order report.proto promises
// (measure, then dimension values). Exact figures: suppression is for
// whoever shows them to people (suppression.h).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "frontdoor/common/v1/report.pb.h"

namespace frontdoor::report {

// Entries of ReportDurations.by_days: whole days 0 to kMaxDayBuckets - 2,
// then one entry for that many days or more.
inline constexpr int kMaxDayBuckets = 91;

// A figure's breakdown: (name, value) pairs, in any order.
using Dimensions = std::vector<std::pair<std::string, std::string>>;

class ReportBuilder {
 public:
  // Adds `n` (at least 1) to `measure` for `dimensions`.
  void Count(std::string_view measure, Dimensions dimensions, int64_t n = 1);
  // Adds one duration (not negative: a negative one counts as zero) to
  // `measure`'s distribution for `dimensions`.
  void Duration(std::string_view measure, Dimensions dimensions,
                absl::Duration d);
  // Appends every count and distribution to `response`, sorted.
  void Fill(common::v1::ReportResponse& response) const;

 private:
  using Key = std::pair<std::string, Dimensions>;
  static Key MakeKey(std::string_view measure, Dimensions dimensions);

  std::map<Key, int64_t> counts_;
  std::map<Key, std::vector<int64_t>> durations_us_;
};

}  // namespace frontdoor::report
