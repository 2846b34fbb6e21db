// FAULT-MATRIX rows 27 and 30, at the process level: intake-svc's database
// on a real full disk. On SQLite (the plain run) the database file itself
// is on a small tmpfs the test mounts; on PostgreSQL (the ".postgres" run)
// intake's tables are in a tablespace on that tmpfs (default_tablespace in
// the connection's options), so that the table files cannot grow while the
// server's own WAL, elsewhere, can. The tmpfs is filled with a file: writes
// answer UNAVAILABLE (never OK for what is not stored), readiness and
// frontdoor_store_healthy go NOT_SERVING / 0; the file removed, the same
// submission (same key) is taken and readiness is SERVING again.
// Skipped with the reason where mounting a tmpfs is not permitted.

#include <fcntl.h>
#include <pwd.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "tests/fault/fault_fixture.h"
#include "tests/testing/test_store.h"

namespace frontdoor::fault {
namespace {

// Large enough for the database (or the tables), small enough to fill fast.
constexpr char kTmpfsSize[] = "size=4m";
constexpr size_t kFillChunkBytes = 64 * 1024;
constexpr int kMaxFillChunks = 128;  // 8 MiB: more than the tmpfs
// Most submissions made while the disk is full, waiting for the refusal.
constexpr int kMostSubmissionsWhenFull = 200;
constexpr absl::Duration kRecoveryTimeout = absl::Seconds(30);

class DiskFullTest : public FaultTest {
 protected:
  void SetUp() override {
    FaultTest::SetUp();
    small_ = dir_ / "small";
    std::filesystem::create_directories(small_);
    std::string options = kTmpfsSize;
    const passwd* postgres = getpwnam("postgres");
    if (testing::OnPostgres() && postgres != nullptr) {
      // The server runs as "postgres": the tablespace must be its own.
      options += absl::StrCat(",uid=", postgres->pw_uid, ",gid=", postgres->pw_gid);
    }
    if (::mount("tmpfs", small_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs to fill (needs root or "
                      "CAP_SYS_ADMIN): "
                   << std::strerror(errno);
    }
    mounted_ = true;
    filler_ = small_ / "filler";
    if (!testing::OnPostgres()) {
      intake_store_ = (small_ / "intake.db").string();
      intake_config_.mutable_store()->set_sqlite_path(intake_store_);
      return;
    }
    absl::StatusOr<std::string> server = testing::PostgresServerUrl();
    ASSERT_TRUE(server.ok()) << server.status();
    server_url_ = *server;
    tablespace_ = absl::StrCat("fault_small_", getpid());
    const std::string location = (small_ / "ts").string();
    std::filesystem::create_directories(location);
    if (postgres != nullptr) {
      ASSERT_EQ(::chown(location.c_str(), postgres->pw_uid, postgres->pw_gid), 0);
    }
    ASSERT_EQ(Psql(absl::StrCat("CREATE TABLESPACE ", tablespace_, " LOCATION '",
                                location, "'")),
              0);
    std::string url = intake_config_.store().postgres_url();
    const size_t at = url.find("options=");
    ASSERT_NE(at, std::string::npos) << url;
    url.insert(at + std::strlen("options="),
               absl::StrCat("-cdefault_tablespace%3D", tablespace_, "%20"));
    intake_config_.mutable_store()->set_postgres_url(url);
    intake_store_ = url;
  }

  void TearDown() override {
    if (intake_ != nullptr) intake_->Kill();
    if (!tablespace_.empty()) {
      absl::StatusOr<std::vector<std::vector<std::string>>> schema = QueryStore(
          intake_store_, "SELECT current_schema()");
      if (schema.ok() && !schema->empty()) {
        Psql(absl::StrCat("DROP SCHEMA IF EXISTS ", (*schema)[0][0], " CASCADE"));
      }
      Psql(absl::StrCat("DROP TABLESPACE IF EXISTS ", tablespace_));
    }
    if (mounted_) ::umount2(small_.c_str(), MNT_DETACH);
  }

  int Psql(const std::string& sql) {
    return std::system(absl::StrCat("psql '", server_url_, "' -Xqc \"", sql,
                                    "\" >/dev/null")
                           .c_str());
  }

  // Fills the tmpfs with `filler_` until ENOSPC (bounded).
  void Fill() {
    const int fd = ::open(filler_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    const std::string chunk(kFillChunkBytes, 'x');
    bool full = false;
    for (int i = 0; i < kMaxFillChunks && !full; ++i) {
      full = ::write(fd, chunk.data(), chunk.size()) !=
             static_cast<ssize_t>(chunk.size());
    }
    for (int i = 0; i < kMaxFillChunks * 16 && full; ++i) {
      if (::write(fd, chunk.data(), 4096) <= 0) break;
    }
    ::close(fd);
    ASSERT_TRUE(full) << "the tmpfs never filled up";
  }

  std::filesystem::path small_;
  std::filesystem::path filler_;
  bool mounted_ = false;
  std::string server_url_;
  std::string tablespace_;
};

TEST_F(DiskFullTest, FullDiskIsUnavailableAndNotReadyAndRecoversOnceFreed) {
  PrepareIntake();
  StartIntake();
  auto client = IntakeAs();
  const common::v1::Referral referral = Example("adult-victim.json");
  std::vector<std::string> acked;
  ASSERT_TRUE(client->Submit("before-full", referral).ok());
  acked.push_back("before-full");
  absl::StatusOr<bool> serving = Serving(intake_->health_port());
  ASSERT_TRUE(serving.ok()) << serving.status();
  ASSERT_TRUE(*serving);

  Fill();
  std::string refused_key;
  for (int i = 0; i < kMostSubmissionsWhenFull && refused_key.empty(); ++i) {
    const std::string key = absl::StrCat("while-full-", i);
    grpc::Status status = client->Submit(key, referral);
    if (status.ok()) {
      acked.push_back(key);  // still fitted in pages already allocated
    } else {
      ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
          << status.error_message();
      refused_key = key;
    }
  }
  ASSERT_FALSE(refused_key.empty())
      << "never refused on a full disk:\n" << intake_->LogTail();
  EXPECT_TRUE(PollUntil(
      [&] { return Serving(intake_->health_port()).value_or(true) == false; },
      absl::Seconds(10)))
      << "readiness stayed SERVING on a full disk";
  EXPECT_EQ(MetricValue(intake_->metrics_port(), "frontdoor_store_healthy")
                .value_or(-1),
            0);
  EXPECT_TRUE(intake_->running());

  std::filesystem::remove(filler_);
  EXPECT_TRUE(PollUntil(
      [&] { return client->Submit(refused_key, referral).ok(); },
      kRecoveryTimeout))
      << "not taken after space was freed:\n" << intake_->LogTail();
  acked.push_back(refused_key);
  EXPECT_TRUE(PollUntil(
      [&] { return Serving(intake_->health_port()).value_or(false); },
      absl::Seconds(10)))
      << "readiness did not return";
  EXPECT_EQ(MetricValue(intake_->metrics_port(), "frontdoor_store_healthy")
                .value_or(-1),
            1);
  for (const std::string& key : acked) {
    EXPECT_EQ(Count(intake_store_,
                    "SELECT COUNT(*) FROM referrals WHERE idempotency_key = $1",
                    {key}),
              1)
        << key;
  }
}

}  // namespace
}  // namespace frontdoor::fault
