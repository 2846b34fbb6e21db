#pragma once

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"

namespace frontdoor {

// One invalid field: `field` is the proto path of the field as the caller
// sent it (for example "referral.subject.date_of_birth"); `description` says
// what is wrong in words a partner's system can show to a person.
struct FieldViolation {
  std::string field;
  std::string description;

  bool operator==(const FieldViolation& other) const {
    return field == other.field && description == other.description;
  }
};

// Type URL under which field violations travel as an absl::Status payload
// (a serialized google.rpc.BadRequest), so they reach the gRPC edge intact.
inline constexpr absl::string_view kBadRequestTypeUrl =
    "type.googleapis.com/google.rpc.BadRequest";

// INVALID_ARGUMENT carrying every violation. `violations` must not be empty.
absl::Status InvalidArgumentWithViolations(
    absl::string_view message, const std::vector<FieldViolation>& violations);

// The violations carried by `status` (empty when it carries none).
std::vector<FieldViolation> GetFieldViolations(const absl::Status& status);

// Marks `status` as carrying internal detail (a database's message, SQL, a
// host name): the gRPC edge keeps its code, logs the message and sends the
// caller a generic text instead. The store marks every error of its own.
absl::Status WithInternalDetail(absl::Status status);
bool HasInternalDetail(const absl::Status& status);

}  // namespace frontdoor
