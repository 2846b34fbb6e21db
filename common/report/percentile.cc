#include "common/report/percentile.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace frontdoor::report {
namespace {

constexpr double kWhole = 100;

}  // namespace

absl::StatusOr<int64_t> Percentile(std::vector<int64_t> values, double p) {
  // Written so that NaN fails too.
  if (!(p > 0 && p <= kWhole)) {
    return absl::InvalidArgumentError(
        absl::StrCat("percentile ", p, " is not in (0, 100]"));
  }
  if (values.empty()) {
    return absl::NotFoundError("no values to take a percentile of");
  }
  const size_t n = values.size();
  // p * n first, then / 100: exact for whole p and any count a report holds.
  // p / 100 * n is not: p28 of 25 values would be rank
  // ceil(7.000000000000001) = 8 instead of 7.
  const double exact_rank = p * static_cast<double>(n) / kWhole;
  size_t rank = static_cast<size_t>(std::ceil(exact_rank));
  rank = std::clamp<size_t>(rank, 1, n);
  auto nth = values.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

absl::StatusOr<int64_t> Median(std::vector<int64_t> values) {
  return Percentile(std::move(values), kMedianPercent);
}

}  // namespace frontdoor::report
