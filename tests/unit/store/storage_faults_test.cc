// Storage faults on the SQLite backend, injected in-process with a VFS that
// fails on demand (tests/testing/faulty_vfs.h): an fsync error on a commit
// ends the process without acknowledging; a full disk answers UNAVAILABLE,
// makes the store unhealthy until a write commits again, and gives the
// WAL's space back.

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
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

// The same on a real full disk: a small tmpfs the test mounts (as root;
// skipped with the reason where mounting is not permitted), filled up with
// a file that is then removed, with SQLite's own VFS seeing ENOSPC.
class TmpfsDiskFullTest : public ::testing::Test {
 protected:
  // Small enough to fill quickly, large enough for the database, its WAL
  // and its shared-memory index.
  static constexpr char kTmpfsOptions[] = "size=2m";
  static constexpr size_t kFillChunkBytes = 64 * 1024;
  static constexpr int kMaxFillChunks = 64;  // 4 MiB: more than the tmpfs
  static constexpr size_t kRowBytes = 16 * 1024;

  void SetUp() override {
    dir_ = testing::FreshTestDir("tmpfs-full");
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, kTmpfsOptions) != 0) {
      const int error = errno;
      std::filesystem::remove_all(dir_);
      GTEST_SKIP() << "cannot mount a tmpfs to fill (needs root or "
                      "CAP_SYS_ADMIN): "
                   << std::strerror(error);
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::filesystem::remove_all(dir_);
  }

  // Fills the file system with `path` until ENOSPC (bounded).
  void Fill(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    const std::string chunk(kFillChunkBytes, 'x');
    bool full = false;
    for (int i = 0; i < kMaxFillChunks && !full; ++i) {
      full = ::write(fd, chunk.data(), chunk.size()) !=
             static_cast<ssize_t>(chunk.size());
    }
    // Smaller writes take the last partial pages too.
    for (int i = 0; i < kMaxFillChunks * 16 && full; ++i) {
      if (::write(fd, chunk.data(), 4096) <= 0) break;
    }
    ::close(fd);
    ASSERT_TRUE(full) << "the tmpfs never filled up";
  }

  std::filesystem::path dir_;
  bool mounted_ = false;
};

TEST_F(TmpfsDiskFullTest, FullIsUnavailableUnhealthyAndRecoversOnceFreed) {
  SqliteOptions options;
  options.path = (dir_ / "full.db").string();
  options.health_probe_interval = kNoProbe;
  auto opened = OpenSqliteStore(options, Migrations());
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<Store> store = *std::move(opened);
  const auto insert = [&](int64_t id) {
    return store->WriteSync([id](Tx& tx) {
      return tx
          .Exec("INSERT INTO rows_table (id, v) VALUES ($1, $2)",
                {id, std::string(kRowBytes, 'r')})
          .status();
    });
  };
  ASSERT_TRUE(insert(1).ok());

  const std::filesystem::path filler = dir_ / "filler";
  Fill(filler);
  for (int i = 0; i < kWritesWhileFull; ++i) {
    const absl::Status s = insert(100 + i);
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  }
  EXPECT_FALSE(store->Healthy());

  std::filesystem::remove(filler);
  ASSERT_TRUE(insert(2).ok());
  EXPECT_TRUE(store->Healthy());
  EXPECT_EQ(std::filesystem::file_size(options.path + "-wal"), 0u);
  EXPECT_EQ(CountRows(*store), 2);
  EXPECT_EQ(QueryText(*store, "PRAGMA integrity_check"), "ok;");
  store->Close();
}

}  // namespace
}  // namespace frontdoor::store
