#include "common/server/health_client.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace frontdoor::server {

absl::StatusOr<bool> HealthServing(
    const std::shared_ptr<grpc::Channel>& channel, absl::Duration deadline) {
  // grpc.health.v1 has no installed C++ stubs: HealthCheckRequest{} is no
  // bytes, and HealthCheckResponse{status} is 0x08 then the status
  // (SERVING = 1).
  constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";
  constexpr char kStatusTag = 0x08;
  constexpr char kServing = 1;
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  grpc::CompletionQueue cq;
  grpc::Slice no_bytes(std::string{});
  grpc::ByteBuffer request(&no_bytes, 1), response;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&context, kCheckMethod, request, &cq);
  call->StartCall();
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Dump(&slices).ok()) {
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
  }
  return bytes.size() == 2 && bytes[0] == kStatusTag && bytes[1] == kServing;
}

}  // namespace frontdoor::server
