// web-svc: the web front door for people.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "web-svc/web_server.h"

ABSL_FLAG(std::string, config, "",
          "WebConfig JSON file (see protos/frontdoor/config/v1)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("web-svc --config=FILE.json");
  absl::ParseCommandLine(argc, argv);
  const absl::Status status =
      frontdoor::web::RunServer(absl::GetFlag(FLAGS_config));
  if (!status.ok()) {
    std::fprintf(stderr, "web-svc: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
