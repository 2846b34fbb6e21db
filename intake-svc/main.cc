// intake-svc: the secure front door for partner agencies' referrals.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "intake-svc/intake_server.h"

ABSL_FLAG(std::string, config, "",
          "IntakeConfig JSON file (see protos/frontdoor/config/v1)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("intake-svc --config=FILE.json");
  absl::ParseCommandLine(argc, argv);
  const absl::Status status =
      frontdoor::intake::RunServer(absl::GetFlag(FLAGS_config));
  if (!status.ok()) {
    std::fprintf(stderr, "intake-svc: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
