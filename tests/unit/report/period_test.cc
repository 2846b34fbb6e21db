#include "common/report/period.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace frontdoor::report {
namespace {

using ::testing::HasSubstr;

absl::CivilDay Day(int y, int m, int d) { return absl::CivilDay(y, m, d); }

absl::TimeZone London() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/London", &zone));
  return zone;
}

absl::Time Utc(int y, int m, int d, int hh, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0),
                         absl::UTCTimeZone());
}

Period Quarter(absl::string_view name) {
  absl::StatusOr<Period> q = ParseQuarter(name);
  EXPECT_TRUE(q.ok()) << name << ": " << q.status();
  return q.value_or(Period{});
}

TEST(PeriodTest, FinancialQuartersBeginInApril) {
  EXPECT_EQ(Quarter("2026-Q1"), (Period{Day(2026, 4, 1), Day(2026, 6, 30)}));
  EXPECT_EQ(Quarter("2026-Q2"), (Period{Day(2026, 7, 1), Day(2026, 9, 30)}));
  EXPECT_EQ(Quarter("2026-Q3"), (Period{Day(2026, 10, 1), Day(2026, 12, 31)}));
  // Q4 is January to March of the next calendar year.
  EXPECT_EQ(Quarter("2026-Q4"), (Period{Day(2027, 1, 1), Day(2027, 3, 31)}));
  // A leap year's February falls in the previous financial year's Q4.
  EXPECT_EQ(Quarter("2027-Q4"), (Period{Day(2028, 1, 1), Day(2028, 3, 31)}));
  EXPECT_EQ(DaysIn(Quarter("2027-Q4")), 91);
  EXPECT_EQ(DaysIn(Quarter("2026-Q4")), 90);
}

TEST(PeriodTest, QuarterOfEachBoundaryDay) {
  struct Case {
    absl::CivilDay day;
    const char* name;
  } cases[] = {
      {Day(2026, 3, 31), "2025-Q4"},  {Day(2026, 4, 1), "2026-Q1"},
      {Day(2026, 6, 30), "2026-Q1"},  {Day(2026, 7, 1), "2026-Q2"},
      {Day(2026, 9, 30), "2026-Q2"},  {Day(2026, 10, 1), "2026-Q3"},
      {Day(2026, 12, 31), "2026-Q3"}, {Day(2027, 1, 1), "2026-Q4"},
      {Day(2027, 3, 31), "2026-Q4"},  {Day(2027, 4, 1), "2027-Q1"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(QuarterName(c.day), c.name) << c.day;
    EXPECT_EQ(QuarterOf(c.day), Quarter(c.name)) << c.day;
  }
}

TEST(PeriodTest, EveryDayLiesInTheQuarterItIsNamedFor) {
  for (absl::CivilDay d = Day(2024, 1, 1); d <= Day(2029, 12, 31); ++d) {
    const Period q = QuarterOf(d);
    ASSERT_TRUE(Contains(q, d)) << d;
    ASSERT_TRUE(IsQuarter(q)) << d;
    ASSERT_EQ(Quarter(QuarterName(d)), q) << d;
    ASSERT_GE(DaysIn(q), 90) << d;
    ASSERT_LE(DaysIn(q), 92) << d;
    // Quarters tile the calendar.
    ASSERT_EQ(NextQuarter(q).first, q.last + 1) << d;
    ASSERT_EQ(PreviousQuarter(q).last, q.first - 1) << d;
  }
}

TEST(PeriodTest, PreviousAndNextQuarterCrossTheYear) {
  EXPECT_EQ(PreviousQuarter(Quarter("2026-Q1")), Quarter("2025-Q4"));
  EXPECT_EQ(PreviousQuarter(Quarter("2026-Q4")), Quarter("2026-Q3"));
  EXPECT_EQ(NextQuarter(Quarter("2026-Q3")), Quarter("2026-Q4"));
  EXPECT_EQ(NextQuarter(Quarter("2026-Q4")), Quarter("2027-Q1"));
  // Of an arbitrary period: the quarter before its first day's quarter.
  EXPECT_EQ(PreviousQuarter(Period{Day(2026, 5, 10), Day(2026, 11, 2)}),
            Quarter("2025-Q4"));
}

TEST(PeriodTest, NamesOfPeriods) {
  EXPECT_EQ(PeriodName(Quarter("2026-Q4")), "2026-Q4");
  EXPECT_EQ(PeriodName(Period{Day(2026, 4, 1), Day(2026, 5, 15)}),
            "2026-04-01 to 2026-05-15");
  EXPECT_FALSE(IsQuarter(Period{Day(2026, 4, 1), Day(2026, 7, 1)}));
}

TEST(PeriodTest, MalformedQuartersAreRefusedSayingWhy) {
  for (absl::string_view bad :
       {"", "2026", "2026Q1", "2026-q1", "2026-Q", "26-Q1", "20a6-Q1",
        " 2026-Q1", "2026-Q1 ", "2026-Q12", "2026-1", "2026/Q1", "Q1-2026"}) {
    absl::StatusOr<Period> q = ParseQuarter(bad);
    ASSERT_FALSE(q.ok()) << bad;
    EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(q.status().message(), HasSubstr("YYYY-Qn")) << bad;
  }
  for (absl::string_view bad : {"2026-Q0", "2026-Q5", "2026-Q9"}) {
    absl::StatusOr<Period> q = ParseQuarter(bad);
    ASSERT_FALSE(q.ok()) << bad;
    EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(q.status().message(), HasSubstr("numbered 1 to 4")) << bad;
  }
  // A long or binary name is not echoed whole.
  absl::StatusOr<Period> q = ParseQuarter(std::string(1000, 'x') + "\n");
  ASSERT_FALSE(q.ok());
  EXPECT_LT(q.status().message().size(), 200u);
}

TEST(PeriodTest, MakePeriodRefusesBackwardsAndOverlongPeriods) {
  absl::StatusOr<Period> one = MakePeriod(Day(2026, 4, 1), Day(2026, 4, 1));
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(DaysIn(*one), 1);

  absl::StatusOr<Period> backwards =
      MakePeriod(Day(2026, 4, 2), Day(2026, 4, 1));
  EXPECT_EQ(backwards.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(backwards.status().message(), HasSubstr("before it begins"));

  const absl::CivilDay first = Day(2026, 4, 1);
  absl::StatusOr<Period> longest =
      MakePeriod(first, first + (kMaxPeriodDays - 1));
  ASSERT_TRUE(longest.ok()) << longest.status();
  EXPECT_EQ(DaysIn(*longest), kMaxPeriodDays);
  absl::StatusOr<Period> too_long = MakePeriod(first, first + kMaxPeriodDays);
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_long.status().message(), HasSubstr("at most"));
}

TEST(PeriodTest, InstantsOfAQuarterAcrossTheClocksGoingForward) {
  // 2026-Q4 holds Sunday 28 March 2027, when BST begins.
  ASSERT_EQ(absl::GetWeekday(Day(2027, 3, 28)), absl::Weekday::sunday);
  const Interval i = InstantsOf(Quarter("2026-Q4"), London());
  EXPECT_EQ(i.start, Utc(2027, 1, 1, 0));  // midnight GMT
  EXPECT_EQ(i.end, Utc(2027, 3, 31, 23));  // midnight BST on 1 April
  EXPECT_EQ(i.end - i.start, absl::Hours(90 * 24 - 1));
}

TEST(PeriodTest, InstantsOfAQuarterAcrossTheClocksGoingBack) {
  // 2026-Q3 holds Sunday 25 October 2026, when BST ends.
  ASSERT_EQ(absl::GetWeekday(Day(2026, 10, 25)), absl::Weekday::sunday);
  const Interval i = InstantsOf(Quarter("2026-Q3"), London());
  EXPECT_EQ(i.start, Utc(2026, 9, 30, 23));  // midnight BST on 1 October
  EXPECT_EQ(i.end, Utc(2027, 1, 1, 0));
  EXPECT_EQ(i.end - i.start, absl::Hours(92 * 24 + 1));
}

TEST(PeriodTest, TheDaysTheClocksChangeAreWholeLocalDays) {
  const absl::TimeZone london = London();
  // Last Sunday of March 2026: 23 hours.
  ASSERT_EQ(absl::GetWeekday(Day(2026, 3, 29)), absl::Weekday::sunday);
  const Interval spring =
      InstantsOf(Period{Day(2026, 3, 29), Day(2026, 3, 29)}, london);
  EXPECT_EQ(spring.start, Utc(2026, 3, 29, 0));
  EXPECT_EQ(spring.end, Utc(2026, 3, 29, 23));
  // Last Sunday of October 2026: 25 hours.
  const Interval autumn =
      InstantsOf(Period{Day(2026, 10, 25), Day(2026, 10, 25)}, london);
  EXPECT_EQ(autumn.start, Utc(2026, 10, 24, 23));
  EXPECT_EQ(autumn.end, Utc(2026, 10, 26, 0));
  EXPECT_EQ(autumn.end - autumn.start, absl::Hours(25));
}

TEST(PeriodTest, AReferralJustAfterMidnightBstCountsInTheNewQuarter) {
  const absl::TimeZone london = London();
  // 00:30 BST on 1 July is 23:30 UTC on 30 June.
  const absl::Time t = Utc(2026, 6, 30, 23, 30);
  EXPECT_EQ(DayOf(t, london), Day(2026, 7, 1));
  EXPECT_EQ(QuarterOf(DayOf(t, london)), Quarter("2026-Q2"));
  const Interval q1 = InstantsOf(Quarter("2026-Q1"), london);
  const Interval q2 = InstantsOf(Quarter("2026-Q2"), london);
  EXPECT_FALSE(t >= q1.start && t < q1.end);
  EXPECT_TRUE(t >= q2.start && t < q2.end);
  EXPECT_EQ(q1.end, q2.start);
}

TEST(PeriodTest, ADayWhoseMidnightWasSkippedBeginsWhenTheClocksJump) {
  // Brazil began summer time at midnight until 2019: 4 November 2018 began
  // at 01:00 -02, 03:00 UTC.
  absl::TimeZone sao_paulo;
  if (!absl::LoadTimeZone("America/Sao_Paulo", &sao_paulo)) {
    GTEST_SKIP() << "no America/Sao_Paulo in the time zone database";
  }
  EXPECT_EQ(StartOfDay(Day(2018, 11, 4), sao_paulo), Utc(2018, 11, 4, 3));
  EXPECT_EQ(DayOf(StartOfDay(Day(2018, 11, 4), sao_paulo), sao_paulo),
            Day(2018, 11, 4));
}

}  // namespace
}  // namespace frontdoor::report
