#pragma once

// Raw requests for tests of what a service does with bytes that a generated
// client would never send (invalid UTF-8, unknown fields), and a check that
// everything logged is JSON.

#include <string>
#include <string_view>
#include <vector>

#include <functional>

#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

namespace frontdoor::testing {

// Sends `bytes` as the request of the unary method `method`
// ("/frontdoor.intake.v1.IntakeService/SubmitReferral") with a 10 s
// deadline and the given "frontdoor-actor" metadata (none when empty).
grpc::Status RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& method, const std::string& bytes,
                          std::string_view actor = "Test Officer");

// Opens the server-streaming `method` with `bytes` as its request and
// returns the stream's final status after reading (and discarding) at most
// `max_messages` messages.
grpc::Status RawServerStreamingCall(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
    const std::string& bytes, int max_messages = 10);

// `bytes` with the one occurrence of `from` replaced by `to`; fails the
// current test when `from` does not occur exactly once.
std::string ReplaceOnce(std::string bytes, std::string_view from,
                        std::string_view to);

// The lines of `text` (a log) that are not one JSON object each.
std::vector<std::string> NonJsonLines(std::string_view text);

// A distinctive string for a request field, and the same number of bytes
// with an invalid UTF-8 sequence (C3 not followed by a continuation byte).
inline constexpr char kUtf8Probe[] = "Utf8Probe";
inline constexpr char kBadUtf8Probe[] = "Utf8\xc3\x28obe";

// Sends `request`, whose serialisation holds kUtf8Probe exactly once, as the
// request of the unary `method` with the probe made invalid UTF-8, and
// expects INVALID_ARGUMENT with the field violation {`field`, "must be valid
// UTF-8"}; that nothing the process wrote to stderr meanwhile, nor anything in
// `log_text()` (the service's captured log), is other than a JSON line; and
// that the log holds "request.refused" and never the probe.
void ExpectInvalidUtf8Refused(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& method,
                              const google::protobuf::Message& request,
                              const std::string& field,
                              const std::function<std::string()>& log_text);

}  // namespace frontdoor::testing
