#include "common/report/suppression.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace frontdoor::report {
namespace {

using ::testing::ElementsAre;
using Texts = std::vector<std::vector<std::string>>;

SuppressedTable Table(const std::vector<std::vector<int64_t>>& cells) {
  absl::StatusOr<SuppressedTable> t = Suppress(cells);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.value_or(SuppressedTable{});
}

// The table as published: each row's cells then its total, then the column
// totals then the grand total.
Texts Published(const SuppressedTable& t) {
  Texts out;
  for (size_t r = 0; r < t.cells.size(); ++r) {
    std::vector<std::string> row;
    for (const Shown& s : t.cells[r]) row.push_back(s.Text());
    row.push_back(t.row_totals[r].Text());
    out.push_back(row);
  }
  std::vector<std::string> totals;
  for (const Shown& s : t.column_totals) totals.push_back(s.Text());
  totals.push_back(t.grand_total.Text());
  out.push_back(totals);
  return out;
}

// The same grid, entry by entry, with true values and kinds.
std::vector<std::vector<Shown>> Grid(const SuppressedTable& t) {
  std::vector<std::vector<Shown>> grid;
  for (size_t r = 0; r < t.cells.size(); ++r) {
    grid.push_back(t.cells[r]);
    grid.back().push_back(t.row_totals[r]);
  }
  grid.push_back(t.column_totals);
  grid.back().push_back(t.grand_total);
  return grid;
}

TEST(SuppressionTest, TextOfEachKind) {
  EXPECT_EQ((Shown{12, Shown::Kind::kShown}).Text(), "12");
  EXPECT_EQ((Shown{0, Shown::Kind::kShown}).Text(), "0");
  EXPECT_EQ((Shown{3, Shown::Kind::kPrimary}).Text(), "<5");
  EXPECT_EQ((Shown{40, Shown::Kind::kSecondary}).Text(), "[c]");
}

TEST(SuppressionTest, ATableWithNoSmallNumbersIsUntouched) {
  const SuppressedTable t = Table({{10, 20}, {0, 30}});
  EXPECT_EQ(Published(t), (Texts{{"10", "20", "30"},  //
                                 {"0", "30", "30"},
                                 {"10", "50", "60"}}));
  for (const auto& row : Grid(t)) {
    for (const Shown& s : row) EXPECT_FALSE(s.suppressed());
  }
}

TEST(SuppressionTest, OneSmallCellHidesItsRowAndColumnNeighbours) {
  // The 3 hides the smallest in its row (10) and in its column (8); the 8
  // then hides the smallest left in its row (12), which closes the square.
  const SuppressedTable t = Table({{3, 10, 20},  //
                                   {8, 12, 30},
                                   {20, 40, 50}});
  EXPECT_EQ(Published(t), (Texts{{"<5", "[c]", "20", "33"},
                                 {"[c]", "[c]", "30", "50"},
                                 {"20", "40", "50", "110"},
                                 {"31", "62", "100", "193"}}));
  EXPECT_EQ(t.cells[0][0].kind, Shown::Kind::kPrimary);
  EXPECT_EQ(t.cells[1][1], (Shown{12, Shown::Kind::kSecondary}));
}

TEST(SuppressionTest, SecondarySuppressionCanChainAcrossTheTable) {
  // 3 -> 6 (row 0) -> 7 (column 0) -> 9 (row 1) -> 8 (column 1)
  //   -> 60 at row 2, column 0 (row 2, first of the tied 60s)
  //   -> 50 at row 0, column 3 (column 3).
  const SuppressedTable t = Table({{3, 6, 50, 50},  //
                                   {7, 60, 60, 9},
                                   {60, 8, 60, 60}});
  EXPECT_EQ(Published(t), (Texts{{"<5", "[c]", "50", "[c]", "109"},
                                 {"[c]", "60", "60", "[c]", "136"},
                                 {"[c]", "[c]", "60", "60", "188"},
                                 {"70", "74", "170", "119", "433"}}));
}

TEST(SuppressionTest, ASmallColumnTotalIsHiddenAndSoIsItsPartner) {
  // Column 0 totals 3: the total is "<5" as well as the cell, and the totals
  // row then needs a second hidden entry.
  const SuppressedTable t = Table({{0, 10, 20},  //
                                   {3, 15, 25}});
  EXPECT_EQ(Published(t), (Texts{{"0", "10", "20", "30"},
                                 {"<5", "[c]", "25", "43"},
                                 {"<5", "[c]", "45", "73"}}));
  EXPECT_EQ(t.column_totals[0].kind, Shown::Kind::kPrimary);
}

TEST(SuppressionTest, ARowTotalCannotBeRecoveredFromTheOtherRowTotals) {
  // Row 0's total 3 would be 113 - 50 - 60 if the column of row totals were
  // not a line of its own.
  const SuppressedTable t = Table({{1, 2},  //
                                   {20, 30},
                                   {25, 35}});
  EXPECT_EQ(Published(t), (Texts{{"<5", "<5", "<5"},
                                 {"[c]", "[c]", "[c]"},
                                 {"25", "35", "60"},
                                 {"46", "67", "113"}}));
}

TEST(SuppressionTest, AZeroBesideASmallCountStaysShown) {
  // Row 0 is the 3 and a zero: the cell and its total are both "<5", so the
  // row is safe and its zero is shown; the columns carry the secondaries.
  const SuppressedTable t = Table({{3, 0},  //
                                   {10, 20}});
  EXPECT_EQ(
      Published(t),
      (Texts{{"<5", "0", "<5"}, {"[c]", "[c]", "[c]"}, {"[c]", "[c]", "33"}}));
  EXPECT_EQ(t.cells[0][1], (Shown{0, Shown::Kind::kShown}));
}

TEST(SuppressionTest, EmptyAndDegenerateTables) {
  const SuppressedTable empty = Table({});
  EXPECT_TRUE(empty.cells.empty());
  EXPECT_TRUE(empty.row_totals.empty());
  EXPECT_TRUE(empty.column_totals.empty());
  EXPECT_EQ(empty.grand_total, (Shown{0, Shown::Kind::kShown}));

  const SuppressedTable no_columns = Table({{}, {}});
  EXPECT_EQ(Published(no_columns), (Texts{{"0"}, {"0"}, {"0"}}));
}

TEST(SuppressionTest, BadTablesAreRefused) {
  EXPECT_EQ(Suppress({{1, 2}, {3}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Suppress({{1, -2}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const int64_t big = std::numeric_limits<int64_t>::max() / 2 + 1;
  EXPECT_EQ(Suppress({{big, big}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Suppress({{big}, {big}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SuppressionTest, AListWithItsTotal) {
  absl::StatusOr<SuppressedList> list = SuppressList({3, 10, 20, 0});
  ASSERT_TRUE(list.ok()) << list.status();
  std::vector<std::string> texts;
  for (const Shown& s : list->counts) texts.push_back(s.Text());
  EXPECT_THAT(texts, ElementsAre("<5", "[c]", "20", "0"));
  EXPECT_EQ(list->total, (Shown{33, Shown::Kind::kShown}));

  list = SuppressList({2, 2});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->total.Text(), "<5");
  EXPECT_EQ(list->counts[1].Text(), "<5");

  list = SuppressList({12, 7});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->counts[1].Text(), "7");
  EXPECT_EQ(list->total.Text(), "19");

  list = SuppressList({});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->counts.empty());
  EXPECT_EQ(list->total.Text(), "0");

  EXPECT_EQ(SuppressList({-1}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Over many random small tables: totals are right, every count from 1 to 4
// is "<5" and nothing else is, zeros stay shown, and no line of the grid
// (rows, columns, the totals row and the totals column) hides exactly one
// entry.
TEST(SuppressionTest, NoLineEverHidesExactlyOneEntry) {
  std::mt19937 random(20260401);  // fixed: the same tables every run
  constexpr int kTables = 3000;
  constexpr int kMaxSide = 6;
  int secondaries = 0;
  for (int n = 0; n < kTables; ++n) {
    const size_t rows = 1 + random() % kMaxSide;
    const size_t columns = 1 + random() % kMaxSide;
    std::vector<std::vector<int64_t>> cells(rows,
                                            std::vector<int64_t>(columns));
    for (auto& row : cells) {
      for (int64_t& v : row) {
        // About a third small, a sixth zero, the rest large.
        const uint32_t pick = random() % 6;
        v = pick < 2 ? 1 + random() % 4 : pick < 3 ? 0 : 5 + random() % 40;
      }
    }
    const SuppressedTable t = Table(cells);
    const auto grid = Grid(t);
    ASSERT_EQ(grid.size(), rows + 1);

    int64_t grand = 0;
    for (size_t r = 0; r < rows; ++r) {
      int64_t sum = 0;
      for (size_t c = 0; c < columns; ++c) {
        ASSERT_EQ(grid[r][c].value, cells[r][c]);
        sum += cells[r][c];
      }
      ASSERT_EQ(t.row_totals[r].value, sum);
      grand += sum;
    }
    ASSERT_EQ(t.grand_total.value, grand);

    for (const auto& row : grid) {
      for (const Shown& s : row) {
        const bool small = s.value > 0 && s.value < kSmallestShown;
        ASSERT_EQ(s.kind == Shown::Kind::kPrimary, small) << "table " << n;
        if (s.value == 0) {
          ASSERT_FALSE(s.suppressed()) << "table " << n;
        }
        if (!s.suppressed()) {
          ASSERT_EQ(s.Text(), std::to_string(s.value));
        }
        secondaries += s.kind == Shown::Kind::kSecondary ? 1 : 0;
      }
    }
    for (size_t r = 0; r <= rows; ++r) {
      int hidden = 0;
      for (size_t c = 0; c <= columns; ++c) hidden += grid[r][c].suppressed();
      ASSERT_NE(hidden, 1) << "table " << n << " grid row " << r;
    }
    for (size_t c = 0; c <= columns; ++c) {
      int hidden = 0;
      for (size_t r = 0; r <= rows; ++r) hidden += grid[r][c].suppressed();
      ASSERT_NE(hidden, 1) << "table " << n << " grid column " << c;
    }
  }
  // The tables exercised secondary suppression, not just primary.
  EXPECT_GT(secondaries, kTables);
}

}  // namespace
}  // namespace frontdoor::report
