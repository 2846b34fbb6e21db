#include "common/status/errors.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"

namespace frontdoor {

absl::Status InvalidArgumentWithViolations(
    absl::string_view message, const std::vector<FieldViolation>& violations) {
  google::rpc::BadRequest bad_request;
  for (const FieldViolation& v : violations) {
    auto* out = bad_request.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
  }
  absl::Status status(
      absl::StatusCode::kInvalidArgument,
      absl::StrCat(message, " (", violations.size(),
                   violations.size() == 1 ? " field violation)"
                                          : " field violations)"));
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(bad_request.SerializeAsString()));
  return status;
}

std::vector<FieldViolation> GetFieldViolations(const absl::Status& status) {
  std::vector<FieldViolation> out;
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload.has_value()) return out;
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) return out;
  for (const auto& v : bad_request.field_violations()) {
    out.push_back({v.field(), v.description()});
  }
  return out;
}

absl::Status ResourceExhaustedRetryAfter(absl::string_view message,
                                         absl::Duration retry_delay) {
  const absl::Duration rounded =
      std::max(absl::Milliseconds(1), absl::Ceil(retry_delay, absl::Milliseconds(1)));
  google::rpc::RetryInfo info;
  const int64_t seconds = absl::ToInt64Seconds(rounded);
  info.mutable_retry_delay()->set_seconds(seconds);
  info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(rounded - absl::Seconds(seconds))));
  absl::Status status(absl::StatusCode::kResourceExhausted, message);
  status.SetPayload(kRetryInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::optional<absl::Duration> GetRetryDelay(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryInfoTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  google::rpc::RetryInfo info;
  if (!info.ParseFromString(std::string(*payload))) return std::nullopt;
  return absl::Seconds(info.retry_delay().seconds()) +
         absl::Nanoseconds(info.retry_delay().nanos());
}

namespace {
constexpr absl::string_view kInternalDetailTypeUrl =
    "type.frontdoor/internal-detail";
}  // namespace

absl::Status WithInternalDetail(absl::Status status) {
  if (!status.ok()) status.SetPayload(kInternalDetailTypeUrl, absl::Cord());
  return status;
}

bool HasInternalDetail(const absl::Status& status) {
  return status.GetPayload(kInternalDetailTypeUrl).has_value();
}

}  // namespace frontdoor
