#pragma once

namespace frontdoor::server {

// Sends the log output of the libraries beneath the services (protobuf's
// GOOGLE_LOG and gRPC's gpr_log) through the JSON logger, so every line a
// service writes is one JSON object: event "protobuf.log" or "grpc.log"
// with the level, the library's source file and line, and its message
// (truncated like every field; these libraries log about their own work,
// never a message's content). Protobuf FATAL messages are logged at error
// level before protobuf aborts; gRPC debug output stays off unless the
// logger's level is debug. Process-wide; idempotent; ServerHost::Start calls
// it.
void RouteFrameworkLogsToJson();

}  // namespace frontdoor::server
