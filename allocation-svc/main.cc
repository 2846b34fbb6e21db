// allocation-svc: the right programme, as soon as capacity allows.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "allocation-svc/allocation_server.h"

ABSL_FLAG(std::string, config, "",
          "AllocationConfig JSON file (see protos/frontdoor/config/v1)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("allocation-svc --config=FILE.json");
  absl::ParseCommandLine(argc, argv);
  const absl::Status status =
      frontdoor::allocation::RunServer(absl::GetFlag(FLAGS_config));
  if (!status.ok()) {
    std::fprintf(stderr, "allocation-svc: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
