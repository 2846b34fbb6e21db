#pragma once

// Referral references: "FD-" and 12 characters of Crockford base32 (60
// random bits), chosen by intake-svc and used by every service after it.

#include <string>

#include "absl/strings/string_view.h"

namespace frontdoor {

inline constexpr char kReferencePrefix[] = "FD-";
inline constexpr int kReferenceChars = 12;

// A new random reference.
std::string NewReference();

// Whether `reference` has the shape of a referral reference.
bool IsWellFormedReference(absl::string_view reference);

}  // namespace frontdoor
