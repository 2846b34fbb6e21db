// notify-svc: partners told what they must know, at least once.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "notify-svc/notify_server.h"

ABSL_FLAG(std::string, config, "",
          "NotifyConfig JSON file (see protos/frontdoor/config/v1)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("notify-svc --config=FILE.json");
  absl::ParseCommandLine(argc, argv);
  const absl::Status status =
      frontdoor::notify::RunServer(absl::GetFlag(FLAGS_config));
  if (!status.ok()) {
    std::fprintf(stderr, "notify-svc: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
