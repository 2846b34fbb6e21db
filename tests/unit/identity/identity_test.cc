// The canonical form of names: the spellings of one person that must match,
// the different people who must not, and properties over a few thousand
// generated strings (never a crash, idempotent, the same for NFC and NFD).
#include "common/identity/identity.h"

#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "unicode/normalizer2.h"
#include "unicode/stringpiece.h"
#include "unicode/unistr.h"
#include "unicode/utf8.h"

namespace frontdoor::identity {
namespace {

common::v1::PersonName Name(const std::string& given,
                            const std::string& family) {
  common::v1::PersonName n;
  n.set_given_names(given);
  n.set_family_name(family);
  return n;
}

google::type::Date Dob(int y, int m, int d) {
  google::type::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

// Bytes shown as escapes in failure messages.
std::string Shown(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

bool IsValidUtf8(const std::string& s) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t length = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return false;
  }
  return true;
}

// `s` normalised by ICU (ill-formed UTF-8 read as U+FFFD, as CanonicalName
// reads it).
std::string Normalised(const std::string& s, const icu::Normalizer2& n) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString u =
      n.normalize(icu::UnicodeString::fromUTF8(icu::StringPiece(
                      s.data(), static_cast<int32_t>(s.size()))),
                  status);
  EXPECT_TRUE(U_SUCCESS(status)) << u_errorName(status);
  std::string out;
  u.toUTF8String(out);
  return out;
}

const icu::Normalizer2& Nfc() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(status);
  EXPECT_TRUE(U_SUCCESS(status));
  return *n;
}
const icu::Normalizer2& Nfd() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFDInstance(status);
  EXPECT_TRUE(U_SUCCESS(status));
  return *n;
}

struct Spellings {
  const char* what;
  std::vector<std::string> spellings;  // all canonically equal
};

// Every spelling in a group gives the same canonical name.
std::vector<Spellings> SamePerson() {
  return {
      {"zero-width and invisible characters",
       {"Rahman", "Rah\u200Bman", "Rah\u00ADman", "\uFEFFRahman",
        "Rah\u2060man", "Rah\u200Cman", "Rah\u200Dman", "Rahman\u200B",
        // Bidi controls (refused at intake, removed here all the same).
        "\u202ERahman\u202C", "Rah\u200Eman", "\u2067Rahman\u2069"}},
      {"composed and decomposed accents",
       {"Zo\u00E9", "Zoe\u0301", "ZO\u00C9", "ZOE\u0301"}},
      {"several marks, any order of decomposition",
       {"Nguy\u1EC5n", "Nguye\u0302\u0303n", "Nguy\u00EA\u0303n"}},
      {"fullwidth letters",
       {"Rahman", "\uFF32\uFF41\uFF48\uFF4D\uFF41\uFF4E",
        "\uFF52\uFF41\uFF48\uFF4D\uFF41\uFF4E"}},
      {"apostrophes",
       {"O'Brien", "O\u2019Brien", "O\u2018Brien", "O\u201BBrien",
        "O\u02BCBrien", "O\u02BBBrien", "O`Brien", "O\u00B4Brien",
        "O\u2032Brien", "O\uFF07Brien", "O\u1FEFBrien", "OBrien", "obrien"}},
      {"hyphens, dashes and minus",
       {"Mary-Jane", "Mary\u2010Jane", "Mary\u2011Jane", "Mary\u2012Jane",
        "Mary\u2013Jane", "Mary\u2014Jane", "Mary\u2015Jane", "Mary\u2212Jane",
        "Mary\uFE63Jane", "Mary\uFF0DJane", "Mary\u058AJane", "Mary\u2E3AJane",
        "MaryJane"}},
      {"spaces",
       {"Mary Jane", "Mary  Jane", " Mary Jane ", "Mary\tJane",
        "Mary\u00A0Jane", "Mary\u2002Jane", "Mary\u2009Jane", "Mary\u202FJane",
        "Mary\u3000Jane", "Mary\u205FJane", "MaryJane"}},
      {"full stops and commas",
       {"St. John", "St John", "St.John", "St, John", "St\uFF0EJohn",
        "St\u3002John", "StJohn"}},
      {"letter case", {"Mary Jane", "MARY JANE", "mary jane", "mArY jAnE"}},
      {"sharp s", {"Stra\u00DFe", "STRASSE", "strasse", "STRA\u1E9EE"}},
      {"default folding, not Turkic: I is i", {"IRMAK", "Irmak", "irmak"}},
      {"Greek final sigma",
       {"\u039F\u0394\u03A5\u03A3\u03A3\u0395\u03A5\u03A3",
        "\u03BF\u03B4\u03C5\u03C3\u03C3\u03B5\u03C5\u03C2"}},
      {"compatibility ligatures", {"\uFB01nn", "Finn", "finn"}},
      {"all at once",
       {"Mary-Jane O'Neil", "mary jane o\u2019neil", "MARY\u2010JANE  ONEIL",
        "\uFF2D\uFF41\uFF52\uFF59 Jane O\u2019Neil",
        "Mary\u200B-Jane O'Neil."}},
  };
}

TEST(CanonicalNameTest, SpellingsOfTheSamePersonAreEqual) {
  for (const Spellings& group : SamePerson()) {
    const std::string first = CanonicalName(group.spellings[0]);
    EXPECT_FALSE(first.empty()) << group.what;
    for (const std::string& s : group.spellings) {
      EXPECT_EQ(CanonicalName(s), first) << group.what << ": " << Shown(s)
                                         << " vs " << Shown(group.spellings[0]);
    }
  }
}

TEST(CanonicalNameTest, KnownResults) {
  EXPECT_EQ(CanonicalName("Mary-Jane O'Neil"), "maryjaneoneil");
  EXPECT_EQ(CanonicalName("MARY\u2010JANE  ONEIL"), "maryjaneoneil");
  EXPECT_EQ(CanonicalName("Stra\u00DFe"), "strasse");
  EXPECT_EQ(CanonicalName("Zoe\u0301"), "zo\u00E9");  // composed
  EXPECT_EQ(CanonicalName(""), "");
  EXPECT_EQ(CanonicalName(" -'.,\u200B "), "");
}

TEST(CanonicalNameTest, DifferentPeopleStayDifferent) {
  const std::pair<const char*, const char*> pairs[] = {
      {"Zoe", "Zo\u00E9"},  // accents count for the exact form
      {"Mary", "Marie"},         {"Rahman", "Rehman"},  {"Anna", "Ana"},
      {"Lukasz", "\u0141ukasz"},  // Ł is a letter of its own
      {"irmak", "\u0131rmak"},    // dotless ı is not i
      {"Irmak", "\u0130rmak"},    // İ folds to i + combining dot
      {"Muller", "M\u00FCller"}, {"Jose", "Jos\u00E9"},
  };
  for (const auto& [a, b] : pairs) {
    EXPECT_NE(CanonicalName(a), CanonicalName(b))
        << Shown(a) << " vs " << Shown(b);
  }
}

TEST(LooseNameTest, AccentsAreIgnored) {
  const std::pair<const char*, const char*> pairs[] = {
      {"Zoe", "Zo\u00E9"},
      {"Zoe", "Zoe\u0301"},
      {"ZOE", "zo\u00EB"},
      {"Siobhan", "Siobh\u00E1n"},
      {"Ni Bhraonain", "N\u00ED Bhraon\u00E1in"},
      {"Nguyen", "Nguy\u1EC5n"},
      {"Muller", "M\u00FCller"},
      {"Jose", "JOS\u00C9"},
      {"Irmak", "\u0130rmak"},
      {"Francois", "Fran\u00E7ois"},
  };
  for (const auto& [a, b] : pairs) {
    EXPECT_EQ(LooseName(a), LooseName(b)) << Shown(a) << " vs " << Shown(b);
  }
  EXPECT_EQ(LooseName("Zo\u00E9"), "zoe");
}

TEST(LooseNameTest, DifferentPeopleStayDifferent) {
  EXPECT_NE(LooseName("Mary"), LooseName("Marie"));
  EXPECT_NE(LooseName("Zoe"), LooseName("Zara"));
  // Letters that do not decompose are not accents.
  EXPECT_NE(LooseName("Lukasz"), LooseName("\u0141ukasz"));
  EXPECT_NE(LooseName("Soren"), LooseName("S\u00F8ren"));
}

TEST(LooseNameTest, KeepsEverythingCanonicalNameMatches) {
  for (const Spellings& group : SamePerson()) {
    for (const std::string& s : group.spellings) {
      EXPECT_EQ(LooseName(s), LooseName(group.spellings[0]))
          << group.what << ": " << Shown(s);
    }
  }
}

TEST(PersonKeyTest, VersionedUnambiguousShape) {
  const auto dob = Dob(1991, 3, 14);
  EXPECT_EQ(PersonKey(Name("Aisha", "Rahman"), &dob),
            "id2|6:rahman|5:aisha|1991-03-14");
  EXPECT_EQ(PersonKey(Name("Aisha", "Rahman"), nullptr),
            "id2|6:rahman|5:aisha|");
  EXPECT_EQ(LoosePersonKey(Name("Zo\u00E9", "Rahman"), &dob),
            "id2l|6:rahman|3:zoe|1991-03-14");
  const auto early = Dob(905, 1, 2);
  EXPECT_EQ(PersonKey(Name("A", "B"), &early), "id2|1:b|1:a|0905-01-02");
}

TEST(PersonKeyTest, SpellingsMatchAndPeopleDoNot) {
  const auto dob = Dob(1990, 1, 2);
  const auto other_day = Dob(1990, 1, 3);
  const std::string a = PersonKey(Name("Mary-Jane", "O'Neil"), &dob);
  EXPECT_EQ(a, PersonKey(Name("mary jane", "O\u2019NEIL"), &dob));
  EXPECT_EQ(a, PersonKey(Name(" Mary\u200BJane ", "O. Neil"), &dob));
  EXPECT_NE(a, PersonKey(Name("Mary-Jane", "O'Neil"), &other_day));
  EXPECT_NE(a, PersonKey(Name("Mary-Jane", "O'Neil"), nullptr));
  EXPECT_NE(a, PersonKey(Name("Marie-Jane", "O'Neil"), &dob));
  // Moving letters between the given and the family name is someone else,
  // even where a separator in the name could have fooled a plain join.
  EXPECT_NE(PersonKey(Name("Ann", "Alee"), &dob),
            PersonKey(Name("Anna", "Lee"), &dob));
  EXPECT_NE(PersonKey(Name("b|1:c", "a"), &dob),
            PersonKey(Name("c", "a|1:b"), &dob));
  EXPECT_NE(PersonKey(Name("", "ab"), &dob), PersonKey(Name("a", "b"), &dob));
}

TEST(PersonKeyTest, LooseKeysMatchAccentsOnlyAndNeverEqualExactKeys) {
  const auto dob = Dob(1990, 1, 2);
  EXPECT_NE(PersonKey(Name("Zoe", "Price"), &dob),
            PersonKey(Name("Zo\u00E9", "Price"), &dob));
  EXPECT_EQ(LoosePersonKey(Name("Zoe", "Price"), &dob),
            LoosePersonKey(Name("Zo\u00E9", "Price"), &dob));
  EXPECT_NE(LoosePersonKey(Name("Zoe", "Price"), &dob),
            LoosePersonKey(Name("Zoe", "Price"), nullptr));
  // A name without accents: the same canonical and loose names, different
  // keys.
  EXPECT_NE(PersonKey(Name("Zoe", "Price"), &dob),
            LoosePersonKey(Name("Zoe", "Price"), &dob));
}

TEST(HasForbiddenFormatControlTest, BidiAndOtherFormatControlsAreForbidden) {
  for (const char* s : {
           "\u061C", "\u200E", "\u200F", "\u202A", "\u202B", "\u202C", "\u202D",
           "\u202E", "\u2066", "\u2067", "\u2068", "\u2069",
           "\u2061",      // function application (Cf)
           "\u0600",      // Arabic number sign (Cf)
           "\uFFF9",      // interlinear annotation anchor (Cf)
           "\U000E0041",  // tag latin capital letter A (Cf)
           "\U0001D173",  // musical symbol begin beam (Cf)
       }) {
    EXPECT_TRUE(HasForbiddenFormatControl(s)) << Shown(s);
    EXPECT_TRUE(HasForbiddenFormatControl(absl::StrCat("Rah", s, "man")))
        << Shown(s);
  }
  // After ill-formed bytes too.
  EXPECT_TRUE(HasForbiddenFormatControl("\xFF\xC3Rah\u202Eman"));
}

TEST(HasForbiddenFormatControlTest, ZeroWidthCharactersAndTextAreAllowed) {
  for (const char* s : {
           "", "Rahman", "Zo\u00E9", "Zoe\u0301", "O\u2019Brien",
           "Rah\u00ADman", "Rah\u200Bman",
           "\u0645\u06CC\u200C\u0631\u0648\u062F", "\u0915\u094D\u200D\u0937",
           "Rah\u2060man", "\uFEFFRahman",
           "\U0001F469\u200D\U0001F469\u200D\U0001F467",  // emoji ZWJ sequence
           "\u05D3\u05D5\u05D3",  // Hebrew: right-to-left letters are fine
           "\xFF\xFE not UTF-8", "\xED\xA0\x80",  // ill-formed: not Cf
       }) {
    EXPECT_FALSE(HasForbiddenFormatControl(s)) << Shown(s);
  }
}

// --- Properties over generated strings ----------------------------------

// Appends `cp` as UTF-8, surrogates included (three bytes each: ill-formed
// UTF-8, as a careless encoder would write them).
void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

struct Block {
  uint32_t first, last;
};

// Where generated characters come from.
constexpr Block kBlocks[] = {
    {0x0020, 0x007E},      // ASCII
    {0x0000, 0x001F},      // C0 controls
    {0x007F, 0x009F},      // DEL, C1 controls
    {0x00A0, 0x024F},      // Latin-1, Latin Extended
    {0x02B0, 0x036F},      // spacing modifiers, combining diacritics
    {0x0300, 0x036F},      // combining diacritics (again: common in names)
    {0x0370, 0x03FF},      // Greek
    {0x1F00, 0x1FFF},      // Greek Extended (spacing accents)
    {0x0400, 0x04FF},      // Cyrillic
    {0x0590, 0x06FF},      // Hebrew, Arabic (incl. Cf number signs)
    {0x0900, 0x097F},      // Devanagari
    {0x1100, 0x11FF},      // Hangul Jamo
    {0xAC00, 0xD7A3},      // Hangul syllables
    {0x2000, 0x206F},      // General Punctuation: spaces, dashes, bidi
    {0x2100, 0x218F},      // letterlike, number forms
    {0x3000, 0x30FF},      // CJK punctuation, kana
    {0xFB00, 0xFB4F},      // ligatures, Hebrew presentation forms
    {0xFE00, 0xFE6F},      // variation selectors, small forms
    {0xFF00, 0xFFEF},      // halfwidth and fullwidth forms
    {0xFFF0, 0xFFFF},      // specials, noncharacters
    {0xD800, 0xDFFF},      // surrogates (ill-formed as UTF-8)
    {0x1F300, 0x1FAFF},    // emoji
    {0xE0000, 0xE007F},    // tags
    {0x10FF00, 0x10FFFF},  // private use, end of the code space
};

std::string RandomText(std::mt19937& rng) {
  std::uniform_int_distribution<int> length(0, 24);
  const int blocks = static_cast<int>(std::size(kBlocks));
  std::uniform_int_distribution<int> kind(0, blocks + 3);
  std::string out;
  for (int n = length(rng); n > 0; --n) {
    const int k = kind(rng);
    if (k < blocks) {
      const Block b = kBlocks[k];
      AppendUtf8(std::uniform_int_distribution<uint32_t>(b.first, b.last)(rng),
                 out);
    } else if (k == blocks) {
      // A stray byte: continuation, invalid lead or overlong lead.
      out.push_back(static_cast<char>(
          std::uniform_int_distribution<int>(0x80, 0xFF)(rng)));
    } else if (k == blocks + 1) {
      // A truncated multi-byte sequence.
      std::string full;
      AppendUtf8(std::uniform_int_distribution<uint32_t>(0x80, 0x10FFFF)(rng),
                 full);
      out.append(full, 0, full.size() - 1);
    } else if (k == blocks + 2) {
      out.append("\xC0\x80");  // overlong NUL
    } else {
      // Name punctuation, where the rules are.
      const char* punct[] = {"-",      "'",      "\u2019", " ",
                             ".",      ",",      "\u00B4", "\u200B",
                             "\u202E", "\u00A8", "\u0345"};
      const int last = static_cast<int>(std::size(punct)) - 1;
      out.append(punct[std::uniform_int_distribution<int>(0, last)(rng)]);
    }
  }
  return out;
}

constexpr int kGeneratedStrings = 5000;
constexpr uint32_t kSeed = 20261123;

TEST(IdentityPropertyTest, GeneratedStrings) {
  std::mt19937 rng(kSeed);
  for (int i = 0; i < kGeneratedStrings; ++i) {
    const std::string s = RandomText(rng);
    std::string canonical, loose;
    ASSERT_NO_THROW(canonical = CanonicalName(s)) << Shown(s);
    ASSERT_NO_THROW(loose = LooseName(s)) << Shown(s);
    ASSERT_NO_THROW(HasForbiddenFormatControl(s)) << Shown(s);
    EXPECT_TRUE(IsValidUtf8(canonical)) << Shown(s);
    EXPECT_TRUE(IsValidUtf8(loose)) << Shown(s);
    EXPECT_EQ(CanonicalName(canonical), canonical) << Shown(s);
    EXPECT_EQ(LooseName(loose), loose) << Shown(s);
    EXPECT_EQ(LooseName(canonical), loose) << Shown(s);
    const std::string nfc = Normalised(s, Nfc());
    const std::string nfd = Normalised(s, Nfd());
    EXPECT_EQ(CanonicalName(nfc), canonical) << Shown(s);
    EXPECT_EQ(CanonicalName(nfd), canonical) << Shown(s);
    EXPECT_EQ(LooseName(nfc), loose) << Shown(s);
    EXPECT_EQ(LooseName(nfd), loose) << Shown(s);
    if (HasFailure()) break;  // one string's report is enough
  }
}

}  // namespace
}  // namespace frontdoor::identity
