#pragma once

// Calling a service's Report method in tests, and reading its answer.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "common/report/report_run.h"
#include "frontdoor/common/v1/report.pb.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/examples.h"

namespace frontdoor::testing {

// stub.Report for the days [first, last] as `actor`, naming `staff_role`
// (a console staff role) when not null.
template <typename Stub>
grpc::Status CallReport(Stub& stub, absl::CivilDay first, absl::CivilDay last,
                        common::v1::ReportResponse* out,
                        const char* staff_role = nullptr,
                        const char* actor = "staff-9") {
  grpc::ClientContext ctx;
  PrepareCall(ctx, actor);
  if (staff_role != nullptr) ctx.AddMetadata("frontdoor-staff-role", staff_role);
  return stub.Report(&ctx, report::ReportRequestFor({first, last}), out);
}

// The period checks every Report method makes, through a report viewer's
// `stub`: a period that ends before it starts is refused naming last_day,
// and one with no first day naming first_day (INVALID_ARGUMENT, nothing
// counted).
template <typename Stub>
void ExpectPeriodsChecked(Stub& stub) {
  common::v1::ReportResponse out;
  const grpc::Status backwards = CallReport(stub, absl::CivilDay(2026, 12, 31),
                                            absl::CivilDay(2026, 10, 1), &out);
  EXPECT_EQ(backwards.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(backwards.error_details(), ::testing::HasSubstr("last_day"));
  grpc::ClientContext ctx;
  PrepareCall(ctx, "staff-9");
  common::v1::ReportRequest no_first =
      report::ReportRequestFor({absl::CivilDay(2026, 10, 1),
                                absl::CivilDay(2026, 12, 31)});
  no_first.clear_first_day();
  const grpc::Status missing = stub.Report(&ctx, no_first, &out);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(missing.error_details(), ::testing::HasSubstr("first_day"));
}

// The sum of `measure`'s counts whose dimensions include every one of
// `having`.
inline int64_t CountOf(
    const common::v1::ReportResponse& report, const std::string& measure,
    const std::vector<std::pair<std::string, std::string>>& having) {
  int64_t sum = 0;
  for (const common::v1::ReportCount& c : report.counts()) {
    if (c.measure() != measure) continue;
    bool all = true;
    for (const auto& [name, value] : having) {
      bool found = false;
      for (const common::v1::ReportDimension& d : c.dimensions()) {
        found = found || (d.name() == name && d.value() == value);
      }
      all = all && found;
    }
    if (all) sum += c.count();
  }
  return sum;
}

}  // namespace frontdoor::testing
