#pragma once

// One canonical form of a person's identity, for every blind index that
// matches people (repeat referrals, MARAC repeats, serial-perpetrator
// matching). The same person written in different ways (composed or
// decomposed accents, fullwidth letters, typographic apostrophes, invisible
// characters, hyphens, dashes and spaces, letter case) gives the same
// canonical string, so the same HMAC under crypto::KeyRing::BlindIndex.
//
// Built on ICU (Unicode normalisation, case folding and character
// properties), not on hand-written tables. Every function is pure, never
// throws and is safe to call from any number of threads at once. Input that
// is not valid UTF-8 is read with each ill-formed sequence as U+FFFD.
// CanonicalName and LooseName read at most the first MiB of their input
// (names are checked to be far shorter before they get here).
//
// The strings made here are personal data: they are only ever passed to the
// blind index, never stored or logged.

#include <string>

#include "absl/strings/string_view.h"
#include "frontdoor/common/v1/referral.pb.h"
#include "google/type/date.pb.h"

namespace frontdoor::identity {

// Version tags that start every key; a change of canonical form takes a new
// tag (and a re-index of stored indexes). The key before this library was
// "v1|" (ASCII folding only).
inline constexpr char kPersonKeyTag[] = "id2|";
inline constexpr char kLoosePersonKeyTag[] = "id2l|";

// A name in canonical form: Unicode NFKC with case folding (ICU's
// NFKC_Casefold, the default folding, not Turkic: "I" gives "i"), with
// format (Cf), default-ignorable and bidirectional control characters,
// apostrophes (' ‘ ’ ‛ ʼ ʻ ` ´ ′ and their compatibility forms), hyphens
// and dashes (General_Category Pd and U+2212 minus), white space and space
// separators, full stops and commas removed. "Mary-Jane O'Neil",
// "mary jane o’neil" and "MARY‐JANE  ONEIL" all give "maryjaneoneil";
// "Straße" and "STRASSE" both give "strasse". Accents are kept: "Zoé" and
// "Zoe" differ. Idempotent: CanonicalName(CanonicalName(x)) ==
// CanonicalName(x). The result is valid UTF-8, possibly empty.
std::string CanonicalName(absl::string_view text);

// CanonicalName with accents removed as well (canonical decomposition,
// nonspacing marks (Mn) dropped, recomposition), for a possible match that
// staff check: "Zoé" and "Zoe" give the same loose name. Letters that are
// not decomposable (ø, ł, ı) are kept as they are. Idempotent.
std::string LooseName(absl::string_view text);

// The input to KeyRing::BlindIndex for a person: kPersonKeyTag, then the
// canonical family name and the canonical given names, each prefixed with
// its length in bytes (so no field boundary is ambiguous), then the date of
// birth as yyyy-mm-dd, or nothing when `date_of_birth` is null (a name-only
// key). Example shape: "id2|6:rahman|5:aisha|1991-03-14".
std::string PersonKey(const frontdoor::common::v1::PersonName& name,
                      const google::type::Date* date_of_birth);

// As PersonKey with LooseName and kLoosePersonKeyTag, so a loose key never
// equals an exact one.
std::string LoosePersonKey(const frontdoor::common::v1::PersonName& name,
                           const google::type::Date* date_of_birth);

// True when `text` holds a bidirectional control (U+061C, U+200E, U+200F,
// U+202A..U+202E, U+2066..U+2069) or any other format character
// (General_Category Cf), except those that turn up in pasted text or that
// some scripts need, which names may hold (CanonicalName removes them):
// U+00AD soft hyphen, U+200B zero-width space, U+200C zero-width non-joiner,
// U+200D zero-width joiner, U+2060 word joiner and U+FEFF.
bool HasForbiddenFormatControl(absl::string_view text);

}  // namespace frontdoor::identity
