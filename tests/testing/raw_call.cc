#include "tests/testing/raw_call.h"

#include <chrono>
#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status/errors.h"
#include "common/status/grpc_status.h"

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/impl/codegen/client_unary_call.h"
#include "grpcpp/impl/codegen/rpc_method.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/sync_stream.h"

namespace frontdoor::testing {
namespace {

constexpr std::chrono::seconds kDeadline(10);

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

void Prepare(grpc::ClientContext& context, std::string_view actor) {
  context.set_deadline(std::chrono::system_clock::now() + kDeadline);
  if (!actor.empty()) context.AddMetadata("frontdoor-actor", std::string(actor));
}

}  // namespace

grpc::Status RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& method, const std::string& bytes,
                          std::string_view actor) {
  grpc::ClientContext context;
  Prepare(context, actor);
  grpc::ByteBuffer response;
  return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel.get(),
      grpc::internal::RpcMethod(method.c_str(),
                                grpc::internal::RpcMethod::NORMAL_RPC),
      &context, ToBuffer(bytes), &response);
}

grpc::Status RawServerStreamingCall(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
    const std::string& bytes, int max_messages) {
  grpc::ClientContext context;
  Prepare(context, "Test Officer");
  std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
      grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
          channel.get(),
          grpc::internal::RpcMethod(
              method.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING),
          &context, ToBuffer(bytes)));
  grpc::ByteBuffer message;
  for (int i = 0; i < max_messages && reader->Read(&message); ++i) {
  }
  context.TryCancel();
  return reader->Finish();
}

std::string ReplaceOnce(std::string bytes, std::string_view from,
                        std::string_view to) {
  const size_t at = bytes.find(from);
  EXPECT_NE(at, std::string::npos) << "pattern not in the bytes";
  if (at == std::string::npos) return bytes;
  EXPECT_EQ(bytes.find(from, at + 1), std::string::npos)
      << "pattern occurs more than once";
  bytes.replace(at, from.size(), to);
  return bytes;
}

std::vector<std::string> NonJsonLines(std::string_view text) {
  std::vector<std::string> bad;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string line(text.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    google::protobuf::Struct parsed;
    if (!google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) {
      bad.push_back(line);
    }
  }
  return bad;
}

void ExpectInvalidUtf8Refused(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& method,
                              const google::protobuf::Message& request,
                              const std::string& field,
                              const std::function<std::string()>& log_text) {
  const std::string bytes =
      ReplaceOnce(request.SerializeAsString(), kUtf8Probe, kBadUtf8Probe);
  ::testing::internal::CaptureStderr();
  grpc::Status status = RawUnaryCall(channel, method, bytes);
  const std::string stderr_text = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << method << ": " << status.error_message();
  EXPECT_THAT(GetFieldViolations(FromGrpcStatus(status)),
              ::testing::Contains(FieldViolation{field, "must be valid UTF-8"}))
      << method;
  EXPECT_THAT(NonJsonLines(stderr_text), ::testing::IsEmpty()) << method;
  const std::string logged = log_text();
  EXPECT_THAT(NonJsonLines(logged), ::testing::IsEmpty()) << method;
  EXPECT_THAT(logged, ::testing::HasSubstr("\"event\":\"request.refused\""));
  EXPECT_THAT(logged, ::testing::Not(::testing::HasSubstr("Utf8")));
}

}  // namespace frontdoor::testing
