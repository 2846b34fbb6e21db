#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/text/text_rules.h"

namespace frontdoor {
namespace {

std::vector<FieldViolation> Check(absl::string_view value, size_t max,
                                  Lines lines = Lines::kSingle) {
  std::vector<FieldViolation> out;
  CheckText("f", value, max, lines, out);
  return out;
}

TEST(TextRulesTest, LegitimateTextPasses) {
  EXPECT_TRUE(Check("Siobhán Ní Bhraonáin", 200).empty());
  EXPECT_TRUE(Check("Zoë O'Neil-Smith", 200).empty());
  EXPECT_TRUE(Check("名前 🙂", 200).empty());
  EXPECT_TRUE(Check("line one\nline two\r\n\tindented", 200, Lines::kMulti)
                  .empty());
  EXPECT_TRUE(Check("", 0).empty());
}

TEST(TextRulesTest, ControlCharactersAreRefusedWithTheFieldNamed) {
  for (absl::string_view bad :
       {absl::string_view("a\0b", 3), absl::string_view("bell\a"),
        absl::string_view("esc\x1b[31m"), absl::string_view("del\x7f"),
        absl::string_view("c1 \xc2\x85 next line"),
        absl::string_view("two\nlines")}) {
    auto v = Check(bad, 200);
    ASSERT_EQ(v.size(), 1u) << bad;
    EXPECT_EQ(v[0].field, "f");
  }
  // Line breaks are fine in multi-line fields, other controls are not.
  EXPECT_EQ(Check("a\x1b", 200, Lines::kMulti).size(), 1u);
}

TEST(TextRulesTest, InvalidUtf8IsRefused) {
  for (absl::string_view bad :
       {absl::string_view("\xff"), absl::string_view("\xc0\xaf"),  // overlong
        absl::string_view("\xed\xa0\x80"),                         // surrogate
        absl::string_view("\xf4\x90\x80\x80"),                     // > U+10FFFF
        absl::string_view("truncated \xe2\x82")}) {
    auto v = Check(bad, 200);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].description, "must be valid UTF-8 text");
  }
}

TEST(TextRulesTest, LengthCountsCharactersNotBytes) {
  EXPECT_TRUE(Check("ééééé", 5).empty());  // 10 bytes, 5 characters
  auto v = Check("éééééé", 5);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].description, "too long: at most 5 characters");
  EXPECT_EQ(Utf8Length("ab€"), 3u);
  EXPECT_EQ(Utf8Length("\xff"), absl::string_view::npos);
}

}  // namespace
}  // namespace frontdoor
