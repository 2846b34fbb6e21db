#pragma once

// What most fault tests start: triage-svc and intake-svc as real processes
// in a fresh directory, intake relaying to triage, each on a store of its
// own (SQLite, or on the ".postgres" run a fresh PostgreSQL schema), with
// the repository's registry and reference data (suite_configs.h).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "frontdoor/config/v1/config.pb.h"
#include "intake-svc/intake_core.h"
#include "tests/fault/fault_harness.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"

namespace frontdoor::fault {

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshServiceDir("fault");
    intake_config_ = testing::IntakeConfigIn(dir_);
    triage_config_ = testing::TriageConfigIn(dir_);
    intake_store_ = testing::StoreLocationOf(intake_config_.store());
    triage_store_ = testing::StoreLocationOf(triage_config_.store());
  }

  // Starts triage-svc (as configured in triage_config_).
  void StartTriage() {
    ASSERT_TRUE(WriteConfig(triage_config_, dir_ / "triage.json").ok());
    triage_ = std::make_unique<ServiceProcess>(
        BuiltExecutable("triage-svc/triage-svc"), dir_ / "triage.json",
        dir_ / "triage.log");
    absl::Status started = triage_->Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  // Writes intake's config (relaying to triage_ when it runs) and makes
  // intake_ run `executable` (the production one unless given) with it.
  void PrepareIntake(const std::string& executable = "intake-svc/intake-svc") {
    if (triage_ != nullptr) {
      testing::PointAt(intake_config_.mutable_triage(), triage_->api_port());
    }
    ASSERT_TRUE(WriteConfig(intake_config_, dir_ / "intake.json").ok());
    intake_ = std::make_unique<ServiceProcess>(BuiltExecutable(executable),
                                               dir_ / "intake.json",
                                               dir_ / "intake.log");
  }

  void StartIntake(
      const std::vector<std::pair<std::string, std::string>>& env = {}) {
    absl::Status started = intake_->Start(env);
    ASSERT_TRUE(started.ok()) << started;
  }

  // A client of the running intake-svc as `agency`.
  std::unique_ptr<IntakeClient> IntakeAs(const std::string& agency =
                                             "staffs-police") {
    return std::make_unique<IntakeClient>(intake_->api_port(), agency);
  }

  int64_t Count(const std::string& location, const std::string& sql,
                const std::vector<store::Value>& params = {}) {
    absl::StatusOr<int64_t> n = CountInStore(location, sql, params);
    EXPECT_TRUE(n.ok()) << n.status();
    return n.value_or(-1);
  }

  // Polls (bounded by `timeout`) until triage has recorded `reference`.
  bool TriageRecords(const std::string& reference,
                     absl::Duration timeout = absl::Seconds(20)) {
    return PollUntil(
        [&] {
          absl::StatusOr<int64_t> n = CountInStore(
              triage_store_,
              "SELECT COUNT(*) FROM triage_referrals WHERE reference = $1",
              {reference});
          return n.ok() && *n == 1;
        },
        timeout);
  }

  // Polls (bounded by `timeout`) until intake's relay to triage has
  // delivered everything it holds.
  bool IntakeOutboxDrained(absl::Duration timeout = absl::Seconds(20)) {
    return PollUntil(
        [&] {
          absl::StatusOr<int64_t> n = CountInStore(
              intake_store_,
              "SELECT COUNT(*) FROM outbox WHERE topic = $1 "
              "AND delivered_at_us IS NULL",
              {std::string(intake::kReferralReceivedTopic)});
          return n.ok() && *n == 0;
        },
        timeout);
  }

  std::filesystem::path dir_;
  config::v1::IntakeConfig intake_config_;
  config::v1::TriageConfig triage_config_;
  std::string intake_store_;
  std::string triage_store_;
  std::unique_ptr<ServiceProcess> triage_;
  std::unique_ptr<ServiceProcess> intake_;
};

}  // namespace frontdoor::fault
