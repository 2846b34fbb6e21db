#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace frontdoor::report {

// A reporting period: the whole days `first` to `last`, both included, as
// the service's calendar (its time zone, Europe/London) names them. Every
// Period the functions below return has first <= last.
struct Period {
  absl::CivilDay first;
  absl::CivilDay last;

  friend bool operator==(const Period& a, const Period& b) {
    return a.first == b.first && a.last == b.last;
  }
  friend bool operator!=(const Period& a, const Period& b) { return !(a == b); }
};

// The longest period a report may cover: five years (of up to 366 days).
// Longer ranges are a typing mistake, not a report.
inline constexpr int kMaxPeriodDays = 5 * 366;

// Financial quarters begin in April: Q1 is April to June, Q2 July to
// September, Q3 October to December, Q4 January to March. A financial year
// is named by the calendar year it begins in, so "2026-Q4" is January to
// March 2027.
inline constexpr int kQuartersPerYear = 4;
inline constexpr int kMonthsPerQuarter = 3;
inline constexpr int kFinancialYearFirstMonth = 4;

// The period `first` to `last`, both included. INVALID_ARGUMENT when `last`
// is before `first` or the period is longer than kMaxPeriodDays.
absl::StatusOr<Period> MakePeriod(absl::CivilDay first, absl::CivilDay last);

// Number of days in `period`, both ends included (1 for a single day).
int DaysIn(const Period& period);

// Whether `day` falls within `period`.
bool Contains(const Period& period, absl::CivilDay day);

// The financial quarter holding `day`.
Period QuarterOf(absl::CivilDay day);

// The quarter named "YYYY-Qn" (four-digit financial year, n from 1 to 4,
// upper-case Q, nothing around it). INVALID_ARGUMENT naming what is wrong.
absl::StatusOr<Period> ParseQuarter(absl::string_view name);

// The name ("2026-Q1") of the financial quarter holding `day`; the inverse
// of ParseQuarter: ParseQuarter(QuarterName(d)) == QuarterOf(d).
std::string QuarterName(absl::CivilDay day);

// Whether `period` is exactly one financial quarter.
bool IsQuarter(const Period& period);

// A heading for `period`: its quarter's name when it is exactly a quarter
// ("2026-Q1"), otherwise "2026-04-01 to 2026-05-15".
std::string PeriodName(const Period& period);

// The financial quarter before the one holding `period.first`, and the one
// after the one holding `period.last`.
Period PreviousQuarter(const Period& period);
Period NextQuarter(const Period& period);

// The instants a period covers: from the first instant of `first` up to, not
// including, the first instant of the day after `last`, in `zone`. Across the
// clocks changing a day is 23 or 25 hours long; the interval is still the
// whole local days.
struct Interval {
  absl::Time start;  // included
  absl::Time end;    // excluded
};
Interval InstantsOf(const Period& period, absl::TimeZone zone);

// The first instant of `day` in `zone` (midnight, or the end of a gap when
// midnight was skipped by a clock change).
absl::Time StartOfDay(absl::CivilDay day, absl::TimeZone zone);

// The day `t` falls on in `zone`.
absl::CivilDay DayOf(absl::Time t, absl::TimeZone zone);

}  // namespace frontdoor::report
