#pragma once

// frontdoorctl's data-rights commands for the data-protection officer:
//   rights find --reference=R | --given=G --family=F --dob=YYYY-MM-DD
//   rights export --reference=R --party=subject|other_party|child|referrer
//                 [--child=N] [--show-staff-names] --output=FILE
//                 [--format=json|html]
// Each asks all four services (frontdoor.common.v1.DataRights on intake,
// triage, allocation and notify), each over its own data, and puts their
// answers together (common/rights/bundle.h).

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "frontdoor/common/v1/data_rights.grpc.pb.h"
#include "tools/frontdoorctl/frontdoorctl.h"

namespace frontdoor::ctl {

// The bundle formats of rights export.
inline constexpr char kBundleJson[] = "json";
inline constexpr char kBundleHtml[] = "html";

bool IsRightsCommand(Command command);

// Checks the flags of rights find or export (options.command) together,
// failing with INVALID_ARGUMENT naming the flag at fault. The command table
// (command_line.cc) has already refused flags that the action does not take.
absl::Status CheckFindOrExport(const Options& options);

// Every service's DataRights (RightsTarget, frontdoorctl.h), by the name
// its answers carry.
using RightsTargets = std::vector<RightsTarget>;

// Runs rights find or export against every service of `services` (called
// by RunRightsCommand, frontdoorctl.h, for those two): find prints
// the answers as JSON on `out`; export writes the bundle to options.output
// (readable by its owner only) and prints a summary line on `out`. A
// service that fails is listed in the answer as unanswered and its error is
// printed on `err`; the exit code is then that of the first failure.
int RunFindOrExport(const Options& options, const RightsTargets& services,
                    std::ostream& out, std::ostream& err);

}  // namespace frontdoor::ctl
