#include "common/identity/identity.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "unicode/normalizer2.h"
#include "unicode/stringpiece.h"
#include "unicode/uniset.h"
#include "unicode/unistr.h"
#include "unicode/utf16.h"
#include "unicode/utf8.h"

namespace frontdoor::identity {
namespace {

// What CanonicalName removes, before and after normalisation (NFKC turns
// some characters into these, for example the fullwidth apostrophe U+FF07
// into U+0027 and the ideographic space U+3000 into U+0020):
// invisible characters (format, default-ignorable, bidi controls); hyphens,
// dashes and minus; white space and separators; full stops and commas
// (with their ideographic forms); apostrophes (' ‘ ’ ‛ ʼ ʻ ` ´ ′ ʹ ʽ and the
// fullwidth apostrophe). Code points are escaped: in a UnicodeSet pattern
// the apostrophe quotes.
constexpr char kRemovedPattern[] =
    "[[:Cf:][:Default_Ignorable_Code_Point:][:Bidi_Control:]"
    "[:Pd:]\\u2212"
    "[:White_Space:][:Z:]"
    "\\u002E\\u002C\\u3001\\u3002"
    "\\u0027\\u2018\\u2019\\u201B\\u02BC\\u02BB\\u0060\\u00B4\\u2032"
    "\\u02B9\\u02BD\\uFF07]";

// Format characters names may not hold: every Cf and bidi control except
// the zero-width ones pasted text carries and some scripts need.
constexpr char kForbiddenFormatPattern[] =
    "[[[:Cf:][:Bidi_Control:]]"
    "-[\\u00AD\\u200B\\u200C\\u200D\\u2060\\uFEFF]]";

// Marks LooseName drops after canonical decomposition.
constexpr char kAccentPattern[] = "[:Mn:]";

// Removing characters can bring together what normalisation then composes
// (a letter and a combining mark once separated by a space), so the
// canonical pass repeats until nothing changes; in practice one repeat.
constexpr int kMaxPasses = 8;

// CanonicalName and LooseName read at most this many bytes (ICU strings
// have int32 lengths; the names the services keep are at most a few hundred
// bytes).
constexpr size_t kMaxInputBytes = size_t{1} << 20;

[[noreturn]] void Fatal(const char* what, UErrorCode status) {
  // Only a broken installation (ICU data missing) or memory exhaustion gets
  // here; a wrong key would silently break matching, so stop instead.
  std::fprintf(stderr, "frontdoor::identity: %s failed: %s\n", what,
               u_errorName(status));
  std::abort();
}

struct Tables {
  const icu::Normalizer2* nfkc_casefold = nullptr;
  const icu::Normalizer2* nfd = nullptr;
  std::unique_ptr<icu::UnicodeSet> removed;
  std::unique_ptr<icu::UnicodeSet> forbidden_format;
  std::unique_ptr<icu::UnicodeSet> accents;
};

std::unique_ptr<icu::UnicodeSet> FrozenSet(const char* pattern) {
  UErrorCode status = U_ZERO_ERROR;
  auto set = std::make_unique<icu::UnicodeSet>(
      icu::UnicodeString::fromUTF8(pattern), status);
  if (U_FAILURE(status)) Fatal("building a UnicodeSet", status);
  set->freeze();
  return set;
}

// Built once, immutable (normalizer instances and frozen sets are safe to
// share between threads).
const Tables& T() {
  static const Tables* tables = [] {
    auto* t = new Tables;
    UErrorCode status = U_ZERO_ERROR;
    t->nfkc_casefold = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) Fatal("loading NFKC_Casefold", status);
    t->nfd = icu::Normalizer2::getNFDInstance(status);
    if (U_FAILURE(status)) Fatal("loading NFD", status);
    t->removed = FrozenSet(kRemovedPattern);
    t->forbidden_format = FrozenSet(kForbiddenFormatPattern);
    t->accents = FrozenSet(kAccentPattern);
    return t;
  }();
  return *tables;
}

icu::UnicodeString FromUtf8(absl::string_view text) {
  const size_t size = std::min(text.size(), kMaxInputBytes);
  // Ill-formed sequences become U+FFFD.
  return icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(size)));
}

std::string ToUtf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

icu::UnicodeString Without(const icu::UnicodeString& s,
                           const icu::UnicodeSet& set) {
  icu::UnicodeString out;
  for (int32_t i = 0; i < s.length();) {
    const UChar32 c = s.char32At(i);
    if (!set.contains(c)) out.append(c);
    i += U16_LENGTH(c);
  }
  return out;
}

icu::UnicodeString Normalize(const icu::Normalizer2& normalizer,
                             const icu::UnicodeString& s) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString out = normalizer.normalize(s, status);
  if (U_FAILURE(status)) Fatal("normalising", status);
  return out;
}

// Decomposes first, so that canonically equivalent input (NFC, NFD or
// anything between) is treated alike: U+1FEF GREEK VARIA, say, is an
// apostrophe (U+0060) once decomposed. Then removes, folds (NFKC_Casefold)
// and removes what folding turned into removable characters.
icu::UnicodeString CanonicalPass(const icu::UnicodeString& s) {
  const Tables& t = T();
  return Without(
      Normalize(*t.nfkc_casefold, Without(Normalize(*t.nfd, s), *t.removed)),
      *t.removed);
}

icu::UnicodeString Canonical(const icu::UnicodeString& text) {
  icu::UnicodeString s = CanonicalPass(text);
  for (int i = 1; i < kMaxPasses; ++i) {
    icu::UnicodeString again = CanonicalPass(s);
    if (again == s) break;
    s = std::move(again);
  }
  return s;
}

icu::UnicodeString Loose(const icu::UnicodeString& text) {
  const Tables& t = T();
  icu::UnicodeString s = Canonical(text);
  for (int i = 0; i < kMaxPasses; ++i) {
    icu::UnicodeString again =
        Canonical(Without(Normalize(*t.nfd, s), *t.accents));
    if (again == s) break;
    s = std::move(again);
  }
  return s;
}

std::string DatePart(const google::type::Date* date) {
  if (date == nullptr) return "";
  return absl::StrFormat("%04d-%02d-%02d", date->year(), date->month(),
                         date->day());
}

std::string Key(absl::string_view tag, const std::string& family,
                const std::string& given, const google::type::Date* date) {
  return absl::StrCat(tag, family.size(), ":", family, "|", given.size(), ":",
                      given, "|", DatePart(date));
}

}  // namespace

std::string CanonicalName(absl::string_view text) {
  return ToUtf8(Canonical(FromUtf8(text)));
}

std::string LooseName(absl::string_view text) {
  return ToUtf8(Loose(FromUtf8(text)));
}

std::string PersonKey(const frontdoor::common::v1::PersonName& name,
                      const google::type::Date* date_of_birth) {
  return Key(kPersonKeyTag, CanonicalName(name.family_name()),
             CanonicalName(name.given_names()), date_of_birth);
}

std::string LoosePersonKey(const frontdoor::common::v1::PersonName& name,
                           const google::type::Date* date_of_birth) {
  return Key(kLoosePersonKeyTag, LooseName(name.family_name()),
             LooseName(name.given_names()), date_of_birth);
}

bool HasForbiddenFormatControl(absl::string_view text) {
  // Decoded here rather than through FromUtf8, so that any length is read
  // whole; ill-formed sequences (c < 0) are not format characters.
  const icu::UnicodeSet& forbidden = *T().forbidden_format;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int64_t length = static_cast<int64_t>(text.size());
  for (int64_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c >= 0 && forbidden.contains(c)) return true;
  }
  return false;
}

}  // namespace frontdoor::identity
