#include "common/status/grpc_status.h"

#include <string>

#include "absl/strings/cord.h"
#include "common/logging/logging.h"
#include "common/status/errors.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace frontdoor {
namespace {

constexpr char kInternalMessage[] =
    "internal error; the service has logged it";
constexpr char kRetryLaterMessage[] =
    "the service cannot complete this just now; retry later (the service has "
    "logged why)";

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  if (status.code() == absl::StatusCode::kInternal ||
      status.code() == absl::StatusCode::kUnknown ||
      status.code() == absl::StatusCode::kDataLoss ||
      HasInternalDetail(status)) {
    Log(Level::kWarning, "rpc.error_detail",
        {{"code", absl::StatusCodeToString(status.code())},
         {"detail", std::string(status.message())}});
    switch (status.code()) {
      case absl::StatusCode::kUnavailable:
      case absl::StatusCode::kDeadlineExceeded:
      case absl::StatusCode::kAborted:
      case absl::StatusCode::kResourceExhausted:
        return grpc::Status(code, kRetryLaterMessage);
      default:
        return grpc::Status(code, kInternalMessage);
    }
  }
  const std::string message(status.message());
  // Details that travel in grpc-status-details-bin, in this order.
  google::rpc::Status details;
  for (absl::string_view type_url : {kBadRequestTypeUrl, kRetryInfoTypeUrl}) {
    auto payload = status.GetPayload(type_url);
    if (!payload.has_value()) continue;
    google::protobuf::Any* any = details.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(*payload));
  }
  if (details.details().empty()) return grpc::Status(code, message);
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  return grpc::Status(code, message, details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  absl::Status out(code, status.error_message());
  google::rpc::Status details;
  if (status.error_details().empty() ||
      !details.ParseFromString(status.error_details())) {
    return out;
  }
  for (const google::protobuf::Any& any : details.details()) {
    if (any.type_url() == kBadRequestTypeUrl ||
        any.type_url() == kRetryInfoTypeUrl) {
      out.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return out;
}

}  // namespace frontdoor
