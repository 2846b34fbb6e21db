#pragma once

#include <memory>
#include <string>
#include <type_traits>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"

// Strict request decoding at the gRPC edge (docs/adr/0007-request-decoding.md).
//
// Why it exists: gRPC's generated callback handlers, left alone, parse a
// request with protobuf before any frontdoor code runs. When protobuf refuses
// the bytes (a proto3 `string` that is not valid UTF-8, malformed data) such
// a call ends UNIMPLEMENTED with no field named and protobuf writes a
// plain-text line to stderr; when the bytes
// carry fields the contract does not define, protobuf keeps them as unknown
// fields and they travel on into storage and to later services.
//
// DecodeRequestsStrictly replaces the handler of each method of a callback
// service with one that first checks the request's wire bytes against the
// method's request type (CheckRequestWire): a request that passes is parsed
// and handled exactly as before; one that does not is never parsed into the
// request type and its call ends INVALID_ARGUMENT with a google.rpc.BadRequest
// field violation naming the field by its proto path, and the JSON log event
// "request.refused" (code and field path only, never the bytes).

namespace frontdoor::server {
namespace internal {

// The raw request of a refused call: computes its status and logs it.
grpc::Status RefuseRequest(grpc::CallbackServerContext& context,
                           const grpc::ByteBuffer& request,
                           const google::protobuf::Descriptor& type,
                           absl::string_view method);

// The check, run on the bytes as gRPC received them (not consumed).
absl::Status CheckReceived(grpc_byte_buffer* request,
                           const google::protobuf::Descriptor& type);

// Routes each call of one method to `accepting` (the generated typed handler
// for the service's own method) or `refusing` (a ByteBuffer handler that ends
// the call with the refusal). gRPC calls Deserialize and then RunHandler,
// exactly once each, for every call of the method, and the handler data from
// Deserialize must go back to the same handler: the calls routed to
// `refusing` are remembered from one to the other.
class StrictHandler final : public grpc::internal::MethodHandler {
 public:
  StrictHandler(const google::protobuf::Descriptor& type,
                std::unique_ptr<grpc::internal::MethodHandler> accepting,
                std::unique_ptr<grpc::internal::MethodHandler> refusing)
      : type_(type),
        accepting_(std::move(accepting)),
        refusing_(std::move(refusing)) {}

  void* Deserialize(grpc_call* call, grpc_byte_buffer* request,
                    grpc::Status* status, void** handler_data) override;
  void RunHandler(const HandlerParameter& param) override;

 private:
  const google::protobuf::Descriptor& type_;
  const std::unique_ptr<grpc::internal::MethodHandler> accepting_;
  const std::unique_ptr<grpc::internal::MethodHandler> refusing_;
  absl::Mutex mu_;
  absl::flat_hash_set<grpc_call*> refused_ ABSL_GUARDED_BY(mu_);
};

// A write reactor that ends its stream at once with `status`.
class RefusedWriter final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit RefusedWriter(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

// Access to grpc::Service's protected handler registration, which gRPC
// offers to generated code only.
class ServiceAccess : public grpc::Service {
 public:
  static void SetCallbackHandler(grpc::Service& service, int index,
                                 grpc::internal::MethodHandler* handler) {
    (service.*(&ServiceAccess::MarkMethodCallback))(index, handler);
  }
};

// The index in `service` of the method taking Req and answering Resp with
// the given streaming, or an error naming the service.
absl::StatusOr<int> MethodIndex(const google::protobuf::ServiceDescriptor&
                                    service,
                                const google::protobuf::Descriptor& request,
                                const google::protobuf::Descriptor& response,
                                bool server_streaming);

template <typename Impl, typename Req, typename Resp>
absl::Status Install(Impl& impl,
                     const google::protobuf::ServiceDescriptor& descriptor,
                     grpc::ServerUnaryReactor* (Impl::*method)(
                         grpc::CallbackServerContext*, const Req*, Resp*),
                     absl::flat_hash_set<int>& installed) {
  absl::StatusOr<int> index = MethodIndex(descriptor, *Req::descriptor(),
                                          *Resp::descriptor(), false);
  if (!index.ok()) return index.status();
  const std::string name = descriptor.method(*index)->full_name();
  const google::protobuf::Descriptor& type = *Req::descriptor();
  auto accepting =
      std::make_unique<grpc::internal::CallbackUnaryHandler<Req, Resp>>(
          [&impl, method](grpc::CallbackServerContext* context,
                          const Req* request, Resp* response) {
            return (impl.*method)(context, request, response);
          });
  auto refusing = std::make_unique<
      grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>>(
      [&type, name](grpc::CallbackServerContext* context,
                    const grpc::ByteBuffer* request, grpc::ByteBuffer*) {
        grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
        reactor->Finish(RefuseRequest(*context, *request, type, name));
        return reactor;
      });
  ServiceAccess::SetCallbackHandler(
      impl, *index,
      new StrictHandler(type, std::move(accepting), std::move(refusing)));
  installed.insert(*index);
  return absl::OkStatus();
}

template <typename Impl, typename Req, typename Resp>
absl::Status Install(Impl& impl,
                     const google::protobuf::ServiceDescriptor& descriptor,
                     grpc::ServerWriteReactor<Resp>* (Impl::*method)(
                         grpc::CallbackServerContext*, const Req*),
                     absl::flat_hash_set<int>& installed) {
  absl::StatusOr<int> index = MethodIndex(descriptor, *Req::descriptor(),
                                          *Resp::descriptor(), true);
  if (!index.ok()) return index.status();
  const std::string name = descriptor.method(*index)->full_name();
  const google::protobuf::Descriptor& type = *Req::descriptor();
  auto accepting = std::make_unique<
      grpc::internal::CallbackServerStreamingHandler<Req, Resp>>(
      [&impl, method](grpc::CallbackServerContext* context,
                      const Req* request) {
        return (impl.*method)(context, request);
      });
  auto refusing = std::make_unique<grpc::internal::CallbackServerStreamingHandler<
      grpc::ByteBuffer, grpc::ByteBuffer>>(
      [&type, name](grpc::CallbackServerContext* context,
                    const grpc::ByteBuffer* request) {
        return new RefusedWriter(RefuseRequest(*context, *request, type, name));
      });
  ServiceAccess::SetCallbackHandler(
      impl, *index,
      new StrictHandler(type, std::move(accepting), std::move(refusing)));
  installed.insert(*index);
  return absl::OkStatus();
}

// OK when every method of `descriptor` is in `installed`; otherwise an error
// naming the first one that is not.
absl::Status RequireAll(const google::protobuf::ServiceDescriptor& descriptor,
                        const absl::flat_hash_set<int>& installed);

}  // namespace internal

// Makes every method of `impl`, a callback service generated from the proto
// service `Generated` (for example intake::v1::IntakeService), decode its
// requests strictly (see above). `methods` are `impl`'s implementations,
// each the one method of the service with its request and response types,
// for example &IntakeService::SubmitReferral. Returns an error naming the
// method when one of the service's methods is not given (so a method added
// to the proto later cannot be served without the check) or when a given one
// matches no method or several. Call once, before the service is registered
// with a server; `impl` must outlive its registration.
template <typename Generated, typename Impl, typename... Methods>
absl::Status DecodeRequestsStrictly(Impl& impl, Methods... methods) {
  const google::protobuf::ServiceDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          Generated::service_full_name());
  if (descriptor == nullptr) {
    return absl::InternalError(
        absl::StrCat("no descriptor for service ",
                     Generated::service_full_name()));
  }
  absl::flat_hash_set<int> installed;
  absl::Status status;
  ((status.ok() ? status = internal::Install(impl, *descriptor, methods,
                                             installed)
                : status),
   ...);
  if (!status.ok()) return status;
  return internal::RequireAll(*descriptor, installed);
}

}  // namespace frontdoor::server
