// The retention purge of delivered outbox events, over a real store: what
// the schedule says goes, in batches; undelivered events and dead letters
// stay; the overdue gauge; the schedule's settings checked.
#include "common/retention/purge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "prometheus/metric_family.h"
#include "common/outbox/outbox.h"
#include "common/rights/rights.h"
#include "common/status/errors.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace frontdoor::retention {
namespace {

using ::testing::ElementsAre;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
constexpr char kTopic[] = "triage.referral_received";

class PurgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTestDir("retention");
    std::vector<store::Migration> migrations = outbox::Migrations();
    for (store::Migration& m : rights::Migrations()) migrations.push_back(m);
    auto store = testing::OpenTestStore(
        testing::TestStoreLocation(dir_, "retention"), migrations);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // An event "e<n>", delivered `ago` before kNow (never when nullopt), or
  // dead-lettered.
  void Event(int n, std::optional<absl::Duration> delivered_ago,
             bool dead = false, const std::string& reference = "") {
    ASSERT_TRUE(store_
                    ->WriteSync([&](store::Tx& tx) -> absl::Status {
                      const std::string id = absl::StrCat("e", n);
                      if (absl::Status s = outbox::Enqueue(
                              tx, kTopic, id, "sealed copy",
                              kNow - absl::Hours(24 * 30), reference);
                          !s.ok()) {
                        return s;
                      }
                      if (delivered_ago.has_value()) {
                        return tx
                            .Exec("UPDATE outbox SET delivered_at_us = $2 "
                                  "WHERE event_id = $1",
                                  {id, absl::ToUnixMicros(kNow - *delivered_ago)})
                            .status();
                      }
                      if (dead) {
                        return tx
                            .Exec("UPDATE outbox SET dead_lettered_at_us = $2, "
                                  "next_attempt_at_us = $3 WHERE event_id = $1",
                                  {id, absl::ToUnixMicros(kNow - absl::Hours(24 * 20)),
                                   int64_t{INT64_MAX}})
                            .status();
                      }
                      return absl::OkStatus();
                    })
                    .ok());
  }

  std::vector<std::string> Left() {
    std::vector<std::string> ids;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(
                          "SELECT event_id FROM outbox ORDER BY seq");
                      if (!rows.ok()) return rows.status();
                      for (const store::Row& r : *rows) ids.push_back(r.Text(0));
                      return absl::OkStatus();
                    })
                    .ok());
    return ids;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(PurgeTest, DeliveredEventsPastTheScheduleGoAndNothingElse) {
  Schedule schedule;  // 7 days
  Event(1, absl::Hours(24 * 8));
  Event(2, absl::Hours(24 * 6));
  Event(3, std::nullopt);                      // still to deliver
  Event(4, std::nullopt, /*dead=*/true);       // a dead letter
  Event(5, absl::Hours(24 * 7) + absl::Seconds(1));
  Event(6, absl::Hours(24 * 7) - absl::Seconds(1));
  absl::StatusOr<int64_t> purged = PurgeDeliveredOutbox(*store_, kNow, schedule);
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 2);
  EXPECT_THAT(Left(), ElementsAre("e2", "e3", "e4", "e6"));
  // Again: nothing more is due.
  EXPECT_EQ(PurgeDeliveredOutbox(*store_, kNow, schedule).value_or(-1), 0);
}

// A legal hold (common/rights) stops the purge of a referral's events, and
// they do not count as overdue; lifted, they go at the next purge.
TEST_F(PurgeTest, EventsOfAReferralOnLegalHoldStay) {
  Schedule schedule;
  const std::string held = "FD-HELD";
  Event(1, absl::Hours(24 * 8), false, held);
  Event(2, absl::Hours(24 * 8), false, "FD-OTHER");
  Event(3, absl::Hours(24 * 9));
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return rights::SaveHold(tx, held, true, "litigation",
                                            kNow);
                  })
                  .ok());
  EXPECT_EQ(PurgeDeliveredOutbox(*store_, kNow, schedule).value_or(-1), 2);
  EXPECT_THAT(Left(), ElementsAre("e1"));
  EXPECT_EQ(DeliveredOutboxOverdue(*store_, kNow, schedule)
                .value_or(absl::Hours(-1)),
            absl::ZeroDuration());
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return rights::SaveHold(tx, held, false, "lifted", kNow);
                  })
                  .ok());
  EXPECT_EQ(DeliveredOutboxOverdue(*store_, kNow, schedule)
                .value_or(absl::Hours(-1)),
            absl::Hours(24));
  EXPECT_EQ(PurgeDeliveredOutbox(*store_, kNow, schedule).value_or(-1), 1);
  EXPECT_THAT(Left(), ElementsAre());
}

// A service's own record type is purged by the same job and shown under
// its own `record` label.
TEST_F(PurgeTest, AServicesOwnRecordTypeIsPurgedAndCountedByItsLabel) {
  FakeClock clock(kNow);
  int64_t due = 5;
  RecordPurge mine{"acknowledged_notifications",
                   [&](store::Store&, absl::Time) -> absl::StatusOr<int64_t> {
                     const int64_t n = due;
                     due = 0;
                     return n;
                   },
                   [](store::Store&, absl::Time)
                       -> absl::StatusOr<absl::Duration> {
                     return absl::Minutes(3);
                   }};
  Purger purger(*store_, clock, Schedule(), /*erasures=*/{}, {mine});
  Event(1, absl::Hours(24 * 8));
  ASSERT_TRUE(purger.PurgeOnce().ok());
  EXPECT_EQ(purger.purged_total(), 6);
  EXPECT_EQ(purger.purged_total("acknowledged_notifications"), 5);
  EXPECT_EQ(purger.purged_total(kRecordDeliveredOutbox), 1);
  const std::vector<prometheus::MetricFamily> families =
      PurgeCollector(purger).Collect();
  ASSERT_EQ(families[0].metric.size(), 2u);
  EXPECT_EQ(families[0].metric[1].label[0].value, "acknowledged_notifications");
  EXPECT_EQ(families[0].metric[1].counter.value, 5);
  ASSERT_EQ(families[2].metric.size(), 2u);
  EXPECT_EQ(families[2].metric[1].gauge.value, 180);
}

TEST_F(PurgeTest, ABacklogGoesInBatchesUntilNoneIsLeft) {
  Schedule schedule;
  schedule.batch_rows = 2;
  for (int n = 1; n <= 7; ++n) Event(n, absl::Hours(24 * 10));
  Event(8, absl::Hours(1));
  EXPECT_EQ(PurgeDeliveredOutbox(*store_, kNow, schedule).value_or(-1), 7);
  EXPECT_THAT(Left(), ElementsAre("e8"));
}

TEST_F(PurgeTest, OverdueIsHowLongPastItsDateTheOldestRowIs) {
  Schedule schedule;
  EXPECT_EQ(DeliveredOutboxOverdue(*store_, kNow, schedule).value_or(absl::Hours(-1)),
            absl::ZeroDuration());
  Event(1, absl::Hours(24 * 6));
  EXPECT_EQ(DeliveredOutboxOverdue(*store_, kNow, schedule).value_or(absl::Hours(-1)),
            absl::ZeroDuration());
  Event(2, absl::Hours(24 * 9));
  EXPECT_EQ(DeliveredOutboxOverdue(*store_, kNow, schedule).value_or(absl::Hours(-1)),
            absl::Hours(48));
}

TEST_F(PurgeTest, ThePurgerCountsWhatItDeletesForItsMetrics) {
  FakeClock clock(kNow);
  Schedule schedule;
  Purger purger(*store_, clock, schedule);
  Event(1, absl::Hours(24 * 8));
  Event(2, absl::Hours(24 * 9));
  ASSERT_TRUE(purger.PurgeOnce().ok());
  EXPECT_EQ(purger.purged_total(), 2);
  Event(3, absl::Hours(24 * 1));
  clock.Advance(absl::Hours(24 * 7));
  const std::vector<prometheus::MetricFamily> families =
      PurgeCollector(purger).Collect();
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[0].name, "frontdoor_retention_purged_total");
  EXPECT_EQ(families[0].metric[0].counter.value, 2);
  EXPECT_EQ(families[2].name, "frontdoor_retention_overdue_seconds");
  EXPECT_EQ(families[2].metric[0].gauge.value, 24 * 3600) << "a day late";
  ASSERT_TRUE(purger.PurgeOnce().ok());
  EXPECT_EQ(purger.purged_total(), 3);
  EXPECT_EQ(PurgeCollector(purger).Collect()[2].metric[0].gauge.value, 0);
  // Started, it purges at once, and stops.
  Event(4, absl::Hours(24 * 30));
  purger.Start();
  purger.Stop();
  EXPECT_EQ(purger.purged_total(), 4);
}

TEST(ScheduleTest, ZeroMeansTheDefaultAndNegativeIsRefusedNamingTheSetting) {
  config::v1::RetentionConfig config;
  absl::StatusOr<Schedule> defaults = ScheduleFor(config);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->delivered_outbox, kDefaultDeliveredOutbox);
  EXPECT_EQ(defaults->interval, kDefaultPurgeInterval);
  EXPECT_EQ(defaults->batch_rows, kDefaultPurgeBatchRows);
  config.set_delivered_outbox_hours(2);
  config.set_purge_interval_seconds(60);
  config.set_purge_batch_rows(10);
  absl::StatusOr<Schedule> set = ScheduleFor(config);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->delivered_outbox, absl::Hours(2));
  EXPECT_EQ(set->interval, absl::Seconds(60));
  EXPECT_EQ(set->batch_rows, 10);
  config.set_purge_batch_rows(-1);
  absl::Status bad = ScheduleFor(config).status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(GetFieldViolations(bad).size(), 1u);
  EXPECT_EQ(GetFieldViolations(bad)[0].field,
            "server.retention.purge_batch_rows");
  config.set_purge_batch_rows(0);
  EXPECT_EQ(ScheduleFor(config)->acknowledged_notifications,
            absl::ZeroDuration())
      << "0 keeps notifications";
  config.set_acknowledged_notifications_days(30);
  EXPECT_EQ(ScheduleFor(config)->acknowledged_notifications,
            absl::Hours(24 * 30));
  config.set_acknowledged_notifications_days(-1);
  bad = ScheduleFor(config).status();
  ASSERT_EQ(GetFieldViolations(bad).size(), 1u);
  EXPECT_EQ(GetFieldViolations(bad)[0].field,
            "server.retention.acknowledged_notifications_days");
}

}  // namespace
}  // namespace frontdoor::retention
