#include "common/audit/watch.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/audit/audit.h"
#include "common/clock/clock.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/captured_log.h"
#include "tests/testing/database_owner.h"
#include "tests/testing/test_store.h"

namespace frontdoor::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

class ChainWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("watch_test_", getpid(), "_", info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto json = crypto::GenerateKeyRingJson("k1");
    ASSERT_TRUE(json.ok());
    std::ofstream(dir_ / "keys.json") << *json;
    auto keys = crypto::KeyRing::LoadFile((dir_ / "keys.json").string());
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = std::make_unique<crypto::KeyRing>(*std::move(keys));
    auto store = testing::OpenTestStore(
        testing::TestStoreLocation(dir_, "watch"), Migrations());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    options_.anchor_file = (dir_ / "anchor.json").string();
  }

  void TearDown() override {
    watch_.reset();
    if (store_ != nullptr) store_->Close();
    std::filesystem::remove_all(dir_);
  }

  ChainWatch& Watch() {
    if (watch_ == nullptr) {
      watch_ = std::make_unique<ChainWatch>(*store_, *keys_, clock_, options_);
    }
    return *watch_;
  }

  void AppendN(int n) {
    ASSERT_TRUE(store_
                    ->WriteSync([&](store::Tx& tx) -> absl::Status {
                      for (int i = 0; i < n; ++i) {
                        Entry e;
                        e.at = clock_.Now();
                        e.actor_agency = "staffs-police";
                        e.action = "referral.read";
                        e.subject = absl::StrCat("FD-", i);
                        if (absl::Status s = Append(tx, *keys_, e); !s.ok()) {
                          return s;
                        }
                      }
                      return absl::OkStatus();
                    })
                    .ok());
  }

  // As someone with the database file or the owner's rights could.
  void DeleteFrom(int64_t seq) {
    ASSERT_TRUE(testing::ExecAsDatabaseOwner(
                    *store_, "DELETE FROM audit_log WHERE seq >= $1", {seq})
                    .ok());
  }

  std::string Scrape() {
    std::string text;
    for (const auto& family : ChainWatchCollector(Watch()).Collect()) {
      for (const auto& metric : family.metric) {
        absl::StrAppend(&text, family.name, " ",
                        family.type == prometheus::MetricType::Counter
                            ? metric.counter.value
                            : metric.gauge.value,
                        "\n");
      }
    }
    return text;
  }

  std::filesystem::path dir_;
  FakeClock clock_{kT0};
  WatchOptions options_;
  std::unique_ptr<crypto::KeyRing> keys_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ChainWatch> watch_;
};

TEST_F(ChainWatchTest, AnIntactCheckAnchorsTheNewestRowInTheFileAndTheLog) {
  testing::ScopedCapturedLog log;
  AppendN(5);
  auto result = Watch().CheckNow();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->ok());
  const WatchState state = Watch().state();
  EXPECT_TRUE(state.checked);
  EXPECT_TRUE(state.intact);
  EXPECT_EQ(state.entries, 5);
  EXPECT_EQ(state.anchored_seq, 5);
  EXPECT_EQ(state.last_check, kT0);

  auto anchor = ReadAnchorFile(options_.anchor_file);
  ASSERT_TRUE(anchor.ok()) << anchor.status();
  ASSERT_TRUE(anchor->has_value());
  EXPECT_EQ((*anchor)->seq, 5);
  EXPECT_EQ((*anchor)->hash, result->last_hash);
  EXPECT_THAT(log.text(), HasSubstr("\"event\":\"audit.anchored\""));
  EXPECT_THAT(log.text(), HasSubstr(absl::StrCat("\"hash\":\"",
                                                 result->last_hash, "\"")));
  EXPECT_THAT(Scrape(), HasSubstr("frontdoor_audit_chain_intact 1\n"));
  EXPECT_THAT(Scrape(), HasSubstr("frontdoor_audit_chain_anchored_seq 5\n"));
}

TEST_F(ChainWatchTest, RowsCutOffAfterAnAnchorAreFoundByTheNextCheck) {
  AppendN(6);
  ASSERT_TRUE(Watch().CheckNow().ok());
  AppendN(2);
  clock_.Advance(absl::Minutes(10));
  ASSERT_TRUE(Watch().CheckNow().ok());
  EXPECT_EQ(Watch().state().anchored_seq, 8);

  testing::ScopedCapturedLog log;
  DeleteFrom(7);
  auto result = Watch().CheckNow();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->first_bad_seq, 7);
  EXPECT_FALSE(Watch().state().intact);
  EXPECT_THAT(log.text(), HasSubstr("\"event\":\"audit.chain_broken\""));
  EXPECT_THAT(log.text(), HasSubstr("\"first_bad_seq\":7"));
  EXPECT_THAT(Scrape(), HasSubstr("frontdoor_audit_chain_intact 0\n"));
  // A broken chain is not re-anchored: the file still names row 8.
  auto anchor = ReadAnchorFile(options_.anchor_file);
  ASSERT_TRUE(anchor.ok() && anchor->has_value());
  EXPECT_EQ((*anchor)->seq, 8);
}

TEST_F(ChainWatchTest, ARemovedAnchorFileDoesNotHideACutWhileTheServiceRuns) {
  AppendN(4);
  ASSERT_TRUE(Watch().CheckNow().ok());
  std::filesystem::remove(options_.anchor_file);
  DeleteFrom(3);
  auto result = Watch().CheckNow();
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->first_bad_seq, 3);
}

TEST_F(ChainWatchTest, AfterARestartTheFileStillFindsTheCut) {
  AppendN(4);
  ASSERT_TRUE(Watch().CheckNow().ok());
  watch_.reset();  // the service stops; its database is then cut
  DeleteFrom(4);
  auto result = Watch().CheckNow();
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->first_bad_seq, 4);
  EXPECT_THAT(result->problem, HasSubstr("cut off"));
}

TEST_F(ChainWatchTest, AnUnreadableAnchorFileIsAnErrorCounted) {
  AppendN(2);
  std::ofstream(options_.anchor_file) << "not json";
  EXPECT_THAT(Scrape(), Not(HasSubstr("frontdoor_audit_chain_intact")));
  auto result = Watch().CheckNow();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Watch().state().errors, 1);
  EXPECT_THAT(Scrape(),
              HasSubstr("frontdoor_audit_chain_check_errors_total 1\n"));
  EXPECT_THAT(Scrape(), Not(HasSubstr("frontdoor_audit_chain_intact")));
}

TEST_F(ChainWatchTest, StartChecksAtOnceAndStopEndsTheThread) {
  AppendN(3);
  options_.interval = absl::Hours(1);
  Watch().Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!Watch().state().checked && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));  // polling a bounded wait
  }
  EXPECT_TRUE(Watch().state().intact);
  const absl::Time before_stop = absl::Now();
  Watch().Stop();
  EXPECT_LT(absl::Now() - before_stop, absl::Seconds(30))
      << "Stop must not wait for the hour";
}

TEST(WatchOptionsTest, DefaultsBesideTheSqliteDatabaseAndTenMinutes) {
  config::v1::AuditConfig config;
  WatchOptions options = WatchOptionsFor(config, "/var/lib/frontdoor/intake.db");
  EXPECT_EQ(options.anchor_file,
            "/var/lib/frontdoor/intake.db.audit-anchor.json");
  EXPECT_EQ(options.interval, absl::Minutes(10));
  EXPECT_EQ(WatchOptionsFor(config, "").anchor_file, "");
  config.set_anchor_file("/anchors/intake.json");
  config.set_verify_interval_seconds(60);
  options = WatchOptionsFor(config, "/var/lib/frontdoor/intake.db");
  EXPECT_EQ(options.anchor_file, "/anchors/intake.json");
  EXPECT_EQ(options.interval, absl::Seconds(60));
}

}  // namespace
}  // namespace frontdoor::audit
