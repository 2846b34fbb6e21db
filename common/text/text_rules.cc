#include "common/text/text_rules.h"

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace frontdoor {
namespace {

constexpr uint32_t kDelete = 0x7F;
constexpr uint32_t kFirstC1 = 0x80;
constexpr uint32_t kLastC1 = 0x9F;
constexpr uint32_t kFirstPrintable = 0x20;

// Decodes one code point at `pos`, advancing it; false on invalid UTF-8.
bool DecodeUtf8(absl::string_view s, size_t& pos, uint32_t& cp) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t lead = byte(pos);
  size_t extra;
  uint32_t min;
  if (lead < 0x80) {
    cp = lead;
    ++pos;
    return true;
  } else if ((lead & 0xE0) == 0xC0) {
    extra = 1, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3, cp = lead & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (pos + extra >= s.size()) return false;  // truncated sequence
  for (size_t i = 1; i <= extra; ++i) {
    const uint8_t b = byte(pos + i);
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return false;
  }
  pos += extra + 1;
  return true;
}

bool IsForbiddenControl(uint32_t cp, Lines lines) {
  if (cp == '\n' || cp == '\r' || cp == '\t') return lines == Lines::kSingle;
  return cp < kFirstPrintable || cp == kDelete ||
         (cp >= kFirstC1 && cp <= kLastC1);
}

}  // namespace

size_t Utf8Length(absl::string_view value) {
  size_t pos = 0, count = 0;
  uint32_t cp;
  while (pos < value.size()) {
    if (!DecodeUtf8(value, pos, cp)) return absl::string_view::npos;
    ++count;
  }
  return count;
}

void CheckText(absl::string_view field, absl::string_view value,
               size_t max_chars, Lines lines,
               std::vector<FieldViolation>& violations) {
  size_t pos = 0, count = 0;
  uint32_t cp;
  while (pos < value.size()) {
    if (!DecodeUtf8(value, pos, cp)) {
      violations.push_back({std::string(field), "must be valid UTF-8 text"});
      return;
    }
    if (IsForbiddenControl(cp, lines)) {
      violations.push_back(
          {std::string(field),
           lines == Lines::kSingle
               ? "must not contain control characters or line breaks"
               : "must not contain control characters"});
      return;
    }
    ++count;
  }
  if (count > max_chars) {
    violations.push_back({std::string(field),
                          absl::StrCat("too long: at most ", max_chars,
                                       " characters")});
  }
}

bool LooksLikeEmail(absl::string_view email) {
  const size_t at = email.find('@');
  return at != absl::string_view::npos && at > 0 && at + 1 < email.size() &&
         email.find('@', at + 1) == absl::string_view::npos &&
         email.find(' ') == absl::string_view::npos &&
         email.substr(at + 1).find('.') != absl::string_view::npos;
}

bool LooksLikePhone(absl::string_view phone) {
  int digits = 0;
  for (char c : phone) {
    if (absl::ascii_isdigit(c)) {
      ++digits;
    } else if (c != ' ' && c != '+' && c != '-' && c != '(' && c != ')') {
      return false;
    }
  }
  return digits >= 6;
}

bool LooksLikePostcode(absl::string_view postcode) {
  std::string p;
  for (char c : postcode) {
    if (c != ' ') p.push_back(absl::ascii_toupper(c));
  }
  if (p.size() < 5 || p.size() > 7) return false;
  const absl::string_view inward = absl::string_view(p).substr(p.size() - 3);
  if (!absl::ascii_isdigit(inward[0]) || !absl::ascii_isalpha(inward[1]) ||
      !absl::ascii_isalpha(inward[2])) {
    return false;
  }
  const absl::string_view outward =
      absl::string_view(p).substr(0, p.size() - 3);
  if (!absl::ascii_isalpha(outward[0])) return false;
  bool seen_digit = false;
  for (char c : outward.substr(1)) {
    if (absl::ascii_isdigit(c)) {
      seen_digit = true;
    } else if (!absl::ascii_isalpha(c)) {
      return false;
    }
  }
  return seen_digit;
}

}  // namespace frontdoor
