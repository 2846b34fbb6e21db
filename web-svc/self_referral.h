#pragma once

// The adult victim's self-referral form: what the browser sends, turned
// into a referral for intake-svc, and intake's field violations turned back
// into GOV.UK errors on the form's fields. Pure: no HTTP, no gRPC.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/status/errors.h"
#include "frontdoor/common/v1/referral.pb.h"

namespace frontdoor::web {

// The form's values by field name (the HTML name, which is also the id of
// the input an error links to), as posted.
using FormValues = std::map<std::string, std::string>;

// Longest value any one field of the form may hold, in bytes: above the
// longest text intake accepts (concerns, 10000 characters of up to 4 bytes).
inline constexpr size_t kMaxFieldBytes = 40000;
// Largest form body web-svc reads, in bytes; a longer one is refused (413).
inline constexpr size_t kMaxFormBytes = 64 * 1024;
// Children the form has room for.
inline constexpr int kFormChildren = 2;

// Every field of the self-referral form, in page order (the honeypot and
// the tokens are not among them).
const std::vector<std::string>& SelfReferralFields();

// One error shown on the form: the field's id (the error summary links to
// "#<field>") and the message in plain English.
struct FormError {
  std::string field;
  std::string message;
  bool operator==(const FormError& o) const {
    return field == o.field && message == o.message;
  }
};

// The referral the form describes, or the errors web-svc finds itself (a
// date that is not a date, an answer missing from a question only the form
// asks). `idempotency_key` is not set here.
struct BuiltReferral {
  common::v1::Referral referral;
  std::vector<FormError> errors;
};
BuiltReferral BuildSelfReferral(const FormValues& form);

// Where an intake field violation is shown: the form field and the message
// for it. nullopt for a path that the self-referral form never sets (the
// channel, the requested service, a risk assessment...): that is web-svc's
// fault, not the person's, and is answered with the service's error page.
std::optional<FormError> MapViolation(const FieldViolation& violation);

// True for every path intake's validation can return (whether or not the
// form sets it); false for a path the mapping has never heard of.
bool IsKnownIntakePath(const std::string& path);

// Each violation mapped (one error per field, the first), in page order.
// `unmapped` collects the paths MapViolation has no field for.
std::vector<FormError> MapViolations(const std::vector<FieldViolation>& violations,
                                     std::vector<std::string>* unmapped);

}  // namespace frontdoor::web
