#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/status/errors.h"
#include "common/store/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"
#include "tests/testing/temp_dir.h"

namespace frontdoor::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kItemsMigrationName[] = "test/001_items";
constexpr char kItemsSchema[] =
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);"
    "CREATE TABLE values_table (id INTEGER PRIMARY KEY, i INTEGER, r REAL, "
    "t TEXT, b BLOB, n TEXT);";

std::vector<Migration> TestMigrations() {
  return {{kItemsMigrationName, kItemsSchema}};
}

// The Store contract, on each backend: a fresh SQLite file, or a fresh
// schema on the test PostgreSQL server (tests/testing/test_store.h).
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTestDir("store");
    location_ = testing::TestStoreLocation(dir_, "test");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  absl::StatusOr<std::unique_ptr<Store>> Open(
      const std::vector<Migration>& migrations) {
    if (IsPostgresUrl(location_)) {
      PostgresOptions options;
      options.url = location_;
      options.max_batch = max_batch_;
      options.read_connections = read_connections_;
      return OpenPostgresStore(options, migrations);
    }
    SqliteOptions options;
    options.path = location_;
    options.max_batch = max_batch_;
    options.read_connections = read_connections_;
    return OpenSqliteStore(options, migrations);
  }

  std::unique_ptr<Store> OpenOrDie(
      const std::vector<Migration>& migrations = TestMigrations()) {
    auto store = Open(migrations);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  absl::StatusOr<std::vector<Row>> QueryRows(Store& store, std::string sql,
                                             Params params = {}) {
    std::vector<Row> rows;
    absl::Status status = store.Read([&](Tx& tx) {
      auto result = tx.Query(sql, params);
      if (!result.ok()) {
        return result.status();
      }
      rows = *std::move(result);
      return absl::OkStatus();
    });
    if (!status.ok()) {
      return status;
    }
    return rows;
  }

  int64_t CountItems(Store& store) {
    auto rows = QueryRows(store, "SELECT COUNT(*) FROM items");
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? (*rows)[0].Int(0) : -1;
  }

  std::filesystem::path dir_;
  std::string location_;
  int max_batch_ = 256;
  int read_connections_ = 4;
};

absl::Status InsertItem(Store& store, const std::string& name) {
  return store.WriteSync([&](Tx& tx) {
    return tx.Exec("INSERT INTO items (name) VALUES ($1)", {name}).status();
  });
}

TEST_F(StoreTest, MigrationsAppliedOnceAcrossReopen) {
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(InsertItem(*store, "a").ok());
  }
  // Reopening with the same list must not re-run the CREATE TABLEs (which
  // would fail) and must keep the data.
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(CountItems(*store), 1);
  auto rows = QueryRows(*store, "SELECT name FROM schema_migrations");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Text(0), kItemsMigrationName);
}

TEST_F(StoreTest, LaterMigrationAppliedOnReopen) {
  { ASSERT_NE(OpenOrDie(), nullptr); }
  std::vector<Migration> migrations = TestMigrations();
  migrations.push_back({"test/002_extra",
                        "CREATE TABLE extra (x INTEGER); "
                        "INSERT INTO extra (x) VALUES (7);"});
  auto store = OpenOrDie(migrations);
  ASSERT_NE(store, nullptr);
  auto rows = QueryRows(*store, "SELECT x FROM extra");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Int(0), 7);
}

TEST_F(StoreTest, FailingMigrationNamedAndRolledBack) {
  std::vector<Migration> migrations = TestMigrations();
  migrations.push_back({"test/002_broken",
                        "CREATE TABLE half (x INTEGER); CREATE TABLE oops ("});
  auto store = Open(migrations);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr("test/002_broken"));

  // The good migration stays applied; the broken one left nothing behind.
  auto reopened = OpenOrDie();
  ASSERT_NE(reopened, nullptr);
  EXPECT_FALSE(QueryRows(*reopened, "SELECT COUNT(*) FROM half").ok());
  auto rows = QueryRows(*reopened, "SELECT name FROM schema_migrations");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->size(), 1u);
}

TEST_F(StoreTest, DuplicateMigrationNameRejected) {
  std::vector<Migration> migrations = TestMigrations();
  migrations.push_back(migrations.front());
  auto store = Open(migrations);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ValuesRoundTripByteForByte) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  // Text is UTF-8 without NUL bytes (PostgreSQL's text cannot hold NUL;
  // bytes go in a Blob).
  const std::string text("a b\xc3\xa9'\\$1");
  const std::string blob_bytes("\0\x01\xff\0z", 5);
  const int64_t big = INT64_MIN;
  const double real = -1.25e-300;
  ASSERT_TRUE(store
                  ->WriteSync([&](Tx& tx) {
                    return tx
                        .Exec(
                            "INSERT INTO values_table (i, r, t, b, n) "
                            "VALUES ($1, $2, $3, $4, $5)",
                            {big, real, text, Blob{blob_bytes},
                             std::monostate()})
                        .status();
                  })
                  .ok());
  ASSERT_TRUE(store
                  ->WriteSync([&](Tx& tx) {
                    return tx
                        .Exec("INSERT INTO values_table (t, b) VALUES ($1, $2)",
                              {std::string(), Blob{}})
                        .status();
                  })
                  .ok());
  auto rows = QueryRows(*store,
                        "SELECT i, r, t, b, n FROM values_table ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  const Row& row = (*rows)[0];
  EXPECT_EQ(std::get<int64_t>(row.at(0)), big);
  EXPECT_EQ(std::get<double>(row.at(1)), real);
  EXPECT_EQ(std::get<std::string>(row.at(2)), text);
  EXPECT_EQ(std::get<Blob>(row.at(3)).bytes, blob_bytes);
  EXPECT_EQ(row.Text(3), blob_bytes);
  EXPECT_TRUE(row.IsNull(4));
  EXPECT_EQ(row.Int(4), 0);
  EXPECT_EQ(row.Text(4), "");
  // Empty text and empty blob stay empty values of their type, not NULL.
  const Row& empty = (*rows)[1];
  EXPECT_EQ(std::get<std::string>(empty.at(2)), "");
  EXPECT_EQ(std::get<Blob>(empty.at(3)).bytes, "");
}

TEST_F(StoreTest, PlaceholdersBindByNumber) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  auto rows = QueryRows(*store, "SELECT $2, $1, $2 || '$1', '$1'",
                        {std::string("one"), std::string("two")});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  const Row& row = (*rows)[0];
  EXPECT_EQ(row.Text(0), "two");
  EXPECT_EQ(row.Text(1), "one");
  EXPECT_EQ(row.Text(2), "two$1");
  EXPECT_EQ(row.Text(3), "$1");
}

TEST_F(StoreTest, WrongParameterCountIsInvalidArgument) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(QueryRows(*store, "SELECT $1, $2", {int64_t{1}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(QueryRows(*store, "SELECT 1; SELECT 2").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, UniqueViolationIsAlreadyExists) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(InsertItem(*store, "dup").ok());
  const absl::Status second = InsertItem(*store, "dup");
  EXPECT_EQ(second.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(absl::AsciiStrToLower(second.message()), HasSubstr("unique"));
  const absl::Status not_null = store->WriteSync([](Tx& tx) {
    return tx.Exec("INSERT INTO items (name) VALUES (NULL)").status();
  });
  EXPECT_EQ(not_null.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CountItems(*store), 1);
}

// The database's own errors are marked as internal detail (the gRPC edge
// hides their text); a unit of work's own error passes through as it is.
TEST_F(StoreTest, DatabaseErrorsAreMarkedInternalDetail) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(InsertItem(*store, "dup").ok());
  EXPECT_TRUE(HasInternalDetail(InsertItem(*store, "dup")));
  EXPECT_TRUE(HasInternalDetail(QueryRows(*store, "SELECT nope FROM items").status()));
  const absl::Status own = store->WriteSync(
      [](Tx&) { return absl::NotFoundError("no referral FD-X"); });
  EXPECT_EQ(own.code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(HasInternalDetail(own));
}

TEST_F(StoreTest, ReadConnectionsCannotWrite) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const absl::Status status = store->Read([](Tx& tx) {
    return tx.Exec("INSERT INTO items (name) VALUES ('x')").status();
  });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(CountItems(*store), 0);
}

TEST_F(StoreTest, ExecReportsRowsChanged) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(InsertItem(*store, "a").ok());
  ASSERT_TRUE(InsertItem(*store, "b").ok());
  int64_t changed = -1;
  ASSERT_TRUE(store
                  ->WriteSync([&](Tx& tx) {
                    auto n = tx.Exec("UPDATE items SET name = name || '!'");
                    if (!n.ok()) return n.status();
                    changed = *n;
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(changed, 2);
}

// Many writers in flight at once share batches; each unit's outcome must be
// its own: failing units leave nothing, the others all commit.
TEST_F(StoreTest, GroupCommitIsolatesFailingUnits) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 4;
  constexpr int kWritesPerThread = 250;
  constexpr int kFailEvery = 7;
  constexpr int kTotal = kThreads * kWritesPerThread;

  absl::Mutex mu;
  std::vector<absl::Status> results(kTotal);
  absl::BlockingCounter all_done(kTotal);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kWritesPerThread; ++k) {
        const int id = t * kWritesPerThread + k;
        const bool fail = id % kFailEvery == 0;
        store->Write(
            [id, fail](Tx& tx) -> absl::Status {
              auto n = tx.Exec("INSERT INTO items (id, name) VALUES ($1, $2)",
                               {int64_t{id}, absl::StrCat("item-", id)});
              if (!n.ok()) {
                return n.status();
              }
              // Fails after writing, so the savepoint must undo the insert.
              if (fail) {
                return absl::AbortedError(absl::StrCat("unit ", id));
              }
              return absl::OkStatus();
            },
            [&, id](absl::Status status) {
              {
                absl::MutexLock lock(&mu);
                results[id] = std::move(status);
              }
              all_done.DecrementCount();
            });
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  all_done.Wait();

  int expected_rows = 0;
  for (int id = 0; id < kTotal; ++id) {
    absl::MutexLock lock(&mu);
    if (id % kFailEvery == 0) {
      EXPECT_EQ(results[id].code(), absl::StatusCode::kAborted) << id;
      EXPECT_THAT(results[id].message(), HasSubstr(absl::StrCat(id))) << id;
    } else {
      EXPECT_TRUE(results[id].ok()) << id << ": " << results[id];
      ++expected_rows;
    }
  }
  auto rows = QueryRows(*store, "SELECT id FROM items WHERE id % $1 = 0",
                        {int64_t{kFailEvery}});
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_TRUE(rows->empty());
  EXPECT_EQ(CountItems(*store), expected_rows);
}

// Holds the writer inside one unit while more queue up, so that the queued
// units (a failing one in the middle) are certain to share the next batch.
TEST_F(StoreTest, FailingUnitInMiddleOfOneBatchRollsBackAlone) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  absl::Notification writer_busy;
  absl::Notification release_writer;
  store->Write(
      [&](Tx& tx) {
        writer_busy.Notify();
        release_writer.WaitForNotification();
        return tx.Exec("INSERT INTO items (name) VALUES ('gate')").status();
      },
      nullptr);
  writer_busy.WaitForNotification();

  constexpr int kQueued = 5;
  constexpr int kFailing = 2;
  absl::Mutex mu;
  std::vector<absl::Status> results(kQueued);
  absl::BlockingCounter done(kQueued);
  for (int i = 0; i < kQueued; ++i) {
    store->Write(
        [i](Tx& tx) -> absl::Status {
          if (i == kFailing) {
            // A constraint violation after a successful insert.
            auto first = tx.Exec("INSERT INTO items (name) VALUES ('dup')");
            if (!first.ok()) {
              return first.status();
            }
            return tx.Exec("INSERT INTO items (name) VALUES ('dup')").status();
          }
          return tx
              .Exec("INSERT INTO items (name) VALUES ($1)",
                    {absl::StrCat("q", i)})
              .status();
        },
        [&, i](absl::Status status) {
          {
            absl::MutexLock lock(&mu);
            results[i] = std::move(status);
          }
          done.DecrementCount();
        });
  }
  release_writer.Notify();
  done.Wait();
  absl::MutexLock lock(&mu);
  for (int i = 0; i < kQueued; ++i) {
    if (i == kFailing) {
      EXPECT_EQ(results[i].code(), absl::StatusCode::kAlreadyExists);
    } else {
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i];
    }
  }
  auto rows = QueryRows(*store, "SELECT name FROM items ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::vector<std::string> names;
  for (const Row& row : *rows) {
    names.push_back(row.Text(0));
  }
  EXPECT_THAT(names, ElementsAre("gate", "q0", "q1", "q3", "q4"));
}

TEST_F(StoreTest, SmallBatchLimitStillCommitsEverything) {
  max_batch_ = 1;
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  constexpr int kWrites = 20;
  absl::BlockingCounter done(kWrites);
  std::atomic<int> ok{0};
  for (int i = 0; i < kWrites; ++i) {
    store->Write(
        [i](Tx& tx) {
          return tx
              .Exec("INSERT INTO items (name) VALUES ($1)",
                    {absl::StrCat("n", i)})
              .status();
        },
        [&](const absl::Status& status) {
          if (status.ok()) {
            ++ok;
          }
          done.DecrementCount();
        });
  }
  done.Wait();
  EXPECT_EQ(ok.load(), kWrites);
  EXPECT_EQ(CountItems(*store), kWrites);
}

TEST_F(StoreTest, AcknowledgedWritesSurviveCloseAndReopen) {
  constexpr int kWrites = 50;
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < kWrites; ++i) {
      ASSERT_TRUE(InsertItem(*store, absl::StrCat("durable-", i)).ok());
    }
  }
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(CountItems(*store), kWrites);
}

TEST_F(StoreTest, SlowDoneCallbackDoesNotHoldUpLaterCommits) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  absl::Notification release_first;
  absl::Notification first_done;
  store->Write(
      [](Tx& tx) {
        return tx.Exec("INSERT INTO items (name) VALUES ('first')").status();
      },
      [&](const absl::Status& status) {
        EXPECT_TRUE(status.ok()) << status;
        release_first.WaitForNotification();
        first_done.Notify();
      });
  // The first caller is still being answered; the writer commits the next
  // unit meanwhile (its work runs, and the row is readable).
  absl::Notification second_ran;
  store->Write(
      [&](Tx& tx) {
        second_ran.Notify();
        return tx.Exec("INSERT INTO items (name) VALUES ('second')").status();
      },
      nullptr);
  EXPECT_TRUE(second_ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  for (int i = 0; i < 1000 && CountItems(*store) < 2; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(CountItems(*store), 2);
  EXPECT_FALSE(first_done.HasBeenNotified());
  release_first.Notify();
  store->Close();  // Waits for every done callback.
  EXPECT_TRUE(first_done.HasBeenNotified());
}

TEST_F(StoreTest, CloseDrainsQueuedWritesThenRejects) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  constexpr int kQueued = 100;
  std::atomic<int> committed{0};
  for (int i = 0; i < kQueued; ++i) {
    store->Write(
        [i](Tx& tx) {
          return tx
              .Exec("INSERT INTO items (name) VALUES ($1)",
                    {absl::StrCat("q", i)})
              .status();
        },
        [&](const absl::Status& status) {
          if (status.ok()) {
            ++committed;
          }
        });
  }
  store->Close();
  EXPECT_EQ(committed.load(), kQueued);

  absl::Status after;
  bool called = false;
  store->Write([](Tx&) { return absl::OkStatus(); },
               [&](absl::Status status) {
                 called = true;
                 after = std::move(status);
               });
  EXPECT_TRUE(called);
  EXPECT_EQ(after.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store->WriteSync([](Tx&) { return absl::OkStatus(); }).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store->Read([](Tx&) { return absl::OkStatus(); }).code(),
            absl::StatusCode::kUnavailable);
  store->Close();  // Idempotent.

  auto reopened = OpenOrDie();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(CountItems(*reopened), kQueued);
}

TEST_F(StoreTest, ReadSeesConsistentSnapshot) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(InsertItem(*store, "before").ok());
  int64_t first = -1;
  int64_t second = -1;
  const absl::Status status = store->Read([&](Tx& tx) {
    auto rows = tx.Query("SELECT COUNT(*) FROM items");
    if (!rows.ok()) {
      return rows.status();
    }
    first = (*rows)[0].Int(0);
    // A commit made while this read is open is not visible to it.
    if (auto s = InsertItem(*store, "during"); !s.ok()) {
      return s;
    }
    rows = tx.Query("SELECT COUNT(*) FROM items");
    if (!rows.ok()) {
      return rows.status();
    }
    second = (*rows)[0].Int(0);
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  EXPECT_EQ(CountItems(*store), 2);
}

TEST_F(StoreTest, ConcurrentReadersShareThePool) {
  read_connections_ = 2;
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(InsertItem(*store, "x").ok());
  constexpr int kThreads = 6;
  constexpr int kReadsPerThread = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kReadsPerThread; ++i) {
        if (CountItems(*store) == 1) {
          ++ok;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(ok.load(), kThreads * kReadsPerThread);
}

}  // namespace
}  // namespace frontdoor::store
