#include "common/report/suppression.h"

#include <cstddef>
#include <limits>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace frontdoor::report {
namespace {

static_assert(kSmallestShown == 5 && kPrimaryText == "<5",
              "kPrimaryText spells out kSmallestShown: change them together");

// Position of an entry in the grid of cells and totals: cells at [r][c] for
// r < rows, c < columns; row totals in the last column, column totals in the
// last row, the grand total in the corner.
struct At {
  size_t r;
  size_t c;
};
using Line = std::vector<At>;

// The grid's rows, then its columns, each in order; see Suppress().
std::vector<Line> LinesOf(size_t grid_rows, size_t grid_columns) {
  std::vector<Line> lines;
  for (size_t r = 0; r < grid_rows; ++r) {
    Line line;
    for (size_t c = 0; c < grid_columns; ++c) line.push_back({r, c});
    lines.push_back(std::move(line));
  }
  for (size_t c = 0; c < grid_columns; ++c) {
    Line line;
    for (size_t r = 0; r < grid_rows; ++r) line.push_back({r, c});
    lines.push_back(std::move(line));
  }
  return lines;
}

using Grid = std::vector<std::vector<Shown>>;

Shown& EntryAt(Grid& grid, At at) { return grid[at.r][at.c]; }

// The entry to hide next in `line`: its smallest non-zero shown entry, else
// a shown zero; the first in the line on ties. nullopt when all are hidden.
std::optional<At> NextToHide(Grid& grid, const Line& line) {
  std::optional<At> smallest_non_zero;
  std::optional<At> first_zero;
  for (const At at : line) {
    const Shown& entry = EntryAt(grid, at);
    if (entry.suppressed()) continue;
    if (entry.value == 0) {
      if (!first_zero) first_zero = at;
    } else if (!smallest_non_zero ||
               entry.value < EntryAt(grid, *smallest_non_zero).value) {
      smallest_non_zero = at;
    }
  }
  return smallest_non_zero ? smallest_non_zero : first_zero;
}

size_t HiddenIn(Grid& grid, const Line& line) {
  size_t hidden = 0;
  for (const At at : line) hidden += EntryAt(grid, at).suppressed() ? 1 : 0;
  return hidden;
}

absl::Status AddTo(int64_t& sum, int64_t count) {
  if (count > std::numeric_limits<int64_t>::max() - sum) {
    return absl::InvalidArgumentError("a total of the table overflows");
  }
  sum += count;
  return absl::OkStatus();
}

}  // namespace

std::string Shown::Text() const {
  switch (kind) {
    case Kind::kPrimary:
      return std::string(kPrimaryText);
    case Kind::kSecondary:
      return std::string(kSecondaryText);
    case Kind::kShown:
      break;
  }
  return absl::StrCat(value);
}

absl::StatusOr<SuppressedTable> Suppress(
    const std::vector<std::vector<int64_t>>& cells) {
  const size_t rows = cells.size();
  const size_t columns = rows == 0 ? 0 : cells[0].size();

  // The grid of cells and totals, with the true values.
  Grid grid(rows + 1, std::vector<Shown>(columns + 1));
  for (size_t r = 0; r < rows; ++r) {
    if (cells[r].size() != columns) {
      return absl::InvalidArgumentError(
          absl::StrCat("row ", r, " of the table has ", cells[r].size(),
                       " counts where row 0 has ", columns));
    }
    for (size_t c = 0; c < columns; ++c) {
      const int64_t count = cells[r][c];
      if (count < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the count at row ", r, ", column ", c, " is negative"));
      }
      grid[r][c].value = count;
      if (absl::Status s = AddTo(grid[r][columns].value, count); !s.ok()) {
        return s;
      }
      if (absl::Status s = AddTo(grid[rows][c].value, count); !s.ok()) {
        return s;
      }
      if (absl::Status s = AddTo(grid[rows][columns].value, count); !s.ok()) {
        return s;
      }
    }
  }

  // Primary suppression.
  for (auto& grid_row : grid) {
    for (Shown& entry : grid_row) {
      if (entry.value > 0 && entry.value < kSmallestShown) {
        entry.kind = Shown::Kind::kPrimary;
      }
    }
  }

  // Secondary suppression, one entry at a time, until no line gives one
  // away. Each round hides one more entry, so it ends.
  const std::vector<Line> lines = LinesOf(rows + 1, columns + 1);
  for (bool hid_one = true; hid_one;) {
    hid_one = false;
    for (const Line& line : lines) {
      if (HiddenIn(grid, line) != 1) continue;
      const std::optional<At> next = NextToHide(grid, line);
      if (!next) continue;  // a line of one entry: nothing can give it away
      EntryAt(grid, *next).kind = Shown::Kind::kSecondary;
      hid_one = true;
      break;
    }
  }

  // Take the totals off the end of each grid row, and the totals row.
  SuppressedTable table;
  table.cells.reserve(rows);
  for (size_t r = 0; r < rows; ++r) {
    table.row_totals.push_back(grid[r][columns]);
    grid[r].pop_back();
    table.cells.push_back(std::move(grid[r]));
  }
  table.grand_total = grid[rows][columns];
  grid[rows].pop_back();
  table.column_totals = std::move(grid[rows]);
  return table;
}

absl::StatusOr<SuppressedList> SuppressList(
    const std::vector<int64_t>& counts) {
  absl::StatusOr<SuppressedTable> table = Suppress({counts});
  if (!table.ok()) return table.status();
  // In a 1 x N table the column totals repeat the cells and the grand total
  // repeats the row total; the lines through them hide the same entries.
  return SuppressedList{std::move(table->cells[0]), table->row_totals[0]};
}

}  // namespace frontdoor::report
