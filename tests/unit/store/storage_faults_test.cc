// Storage faults on the SQLite backend, injected in-process with a VFS that
// fails on demand (tests/testing/faulty_vfs.h): an fsync error on a commit
// ends the process without acknowledging; a full disk answers UNAVAILABLE,
// makes the store unhealthy until a write commits again, and gives the
// WAL's space back.

#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/store/group_commit.h"
#include "common/store/sqlite_store.h"
#include "common/store/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/faulty_vfs.h"
#include "tests/testing/temp_dir.h"

namespace frontdoor::store {
namespace {

// Longest a test waits for something the store does on its own.
constexpr absl::Duration kWaitLimit = absl::Seconds(10);
// Writes tried while the disk is full.
constexpr int kWritesWhileFull = 20;
// A probe interval so long that only the test's own writes change health.
constexpr absl::Duration kNoProbe = absl::Hours(1);
constexpr absl::Duration kQuickProbe = absl::Milliseconds(10);

// Exit codes of the death test's child when it did NOT die as it should.
constexpr int kChildCouldNotOpen = 90;
constexpr int kChildAcknowledged = 91;
constexpr int kChildGotAnError = 92;
constexpr int kChildStillRunning = 93;

std::vector<Migration> Migrations() {
  return {{"faults/001_rows",
           "CREATE TABLE rows_table (id INTEGER PRIMARY KEY, v TEXT NOT NULL);"}};
}

Work Insert(int64_t id) {
  return [id](Tx& tx) {
    return tx
        .Exec("INSERT INTO rows_table (id, v) VALUES ($1, $2)",
              {id, std::string("committed")})
        .status();
  };
}

std::string QueryText(Store& store, const std::string& sql) {
  std::string out;
  absl::Status status = store.Read([&](Tx& tx) {
    auto rows = tx.Query(sql);
    if (!rows.ok()) return rows.status();
    for (const Row& row : *rows) out += row.Text(0) + ";";
    return absl::OkStatus();
  });
  return status.ok() ? out : std::string(status.ToString());
}

int64_t CountRows(Store& store) {
  int64_t n = -1;
  EXPECT_TRUE(store
                  .Read([&](Tx& tx) {
                    auto rows = tx.Query("SELECT count(*) FROM rows_table");
                    if (!rows.ok()) return rows.status();
                    n = (*rows)[0].Int(0);
                    return absl::OkStatus();
                  })
                  .ok());
  return n;
}

TEST(StorageFaultKindTest, FsyncAndWriteErrorsAreFatalFullIsNot) {
  using internal::Fault;
  using internal::FaultOf;
  using sqlite_internal::StatusFromSqlite;
  for (int code : {SQLITE_IOERR_FSYNC, SQLITE_IOERR_WRITE,
                   SQLITE_IOERR_DIR_FSYNC, SQLITE_IOERR_TRUNCATE}) {
    const absl::Status s = StatusFromSqlite(code, "COMMIT", "disk I/O error");
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << code;
    EXPECT_EQ(FaultOf(s), Fault::kWriteIo) << code;
  }
  const absl::Status full = StatusFromSqlite(SQLITE_FULL, "COMMIT", "full");
  EXPECT_EQ(full.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(FaultOf(full), Fault::kStorageFull);
  // A failed read says nothing about what was written.
  EXPECT_EQ(FaultOf(StatusFromSqlite(SQLITE_IOERR_READ, "SELECT", "io")),
            Fault::kNone);
  EXPECT_EQ(FaultOf(StatusFromSqlite(SQLITE_BUSY, "BEGIN", "busy")),
            Fault::kNone);
}

class StorageFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::RegisterFaultyVfs();
    testing::SetDiskFull(false);
    testing::SetFsyncFails(false);
    dir_ = testing::FreshTestDir("faults");
    options_.path = (dir_ / "faults.db").string();
    options_.vfs = testing::kFaultyVfsName;
    options_.health_probe_interval = kNoProbe;
  }
  void TearDown() override {
    testing::SetDiskFull(false);
    testing::SetFsyncFails(false);
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<Store> Open() {
    auto store = OpenSqliteStore(options_, Migrations());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::filesystem::path dir_;
  SqliteOptions options_;
};

// What a store's health listener has been told.
class HealthRecord {
 public:
  HealthListener Listener() {
    return [this](bool healthy) {
      absl::MutexLock lock(&mu_);
      states_.push_back(healthy);
    };
  }
  std::vector<bool> states() {
    absl::MutexLock lock(&mu_);
    return states_;
  }
  // Waits (bounded) until the latest state is `healthy`.
  bool AwaitLatest(bool healthy, absl::Duration limit) {
    absl::MutexLock lock(&mu_);
    const auto latest_is = [&] {
      return !states_.empty() && states_.back() == healthy;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&latest_is), limit);
  }

 private:
  absl::Mutex mu_;
  std::vector<bool> states_ ABSL_GUARDED_BY(mu_);
};

using StorageFaultsDeathTest = StorageFaultsTest;

// The fsyncgate lesson: after fsync fails the process cannot know what is
// on disk, so it must not acknowledge that write or any later one. It ends
// with kFatalStorageErrorExitCode and a JSON log line; a restart recovers.
TEST_F(StorageFaultsDeathTest, FsyncErrorOnCommitEndsTheProcessUnacknowledged) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->WriteSync(Insert(1)).ok());
    store->Close();  // no store thread may exist when the test forks
  }
  EXPECT_EXIT(
      {
        auto store = OpenSqliteStore(options_, Migrations());
        if (!store.ok()) std::_Exit(kChildCouldNotOpen);
        testing::SetFsyncFails(true);
        const auto answer = [](absl::Status status) {
          std::_Exit(status.ok() ? kChildAcknowledged : kChildGotAnError);
        };
        (*store)->Write(Insert(2), answer);
        (*store)->Write(Insert(3), answer);
        absl::Notification never;
        never.WaitForNotificationWithTimeout(kWaitLimit);
        std::_Exit(kChildStillRunning);
      },
      ::testing::ExitedWithCode(kFatalStorageErrorExitCode),
      R"(\{.*"event":"store\.fatal_io_error".*\})");

  // The restart: SQLite recovers from the WAL. Whether row 2 or 3 reached
  // the disk is unknown (they were never acknowledged); row 1 was.
  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(QueryText(*reopened, "PRAGMA integrity_check"), "ok;");
  EXPECT_EQ(QueryText(*reopened, "SELECT v FROM rows_table WHERE id = 1"),
            "committed;");
  EXPECT_TRUE(reopened->WriteSync(Insert(4)).ok());
  EXPECT_TRUE(reopened->Healthy());
}

// A full disk is not fatal: UNAVAILABLE (never OK) while full, unhealthy
// until a write commits again, the WAL truncated once there is room, and
// what was committed before intact.
TEST_F(StorageFaultsTest, DiskFullIsUnavailableAndUnhealthyUntilAWriteCommits) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  HealthRecord health;
  store->SetHealthListener(health.Listener());
  ASSERT_TRUE(store->WriteSync(Insert(1)).ok());
  EXPECT_TRUE(store->Healthy());

  testing::SetDiskFull(true);
  for (int i = 0; i < kWritesWhileFull; ++i) {
    const absl::Status s = store->WriteSync(Insert(100 + i));
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  }
  EXPECT_FALSE(store->Healthy());

  testing::SetDiskFull(false);
  ASSERT_TRUE(store->WriteSync(Insert(2)).ok());
  EXPECT_TRUE(store->Healthy());
  EXPECT_EQ(health.states(), (std::vector<bool>{true, false, true}));
  // Freed space is reused: the WAL was checkpointed and cut to nothing
  // before the write that recovered was acknowledged.
  EXPECT_EQ(std::filesystem::file_size(options_.path + "-wal"), 0u);
  EXPECT_EQ(CountRows(*store), 2);
  EXPECT_EQ(QueryText(*store, "PRAGMA integrity_check"), "ok;");
  store->SetHealthListener(nullptr);
}

// Unhealthy means no traffic (readiness off), so the store finds out by
// itself that the disk has room again.
TEST_F(StorageFaultsTest, RecoversWithoutOutsideWritesByProbing) {
  options_.health_probe_interval = kQuickProbe;
  auto store = Open();
  ASSERT_NE(store, nullptr);
  HealthRecord health;
  store->SetHealthListener(health.Listener());
  testing::SetDiskFull(true);
  EXPECT_EQ(store->WriteSync(Insert(1)).code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(store->Healthy());
  testing::SetDiskFull(false);
  EXPECT_TRUE(health.AwaitLatest(true, kWaitLimit)) << "never healthy again";
  EXPECT_TRUE(store->Healthy());
  EXPECT_EQ(CountRows(*store), 0);
  store->SetHealthListener(nullptr);
}

}  // namespace
}  // namespace frontdoor::store
