#include "triage-svc/serial.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "tests/unit/triage/rules_fixture.h"

namespace frontdoor::triage {
namespace {

using ::testing::ElementsAre;

const absl::Time kNow = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 10, 0, 0), absl::UTCTimeZone());

absl::Time MonthsAgo(int months, int extra_days = 0) {
  const absl::CivilSecond c = absl::ToCivilSecond(kNow, absl::UTCTimeZone());
  return absl::FromCivil(
      absl::CivilSecond(c.year(), c.month() - months, c.day() + extra_days,
                        c.hour(), c.minute(), c.second()),
      absl::UTCTimeZone());
}

// A referral of `suspect` (with a date of birth unless `suspect_dob` is
// false) about `victim` (likewise), at `at`.
SuspectLink Link(const std::string& reference, const std::string& suspect,
                 const std::string& victim, absl::Time at,
                 bool suspect_dob = true, bool victim_dob = true,
                 const std::string& suspect_born = "1980",
                 const std::string& victim_born = "1990") {
  return SuspectLink{reference, suspect_dob ? suspect + "|" + suspect_born : "",
                     suspect,   victim_dob ? victim + "|" + victim_born : "",
                     victim,    at};
}

struct SerialCase {
  const char* name;
  std::vector<SuspectLink> earlier;
  SuspectLink current;
  std::optional<int> stated;
  bool raise;
  int distinct;
};

void PrintTo(const SerialCase& c, std::ostream* os) { *os << c.name; }

class SerialTableTest : public ::testing::TestWithParam<SerialCase> {
 protected:
  Rules rules_ = testing::RulesFrom(testing::ShippedRulesProto());
};

TEST_P(SerialTableTest, Decides) {
  const SerialCase& c = GetParam();
  const SerialOutcome out =
      DecideSerial(c.current, c.earlier, c.stated, rules_);
  EXPECT_EQ(out.raise, c.raise);
  EXPECT_EQ(out.distinct_victims, c.distinct);
}

INSTANTIATE_TEST_SUITE_P(
    Edges, SerialTableTest,
    ::testing::Values(
        SerialCase{
            "first referral", {}, Link("R2", "lee", "ann", kNow), {}, false, 1},
        SerialCase{"a second victim within 3 years",
                   {Link("R1", "lee", "ann", MonthsAgo(35))},
                   Link("R2", "lee", "bea", kNow),
                   {},
                   true,
                   2},
        SerialCase{"a second victim exactly 3 years ago",
                   {Link("R1", "lee", "ann", MonthsAgo(36))},
                   Link("R2", "lee", "bea", kNow),
                   {},
                   true,
                   2},
        SerialCase{"a second victim 3 years and a day apart",
                   {Link("R1", "lee", "ann", MonthsAgo(36, -1))},
                   Link("R2", "lee", "bea", kNow),
                   {},
                   false,
                   1},
        SerialCase{"one victim referred twice",
                   {Link("R1", "lee", "ann", MonthsAgo(2))},
                   Link("R2", "lee", "ann", kNow),
                   {},
                   false,
                   1},
        SerialCase{"the same victim again after the threshold",
                   {Link("R1", "lee", "ann", MonthsAgo(5)),
                    Link("R2", "lee", "bea", MonthsAgo(2))},
                   Link("R3", "lee", "ann", kNow),
                   {},
                   false,
                   2},
        SerialCase{"a third victim is told again",
                   {Link("R1", "lee", "ann", MonthsAgo(5)),
                    Link("R2", "lee", "bea", MonthsAgo(2))},
                   Link("R3", "lee", "cat", kNow),
                   {},
                   true,
                   3},
        SerialCase{"another suspect's victims do not count",
                   {Link("R1", "max", "ann", MonthsAgo(5))},
                   Link("R2", "lee", "bea", kNow),
                   {},
                   false,
                   1},
        SerialCase{"same name, another date of birth: another suspect",
                   {Link("R1", "lee", "ann", MonthsAgo(5), true, true, "1975")},
                   Link("R2", "lee", "bea", kNow),
                   {},
                   false,
                   1},
        SerialCase{"suspect's date of birth unknown: matched by name",
                   {Link("R1", "lee", "ann", MonthsAgo(5), false)},
                   Link("R2", "lee", "bea", kNow),
                   {},
                   true,
                   2},
        SerialCase{"victim's date of birth unknown once: the same victim",
                   {Link("R1", "lee", "ann", MonthsAgo(5), true, false)},
                   Link("R2", "lee", "ann", kNow),
                   {},
                   false,
                   1},
        SerialCase{"two victims of one name, different births",
                   {Link("R1", "lee", "ann", MonthsAgo(5), true, true, "1980",
                         "1991")},
                   Link("R2", "lee", "ann", kNow),
                   {},
                   true,
                   2},
        SerialCase{"police know of two victims",
                   {},
                   Link("R1", "lee", "ann", kNow),
                   2,
                   true,
                   2},
        SerialCase{"police know of one",
                   {},
                   Link("R1", "lee", "ann", kNow),
                   1,
                   false,
                   1},
        SerialCase{"police know of three, our second",
                   {Link("R1", "lee", "ann", MonthsAgo(5))},
                   Link("R2", "lee", "bea", kNow),
                   3,
                   true,
                   3},
        SerialCase{"a later referral delivered first does not count",
                   {Link("R9", "lee", "ann", kNow + absl::Hours(1))},
                   Link("R2", "lee", "bea", kNow),
                   {},
                   false,
                   1}));

TEST(SerialTest, RelatedReferencesOldestFirstThisLast) {
  Rules rules = testing::RulesFrom(testing::ShippedRulesProto());
  const SerialOutcome out =
      DecideSerial(Link("R3", "lee", "cat", kNow),
                   {Link("R2", "lee", "bea", MonthsAgo(2)),
                    Link("R1", "lee", "ann", MonthsAgo(5)),
                    Link("R0", "lee", "old", MonthsAgo(40))},
                   std::nullopt, rules);
  EXPECT_THAT(out.related_references, ElementsAre("R1", "R2", "R3"));
}

TEST(SerialTest, CountAndWindowAreConfiguration) {
  config::v1::TriageRules proto = testing::ShippedRulesProto();
  proto.mutable_serial_perpetrator()->set_distinct_victims(3);
  proto.mutable_serial_perpetrator()->set_window_months(12);
  Rules rules = testing::RulesFrom(proto);
  const std::vector<SuspectLink> two = {Link("R1", "lee", "ann", MonthsAgo(5))};
  EXPECT_FALSE(
      DecideSerial(Link("R2", "lee", "bea", kNow), two, std::nullopt, rules)
          .raise);
  const std::vector<SuspectLink> old = {Link("R1", "lee", "ann", MonthsAgo(13)),
                                        Link("R2", "lee", "bea", MonthsAgo(2))};
  EXPECT_FALSE(
      DecideSerial(Link("R3", "lee", "cat", kNow), old, std::nullopt, rules)
          .raise);
  const std::vector<SuspectLink> recent = {
      Link("R1", "lee", "ann", MonthsAgo(11)),
      Link("R2", "lee", "bea", MonthsAgo(2))};
  EXPECT_TRUE(
      DecideSerial(Link("R3", "lee", "cat", kNow), recent, std::nullopt, rules)
          .raise);
}

TEST(SerialTest, BadRulesAreNamed) {
  config::v1::TriageRules proto = testing::ShippedRulesProto();
  proto.mutable_serial_perpetrator()->set_distinct_victims(1);
  EXPECT_FALSE(Rules::FromProto(proto).ok());
  proto.clear_serial_perpetrator();
  auto r = Rules::FromProto(proto);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().ToString(),
              ::testing::HasSubstr("serial_perpetrator"));
}

}  // namespace
}  // namespace frontdoor::triage
