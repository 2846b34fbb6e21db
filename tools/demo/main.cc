// frontdoor-demo-year: a synthetic financial year of referrals pushed
// through the real services (tools/demo/demo_year.h), into the databases
// tools/up configures in var/.
#include <cstdio>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/clock.h"
#include "tools/demo/demo_runner.h"

ABSL_FLAG(uint64_t, seed, frontdoor::demo::kDefaultSeed,
          "seed of the year's randomness: the same seed, the same year");
ABSL_FLAG(double, scale, 1.0, "share of a full year's referrals (1.0: ~8,000)");
ABSL_FLAG(std::string, var, "var",
          "directory of the service config files tools/up writes");
ABSL_FLAG(int, year, 0,
          "financial year, by the calendar year of its 1 April (default: the "
          "last whole one before today)");
ABSL_FLAG(bool, force, false,
          "generate even when intake-svc's database already holds referrals");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "frontdoor-demo-year [--seed=N] [--scale=F] [--var=DIR] [--year=YYYY] "
      "[--force]");
  absl::ParseCommandLine(argc, argv);
  frontdoor::demo::RunOptions options;
  options.year.seed = absl::GetFlag(FLAGS_seed);
  options.year.scale = absl::GetFlag(FLAGS_scale);
  options.year.year = absl::GetFlag(FLAGS_year);
  if (options.year.year == 0) {
    options.year.year = frontdoor::demo::LastWholeYear(
        absl::ToCivilDay(absl::Now(), absl::LocalTimeZone()));
  }
  options.var_dir = absl::GetFlag(FLAGS_var);
  options.force = absl::GetFlag(FLAGS_force);
  const absl::Status status = frontdoor::demo::RunDemoYear(options, std::cout);
  if (!status.ok()) {
    std::fprintf(stderr, "frontdoor-demo-year: %s\n",
                 status.ToString().c_str());
    return 1;
  }
  return 0;
}
