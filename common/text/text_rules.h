#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/status/errors.h"

namespace frontdoor {

// Whether a free-text field may hold line breaks and tabs.
enum class Lines { kSingle, kMulti };

// Checks one text field against the rules every field keeps: valid UTF-8, no
// control characters (C0, DEL, C1; line feed, carriage return and tab only
// where `lines` is kMulti), at most `max_chars` characters (code points).
// Appends a violation naming `field` when broken. Legitimate text is never
// altered: the service stores what passes byte for byte.
void CheckText(absl::string_view field, absl::string_view value,
               size_t max_chars, Lines lines,
               std::vector<FieldViolation>& violations);

// The shapes intake-svc accepts for contact details (and a rectification
// of one, common/rights/rectify.h):
// a phone number: digits, spaces, +, -, ( and ), at least 6 digits;
bool LooksLikePhone(absl::string_view phone);
// an email address: one @ with something before it and a dot after it, no
// spaces;
bool LooksLikeEmail(absl::string_view email);
// a UK postcode: outward code (A9, A9A, A99, AA9, AA9A, AA99), then inward
// code (9AA), any case, spaces ignored.
bool LooksLikePostcode(absl::string_view postcode);

// Number of code points in valid UTF-8, or npos when `value` is not valid
// UTF-8 (overlong forms, surrogates and values above U+10FFFF are invalid).
size_t Utf8Length(absl::string_view value);

}  // namespace frontdoor
