#include "common/text/text_rules.h"

#include <cstdint>

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

}  // namespace frontdoor
