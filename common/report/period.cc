#include "common/report/period.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace frontdoor::report {
namespace {

// "YYYY-Qn".
constexpr size_t kQuarterNameLength = 7;
constexpr size_t kYearDigits = 4;
// How much of a malformed name an error message repeats.
constexpr size_t kEchoedChars = 20;

// The first month of quarter `q` (1 to 4) of financial year `year`; civil
// months normalise, so Q4's month 13 is January of the next year.
absl::CivilMonth FirstMonthOf(absl::civil_year_t year, int q) {
  return absl::CivilMonth(
      year, kFinancialYearFirstMonth + (q - 1) * kMonthsPerQuarter);
}

Period QuarterStarting(absl::CivilMonth first_month) {
  const absl::CivilDay first(first_month);
  const absl::CivilDay after(first_month + kMonthsPerQuarter);
  return Period{first, after - 1};
}

// The financial year and quarter number of `day`.
struct QuarterId {
  absl::civil_year_t year;
  int q;
};
QuarterId IdOf(absl::CivilDay day) {
  const int months_into_year =
      (day.month() - kFinancialYearFirstMonth + 12) % 12;
  const absl::civil_year_t year =
      day.month() >= kFinancialYearFirstMonth ? day.year() : day.year() - 1;
  return QuarterId{year, months_into_year / kMonthsPerQuarter + 1};
}

std::string Echo(absl::string_view name) {
  std::string shown = absl::CHexEscape(name.substr(0, kEchoedChars));
  if (name.size() > kEchoedChars) shown += "...";
  return shown;
}

}  // namespace

absl::StatusOr<Period> MakePeriod(absl::CivilDay first, absl::CivilDay last) {
  if (last < first) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the period ends (%s) before it begins (%s)",
        absl::FormatCivilTime(last), absl::FormatCivilTime(first)));
  }
  const Period period{first, last};
  if (DaysIn(period) > kMaxPeriodDays) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the period %s to %s is %d days long; a report covers at most %d",
        absl::FormatCivilTime(first), absl::FormatCivilTime(last),
        DaysIn(period), kMaxPeriodDays));
  }
  return period;
}

int DaysIn(const Period& period) {
  return static_cast<int>(period.last - period.first) + 1;
}

bool Contains(const Period& period, absl::CivilDay day) {
  return period.first <= day && day <= period.last;
}

Period QuarterOf(absl::CivilDay day) {
  const QuarterId id = IdOf(day);
  return QuarterStarting(FirstMonthOf(id.year, id.q));
}

absl::StatusOr<Period> ParseQuarter(absl::string_view name) {
  bool shaped = name.size() == kQuarterNameLength && name[kYearDigits] == '-' &&
                name[kYearDigits + 1] == 'Q' &&
                absl::ascii_isdigit(name[kYearDigits + 2]);
  for (size_t i = 0; shaped && i < kYearDigits; ++i) {
    shaped = absl::ascii_isdigit(name[i]);
  }
  if (!shaped) {
    return absl::InvalidArgumentError(
        absl::StrCat("the quarter \"", Echo(name),
                     "\" is not written YYYY-Qn (for example 2026-Q1, "
                     "April to June 2026)"));
  }
  const int q = name[kYearDigits + 2] - '0';
  if (q < 1 || q > kQuartersPerYear) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the quarter \"", name, "\" has number ", q,
        "; financial quarters are numbered 1 to ", kQuartersPerYear));
  }
  absl::civil_year_t year = 0;
  for (size_t i = 0; i < kYearDigits; ++i) year = year * 10 + (name[i] - '0');
  return QuarterStarting(FirstMonthOf(year, q));
}

std::string QuarterName(absl::CivilDay day) {
  const QuarterId id = IdOf(day);
  return absl::StrFormat("%04d-Q%d", id.year, id.q);
}

bool IsQuarter(const Period& period) {
  return QuarterOf(period.first) == period;
}

std::string PeriodName(const Period& period) {
  if (IsQuarter(period)) return QuarterName(period.first);
  return absl::StrCat(absl::FormatCivilTime(period.first), " to ",
                      absl::FormatCivilTime(period.last));
}

Period PreviousQuarter(const Period& period) {
  return QuarterOf(QuarterOf(period.first).first - 1);
}

Period NextQuarter(const Period& period) {
  return QuarterOf(QuarterOf(period.last).last + 1);
}

absl::Time StartOfDay(absl::CivilDay day, absl::TimeZone zone) {
  const absl::TimeZone::TimeInfo info = zone.At(absl::CivilSecond(day));
  // A skipped midnight: the day begins when the clocks jump. Otherwise `pre`
  // is midnight, the earlier of two when midnight is repeated.
  return info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre;
}

Interval InstantsOf(const Period& period, absl::TimeZone zone) {
  return Interval{StartOfDay(period.first, zone),
                  StartOfDay(period.last + 1, zone)};
}

absl::CivilDay DayOf(absl::Time t, absl::TimeZone zone) {
  return absl::ToCivilDay(t, zone);
}

}  // namespace frontdoor::report
