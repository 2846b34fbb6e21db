// triage-svc: risk assessment of every accepted referral.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "triage-svc/triage_server.h"

ABSL_FLAG(std::string, config, "",
          "TriageConfig JSON file (see protos/frontdoor/config/v1)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("triage-svc --config=FILE.json");
  absl::ParseCommandLine(argc, argv);
  const absl::Status status =
      frontdoor::triage::RunServer(absl::GetFlag(FLAGS_config));
  if (!status.ok()) {
    std::fprintf(stderr, "triage-svc: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
