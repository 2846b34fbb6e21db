#include "common/store/sqlite_store.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/store/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace frontdoor::store {
namespace {

using ::testing::HasSubstr;

std::vector<Migration> TestMigrations() {
  return {{"test/001_values", "CREATE TABLE values_table (t TEXT, b BLOB);"}};
}

TEST(RewritePlaceholdersTest, RewritesRepeatedAndOutOfOrder) {
  EXPECT_EQ(sqlite_internal::RewritePlaceholders(
                "SELECT $2, $1, $2 FROM t WHERE a = $10"),
            "SELECT ?2, ?1, ?2 FROM t WHERE a = ?10");
}

TEST(RewritePlaceholdersTest, LeavesQuotedTextAndCommentsAlone) {
  EXPECT_EQ(sqlite_internal::RewritePlaceholders(
                "SELECT '$1', 'it''s $2', \"col$3\", $1 -- $4\n/* $5 */ $2"),
            "SELECT '$1', 'it''s $2', \"col$3\", ?1 -- $4\n/* $5 */ ?2");
  // PostgreSQL allows '$' inside identifiers.
  EXPECT_EQ(sqlite_internal::RewritePlaceholders("SELECT a$1 FROM t"),
            "SELECT a$1 FROM t");
}

TEST(StatusFromSqliteTest, MapsCodes) {
  EXPECT_EQ(
      sqlite_internal::StatusFromSqlite(5 /*SQLITE_BUSY*/, "x", "m").code(),
      absl::StatusCode::kUnavailable);
  const absl::Status s =
      sqlite_internal::StatusFromSqlite(1 /*SQLITE_ERROR*/, "ctx", "boom");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("ctx"));
  EXPECT_THAT(s.message(), HasSubstr("boom"));
}

// A fresh SQLite file per test, removed afterwards.
class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = frontdoor::testing::FreshTestDir("sqlite");
    options_.path = (dir_ / "test.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  SqliteOptions options_;
};

TEST_F(SqliteStoreTest, InMemoryDatabaseRejectedForWantOfWal) {
  options_.path = ":memory:";
  auto store = OpenSqliteStore(options_, {});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
}

// SQLite keeps text and blobs apart, and text may hold NUL bytes.
TEST_F(SqliteStoreTest, TextWithNulAndBlobKeepTheirTypes) {
  auto store = OpenSqliteStore(options_, TestMigrations());
  ASSERT_TRUE(store.ok()) << store.status();
  const std::string text_with_nul("a\0b\xc3\xa9\0", 6);
  ASSERT_TRUE((*store)
                  ->WriteSync([&](Tx& tx) {
                    return tx
                        .Exec("INSERT INTO values_table (t, b) VALUES ($1, $2)",
                              {text_with_nul, Blob{text_with_nul}})
                        .status();
                  })
                  .ok());
  std::vector<Row> rows;
  ASSERT_TRUE((*store)
                  ->Read([&](Tx& tx) {
                    auto result =
                        tx.Query("SELECT t, b, typeof(t), typeof(b) FROM values_table");
                    if (!result.ok()) return result.status();
                    rows = *std::move(result);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(rows[0].at(0)), text_with_nul);
  EXPECT_EQ(std::get<Blob>(rows[0].at(1)).bytes, text_with_nul);
  EXPECT_EQ(rows[0].Text(2), "text");
  EXPECT_EQ(rows[0].Text(3), "blob");
}

TEST(RowTest, AccessorsByType) {
  Row row({int64_t{42}, 2.5, std::string("s"), Blob{"b"}, std::monostate()});
  EXPECT_EQ(row.size(), 5u);
  EXPECT_EQ(row.Int(0), 42);
  EXPECT_EQ(row.Int(1), 2);
  EXPECT_EQ(row.Text(2), "s");
  EXPECT_EQ(row.Text(3), "b");
  EXPECT_EQ(row.Text(0), "");
  EXPECT_TRUE(row.IsNull(4));
  EXPECT_FALSE(row.IsNull(0));
}

}  // namespace
}  // namespace frontdoor::store
