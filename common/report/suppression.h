#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace frontdoor::report {

// Published figures never show a count from 1 to 4: a district and a quarter
// can identify a person. Such a count is shown as "<5" (primary
// suppression). Zero is shown: it identifies no one.
inline constexpr int64_t kSmallestShown = 5;
inline constexpr absl::string_view kPrimaryText = "<5";
// A count hidden only so that a "<5" cannot be worked out by subtraction
// from the totals (secondary suppression); the convention of UK official
// statistics for "confidential".
inline constexpr absl::string_view kSecondaryText = "[c]";

// One published figure: its true value and how it is shown. Only Text() may
// leave the suite; `value` is there for the code that lays out the table.
struct Shown {
  enum class Kind { kShown, kPrimary, kSecondary };

  int64_t value = 0;
  Kind kind = Kind::kShown;

  bool suppressed() const { return kind != Kind::kShown; }
  // The number, kPrimaryText or kSecondaryText.
  std::string Text() const;

  friend bool operator==(const Shown& a, const Shown& b) {
    return a.value == b.value && a.kind == b.kind;
  }
};

// A two-way table of counts with its totals, as it may be published.
struct SuppressedTable {
  std::vector<std::vector<Shown>> cells;  // rows x columns
  std::vector<Shown> row_totals;          // one per row
  std::vector<Shown> column_totals;       // one per column
  Shown grand_total;
};

// Suppresses small numbers in the table of `cells` (rows of non-negative
// counts, all rows the same length; no rows is an empty table) and in the
// totals it computes from them.
//
// Primary: every cell or total from 1 to kSmallestShown - 1 is kPrimary.
// Secondary: the table with its totals is a grid of (rows + 1) x (columns + 1)
// entries, and each of its rows (cells then row total; the last is the column
// totals then the grand total) and each of its columns (cells then column
// total; the last is the row totals then the grand total) is an equation
// line: its last entry is the sum of the others, so a line with exactly one
// hidden entry gives it away. While some line has exactly one suppressed
// entry, take the first such line (grid rows top to bottom, then grid columns
// left to right) and hide one more of its entries as kSecondary: its smallest
// non-zero shown entry, or if it has none, a zero; ties go to the first in
// the line. When it stops, every line hides none or at least two entries.
//
// INVALID_ARGUMENT when a count is negative, rows differ in length, or a
// total would overflow.
absl::StatusOr<SuppressedTable> Suppress(
    const std::vector<std::vector<int64_t>>& cells);

// A one-way list of counts (for example referrals by reason) with its total.
struct SuppressedList {
  std::vector<Shown> counts;
  Shown total;
};

// The same rules for a single list: Suppress() of the 1 x N table `counts`.
absl::StatusOr<SuppressedList> SuppressList(const std::vector<int64_t>& counts);

}  // namespace frontdoor::report
