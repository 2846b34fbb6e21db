#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

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

// Type URL under which a retry delay travels as an absl::Status payload (a
// serialized google.rpc.RetryInfo), so it reaches the gRPC edge intact.
inline constexpr absl::string_view kRetryInfoTypeUrl =
    "type.googleapis.com/google.rpc.RetryInfo";

// RESOURCE_EXHAUSTED telling the caller to retry after `retry_delay` (a
// google.rpc.RetryInfo detail; the delay is rounded up to whole
// milliseconds, and never below one).
absl::Status ResourceExhaustedRetryAfter(absl::string_view message,
                                         absl::Duration retry_delay);

// The retry delay carried by `status`, if any.
std::optional<absl::Duration> GetRetryDelay(const absl::Status& status);

// Marks `status` as carrying internal detail (a database's message, SQL, a
// host name): the gRPC edge keeps its code, logs the message and sends the
// caller a generic text instead. The store marks every error of its own.
absl::Status WithInternalDetail(absl::Status status);
bool HasInternalDetail(const absl::Status& status);

}  // namespace frontdoor
