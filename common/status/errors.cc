#include "common/status/errors.h"


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
