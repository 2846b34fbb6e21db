#pragma once

// Calling a service's Report method in tests, and reading its answer.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
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
