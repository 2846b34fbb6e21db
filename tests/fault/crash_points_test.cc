// FAULT-MATRIX rows 1, 2 and 3: intake-svc killed (SIGKILL, as a power cut
// would) at a point inside its write path, by the crash-point build
// (intake-svc/crash_points.h). Whatever the moment, what the client was told
// and what is stored agree: a retry with the same idempotency key after the
// restart returns the one receipt; one row, one outbox event per topic;
// triage records the referral once.

#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "intake-svc/intake_core.h"
#include "tests/fault/fault_fixture.h"

namespace frontdoor::fault {
namespace {

constexpr char kCrashPointsBuild[] = "intake-svc/intake-svc-crash-points";
constexpr char kCrashAtEnv[] = "FRONTDOOR_CRASH_AT";
constexpr char kKey[] = "crash-point-key-1";
constexpr absl::Duration kDeathTimeout = absl::Seconds(10);

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class CrashPointTest : public FaultTest {
 protected:
  void SetUp() override {
    FaultTest::SetUp();
    StartTriage();
  }

  // Starts the crash-point build armed at `point`.
  void StartArmedAt(const std::string& point) {
    PrepareIntake(kCrashPointsBuild);
    StartIntake({{kCrashAtEnv, point}});
  }

  // Waits for the armed intake to die of SIGKILL.
  void ExpectKilled() {
    absl::StatusOr<int> status = intake_->Wait(kDeathTimeout);
    ASSERT_TRUE(status.ok()) << status.status();
    ASSERT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
        << "wait status " << *status << "\n" << intake_->LogTail();
  }

  // Restarts intake-svc, the production build, on the same config and store.
  void RestartUnarmed() {
    PrepareIntake();
    StartIntake();
  }

  int64_t Referrals() {
    return Count(intake_store_,
                 "SELECT COUNT(*) FROM referrals WHERE idempotency_key = $1",
                 {std::string(kKey)});
  }
  int64_t OutboxEvents(const std::string& topic) {
    return Count(intake_store_, "SELECT COUNT(*) FROM outbox WHERE topic = $1",
                 {topic});
  }
  int64_t Forwarded() {
    return Count(intake_store_,
                 "SELECT COUNT(*) FROM outbox WHERE topic = $1 "
                 "AND delivered_at_us IS NOT NULL",
                 {std::string(intake::kReferralReceivedTopic)});
  }
  int64_t TriageRows() {
    return Count(triage_store_, "SELECT COUNT(*) FROM triage_referrals");
  }

  // After the restart: the same key gives one receipt, again and again;
  // one row, one event per topic; triage records it once.
  void ExpectOneReferralAfterRestart(const std::string& expected_reference) {
    auto client = IntakeAs();
    intake::v1::Receipt first, second;
    grpc::Status retried = client->Submit(kKey, Example("adult-victim.json"),
                                          &first);
    ASSERT_TRUE(retried.ok()) << retried.error_message();
    if (!expected_reference.empty()) {
      EXPECT_EQ(first.reference(), expected_reference);
    }
    ASSERT_TRUE(client->Submit(kKey, Example("adult-victim.json"), &second).ok());
    EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());

    ASSERT_TRUE(TriageRecords(first.reference()))
        << "triage never recorded " << first.reference() << "\n"
        << triage_->LogTail();
    EXPECT_EQ(Referrals(), 1);
    EXPECT_EQ(OutboxEvents(intake::kReferralReceivedTopic), 1);
    EXPECT_EQ(OutboxEvents(intake::kReferralReceivedForNotifyTopic), 1);
    EXPECT_EQ(TriageRows(), 1);
    EXPECT_TRUE(PollUntil([&] { return Forwarded() == 1; }, absl::Seconds(10)));
  }
};

TEST_F(CrashPointTest, KilledMidTransactionLeavesNothingAndARetryCreatesOne) {
  StartArmedAt("mid_transaction");
  grpc::Status status =
      IntakeAs()->Submit(kKey, Example("adult-victim.json"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  ExpectKilled();
  // No partial row: neither the referral nor its events nor its audit entry.
  EXPECT_EQ(Count(intake_store_, "SELECT COUNT(*) FROM referrals"), 0);
  EXPECT_EQ(Count(intake_store_, "SELECT COUNT(*) FROM outbox"), 0);
  EXPECT_EQ(Count(intake_store_,
                  "SELECT COUNT(*) FROM audit_log WHERE action = $1",
                  {std::string("referral.receive")}),
            0);

  RestartUnarmed();
  ExpectOneReferralAfterRestart("");
}

TEST_F(CrashPointTest, KilledAfterCommitBeforeReplyGivesTheSameReceiptOnRetry) {
  StartArmedAt("after_commit_before_reply");
  grpc::Status status =
      IntakeAs()->Submit(kKey, Example("adult-victim.json"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  ExpectKilled();
  // Committed, not acknowledged: the row is there, unforwarded.
  absl::StatusOr<std::vector<std::vector<std::string>>> stored = QueryStore(
      intake_store_, "SELECT reference FROM referrals WHERE idempotency_key = $1",
      {std::string(kKey)});
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(Forwarded(), 0);

  RestartUnarmed();
  ExpectOneReferralAfterRestart((*stored)[0][0]);
}

TEST_F(CrashPointTest, KilledAfterAckBeforeForwardRelaysOnceAfterRestart) {
  StartArmedAt("after_ack_before_forward");
  intake::v1::Receipt acked;
  grpc::Status status =
      IntakeAs()->Submit(kKey, Example("adult-victim.json"), &acked);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ExpectKilled();
  // Acknowledged, stored, not yet forwarded.
  EXPECT_EQ(Referrals(), 1);
  EXPECT_EQ(Forwarded(), 0);
  EXPECT_EQ(TriageRows(), 0);

  RestartUnarmed();
  ExpectOneReferralAfterRestart(acked.reference());
}

// The hook is in the test build only: the production binary does not even
// hold the name of its environment variable; the test build does (so this
// check can fail).
TEST(CrashPointBuildTest, ProductionIntakeHasNoCrashPoints) {
  const std::string production =
      FileBytes(BuiltExecutable("intake-svc/intake-svc"));
  const std::string test_build = FileBytes(BuiltExecutable(kCrashPointsBuild));
  ASSERT_FALSE(production.empty());
  ASSERT_FALSE(test_build.empty());
  EXPECT_EQ(production.find(kCrashAtEnv), std::string::npos);
  EXPECT_NE(test_build.find(kCrashAtEnv), std::string::npos);
}

}  // namespace
}  // namespace frontdoor::fault
