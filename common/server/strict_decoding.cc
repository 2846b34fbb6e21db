#include "common/server/strict_decoding.h"

#include <string>
#include <vector>

#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/server/call_context.h"
#include "common/server/request_check.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "google/protobuf/io/zero_copy_stream.h"
#include "grpc/byte_buffer.h"
#include "grpc/byte_buffer_reader.h"
#include "grpc/slice.h"

namespace frontdoor::server::internal {
namespace {

// Reads a grpc_byte_buffer slice by slice without copying or consuming it
// (the buffer still belongs to the caller afterwards).
class ByteBufferInput final : public google::protobuf::io::ZeroCopyInputStream {
 public:
  explicit ByteBufferInput(grpc_byte_buffer* buffer) {
    ok_ = buffer != nullptr && grpc_byte_buffer_reader_init(&reader_, buffer);
  }
  ~ByteBufferInput() override {
    if (ok_) grpc_byte_buffer_reader_destroy(&reader_);
  }
  bool ok() const { return ok_; }

  bool Next(const void** data, int* size) override {
    if (!ok_) return false;
    if (backed_up_ > 0) {
      *data = GRPC_SLICE_END_PTR(*slice_) - backed_up_;
      *size = backed_up_;
      backed_up_ = 0;
      count_ += *size;
      return true;
    }
    if (!grpc_byte_buffer_reader_peek(&reader_, &slice_)) return false;
    *data = GRPC_SLICE_START_PTR(*slice_);
    *size = static_cast<int>(GRPC_SLICE_LENGTH(*slice_));
    count_ += *size;
    return true;
  }
  void BackUp(int count) override {
    backed_up_ = count;
    count_ -= count;
  }
  bool Skip(int count) override {
    const void* data;
    int size;
    while (Next(&data, &size)) {
      if (size >= count) {
        BackUp(size - count);
        return true;
      }
      count -= size;
    }
    return false;
  }
  int64_t ByteCount() const override { return count_; }

 private:
  bool ok_ = false;
  grpc_byte_buffer_reader reader_;
  grpc_slice* slice_ = nullptr;
  int backed_up_ = 0;
  int64_t count_ = 0;
};

}  // namespace

absl::Status CheckReceived(grpc_byte_buffer* request,
                           const google::protobuf::Descriptor& type) {
  // No message at all is not this check's concern: the accepting handler
  // answers it as gRPC always has.
  if (request == nullptr) return absl::OkStatus();
  ByteBufferInput input(request);
  if (!input.ok()) return absl::InvalidArgumentError("request is unreadable");
  return CheckRequestWire(input, type);
}

grpc::Status RefuseRequest(grpc::CallbackServerContext& context,
                           const grpc::ByteBuffer& request,
                           const google::protobuf::Descriptor& type,
                           absl::string_view method) {
  ScopedTrace trace(TraceIdOf(context));
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (request.Dump(&slices).ok()) {
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
  }
  absl::Status status = CheckRequestWire(bytes, type);
  if (status.ok()) {
    // Deserialize refused these bytes, so the check cannot pass now.
    status = absl::InternalError("request check is not deterministic");
  }
  std::vector<FieldViolation> violations = GetFieldViolations(status);
  const std::string method_name(method);
  Log(Level::kWarning, "request.refused",
      {{"method", method_name},
       {"code", absl::StatusCodeToString(status.code())},
       {"field", violations.empty() ? "" : violations[0].field.c_str()}});
  return ToGrpcStatus(status);
}

void* StrictHandler::Deserialize(grpc_call* call, grpc_byte_buffer* request,
                                 grpc::Status* status, void** handler_data) {
  if (CheckReceived(request, type_).ok()) {
    return accepting_->Deserialize(call, request, status, handler_data);
  }
  {
    absl::MutexLock lock(&mu_);
    refused_.insert(call);
  }
  return refusing_->Deserialize(call, request, status, handler_data);
}

void StrictHandler::RunHandler(const HandlerParameter& param) {
  bool refused;
  {
    absl::MutexLock lock(&mu_);
    refused = refused_.erase(param.call->call()) > 0;
  }
  (refused ? refusing_ : accepting_)->RunHandler(param);
}

absl::StatusOr<int> MethodIndex(
    const google::protobuf::ServiceDescriptor& service,
    const google::protobuf::Descriptor& request,
    const google::protobuf::Descriptor& response, bool server_streaming) {
  int found = -1;
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& m = *service.method(i);
    if (m.input_type() != &request || m.output_type() != &response ||
        m.client_streaming() || m.server_streaming() != server_streaming) {
      continue;
    }
    if (found >= 0) {
      return absl::InternalError(absl::StrCat(
          "strict decoding: ", service.full_name(), " has several methods ",
          request.full_name(), " -> ", response.full_name()));
    }
    found = i;
  }
  if (found < 0) {
    return absl::InternalError(absl::StrCat(
        "strict decoding: ", service.full_name(), " has no method ",
        request.full_name(), " -> ", response.full_name()));
  }
  return found;
}

absl::Status RequireAll(const google::protobuf::ServiceDescriptor& descriptor,
                        const absl::flat_hash_set<int>& installed) {
  for (int i = 0; i < descriptor.method_count(); ++i) {
    if (!installed.contains(i)) {
      return absl::InternalError(
          absl::StrCat("strict decoding: method ",
                       descriptor.method(i)->full_name(), " is not covered"));
    }
  }
  return absl::OkStatus();
}

}  // namespace frontdoor::server::internal
