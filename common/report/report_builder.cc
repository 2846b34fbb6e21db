#include "common/report/report_builder.h"

#include <algorithm>

#include "common/report/percentile.h"
#include "google/protobuf/util/time_util.h"

namespace frontdoor::report {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int64_t kMicrosPerDay = int64_t{24} * 60 * 60 * 1000 * 1000;

void SetDimensions(const Dimensions& dimensions,
                   google::protobuf::RepeatedPtrField<
                       common::v1::ReportDimension>* out) {
  for (const auto& [name, value] : dimensions) {
    common::v1::ReportDimension& d = *out->Add();
    d.set_name(name);
    d.set_value(value);
  }
}

}  // namespace

ReportBuilder::Key ReportBuilder::MakeKey(std::string_view measure,
                                          Dimensions dimensions) {
  std::sort(dimensions.begin(), dimensions.end());
  return {std::string(measure), std::move(dimensions)};
}

void ReportBuilder::Count(std::string_view measure, Dimensions dimensions,
                          int64_t n) {
  if (n <= 0) return;
  counts_[MakeKey(measure, std::move(dimensions))] += n;
}

void ReportBuilder::Duration(std::string_view measure, Dimensions dimensions,
                             absl::Duration d) {
  durations_us_[MakeKey(measure, std::move(dimensions))].push_back(
      std::max<int64_t>(0, absl::ToInt64Microseconds(d)));
}

void ReportBuilder::Fill(common::v1::ReportResponse& response) const {
  for (const auto& [key, count] : counts_) {
    common::v1::ReportCount& c = *response.add_counts();
    c.set_measure(key.first);
    SetDimensions(key.second, c.mutable_dimensions());
    c.set_count(count);
  }
  for (const auto& [key, values] : durations_us_) {
    common::v1::ReportDurations& d = *response.add_durations();
    d.set_measure(key.first);
    SetDimensions(key.second, d.mutable_dimensions());
    d.set_count(static_cast<int64_t>(values.size()));
    // Never empty: a key exists only once a duration was added.
    *d.mutable_median() = TimeUtil::MicrosecondsToDuration(
        Percentile(values, kMedianPercent).value_or(0));
    *d.mutable_p90() = TimeUtil::MicrosecondsToDuration(
        Percentile(values, kNinetiethPercent).value_or(0));
    int64_t longest = 0;
    for (int64_t v : values) longest = std::max(longest, v);
    const int buckets = static_cast<int>(std::min<int64_t>(
        kMaxDayBuckets, longest / kMicrosPerDay + 1));
    std::vector<int64_t> by_days(buckets, 0);
    for (int64_t v : values) {
      ++by_days[std::min<int64_t>(buckets - 1, v / kMicrosPerDay)];
    }
    for (int64_t n : by_days) d.add_by_days(n);
  }
}

}  // namespace frontdoor::report
