#include "common/server/framework_logs.h"

#include <string>

#include "absl/base/call_once.h"
#include "common/logging/logging.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/support/log.h"

namespace frontdoor::server {
namespace {

Level FromProtobuf(google::protobuf::LogLevel level) {
  switch (level) {
    case google::protobuf::LOGLEVEL_INFO:
      return Level::kInfo;
    case google::protobuf::LOGLEVEL_WARNING:
      return Level::kWarning;
    default:
      return Level::kError;
  }
}

void ProtobufLog(google::protobuf::LogLevel level, const char* filename,
                 int line, const std::string& message) {
  Log(FromProtobuf(level), "protobuf.log",
      {{"file", filename == nullptr ? "" : filename},
       {"line", line},
       {"message", message}});
}

Level FromGpr(gpr_log_severity severity) {
  switch (severity) {
    case GPR_LOG_SEVERITY_DEBUG:
      return Level::kDebug;
    case GPR_LOG_SEVERITY_INFO:
      return Level::kInfo;
    default:
      return Level::kError;
  }
}

void GprLog(gpr_log_func_args* args) {
  Log(FromGpr(args->severity), "grpc.log",
      {{"file", args->file == nullptr ? "" : args->file},
       {"line", args->line},
       {"message", args->message == nullptr ? "" : args->message}});
}

}  // namespace

void RouteFrameworkLogsToJson() {
  static absl::once_flag once;
  absl::call_once(once, [] {
    google::protobuf::SetLogHandler(&ProtobufLog);
    gpr_set_log_function(&GprLog);
  });
}

}  // namespace frontdoor::server
