// FAULT-MATRIX rows 4, 37 and 6, against real processes:
//  - kill -9 of intake-svc, again and again, under concurrent submissions,
//    with a history checker: everything acknowledged is stored exactly once,
//    and retries of what was not acknowledged make one row each;
//  - SIGTERM under load: exit 0, nothing answered but OK, UNAVAILABLE or
//    (calls arriving as it stops) CANCELLED unstored; nothing acknowledged
//    lost;
//  - triage-svc hung (SIGSTOP) while intake relays: intake keeps answering,
//    each relay attempt ends at its deadline, intake's threads and memory
//    stay bounded; after SIGCONT everything drains, once each;
//  - one agency flooding over its rate limit (row 36): refused
//    RESOURCE_EXHAUSTED with RetryInfo, while another agency's p99 latency
//    stays within a bound of its p99 alone, measured in the same run.

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/random/random.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "intake-svc/intake_core.h"
#include "tests/fault/fault_fixture.h"
#include "tests/fault/load.h"

namespace frontdoor::fault {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// Row 4: how many times intake is killed, and how many acknowledgements
// (a random number up to this) it gives between two kills.
constexpr int kKills = 15;
constexpr int kMostAcksBetweenKills = 12;
constexpr int kLoaders = 4;
// Longest the load may take to get the next acknowledgements.
constexpr absl::Duration kProgressTimeout = absl::Seconds(30);

class ProcessFaultTest : public FaultTest {
 protected:
  // key -> reference of every stored referral.
  std::map<std::string, std::string> StoredReferrals() {
    absl::StatusOr<Rows> rows = QueryStore(
        intake_store_, "SELECT idempotency_key, reference FROM referrals");
    EXPECT_TRUE(rows.ok()) << rows.status();
    std::map<std::string, std::string> out;
    if (!rows.ok()) return out;
    for (const auto& row : *rows) {
      EXPECT_TRUE(out.emplace(row[0], row[1]).second)
          << "idempotency key stored twice: " << row[0];
    }
    EXPECT_EQ(out.size(), rows->size());
    return out;
  }

  // The history check: every acknowledged (key, reference) stored once as
  // acknowledged; nothing stored that no call asked for; every call that
  // got no answer, retried with its key, answers OK and leaves one row.
  void CheckHistory(const std::vector<SubmissionLoad::Call>& history) {
    std::map<std::string, std::string> acked;
    std::set<std::string> asked, unanswered;
    for (const auto& call : history) {
      asked.insert(call.key);
      if (call.code == grpc::StatusCode::OK) {
        EXPECT_TRUE(acked.emplace(call.key, call.reference).second)
            << call.key << " acknowledged twice";
      }
    }
    for (const std::string& key : asked) {
      if (!acked.count(key)) unanswered.insert(key);
    }
    ASSERT_FALSE(acked.empty());
    std::map<std::string, std::string> stored = StoredReferrals();
    for (const auto& [key, reference] : acked) {
      auto it = stored.find(key);
      ASSERT_NE(it, stored.end()) << "acknowledged " << key << " (" << reference
                                  << ") is not stored";
      EXPECT_EQ(it->second, reference) << key;
    }
    for (const auto& [key, reference] : stored) {
      EXPECT_TRUE(asked.count(key)) << "stored but never submitted: " << key;
    }
    auto client = IntakeAs();
    const common::v1::Referral referral = Example("adult-victim.json");
    for (const std::string& key : unanswered) {
      intake::v1::Receipt receipt;
      grpc::Status retried = client->Submit(key, referral, &receipt);
      ASSERT_TRUE(retried.ok()) << key << ": " << retried.error_message();
      if (stored.count(key)) EXPECT_EQ(receipt.reference(), stored[key]) << key;
    }
    // A few acknowledged ones again: the same receipt.
    int checked = 0;
    for (const auto& [key, reference] : acked) {
      if (++checked > 20) break;
      intake::v1::Receipt receipt;
      ASSERT_TRUE(client->Submit(key, referral, &receipt).ok());
      EXPECT_EQ(receipt.reference(), reference) << key;
    }
    std::map<std::string, std::string> after = StoredReferrals();
    for (const std::string& key : unanswered) {
      EXPECT_EQ(after.count(key), 1u) << key;
    }
    EXPECT_EQ(after.size(), acked.size() + unanswered.size());
    // One event per referral for each next hop.
    EXPECT_EQ(Count(intake_store_, "SELECT COUNT(*) FROM outbox WHERE topic = $1",
                    {std::string(intake::kReferralReceivedTopic)}),
              static_cast<int64_t>(after.size()));
  }
};

TEST_F(ProcessFaultTest, KillNineLoopUnderLoadLosesAndDuplicatesNothing) {
  PrepareIntake();
  StartIntake();
  SubmissionLoad load("staffs-police", "kill-loop");
  load.SetPort(intake_->api_port());
  load.Start(kLoaders);
  absl::BitGen gen;
  for (int kill = 0; kill < kKills; ++kill) {
    const int target =
        load.acked() + absl::Uniform(absl::IntervalClosedClosed, gen, 1,
                                     kMostAcksBetweenKills);
    ASSERT_TRUE(PollUntil([&] { return load.acked() >= target; },
                          kProgressTimeout))
        << "no progress before kill " << kill << "\n" << intake_->LogTail();
    load.SetPort(0);
    intake_->Kill();
    ASSERT_TRUE(WIFSIGNALED(intake_->last_wait_status()));
    StartIntake();
    load.SetPort(intake_->api_port());
  }
  load.Stop();
  const auto history = load.history();
  int failed = 0;
  for (const auto& call : history) failed += call.code != grpc::StatusCode::OK;
  RecordProperty("calls", static_cast<int>(history.size()));
  RecordProperty("unanswered", failed);
  CheckHistory(history);
}

TEST_F(ProcessFaultTest, SigtermUnderLoadExitsZeroAndLosesNothing) {
  PrepareIntake();
  StartIntake();
  SubmissionLoad load("staffs-police", "sigterm");
  load.SetPort(intake_->api_port());
  load.Start(kLoaders);
  ASSERT_TRUE(PollUntil([&] { return load.acked() >= 20; }, kProgressTimeout));
  intake_->Signal(SIGTERM);
  absl::StatusOr<int> status = intake_->Wait(absl::Seconds(30));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << "wait status " << *status << "\n" << intake_->LogTail();
  load.SetPort(0);
  load.Stop();
  // A new call, after the exit, is refused as UNAVAILABLE.
  EXPECT_EQ(IntakeAs()->Submit("after-exit", Example("adult-victim.json"))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
  const std::string log = intake_->Log();
  EXPECT_NE(log.find("\"event\":\"server.stopped\""), std::string::npos);
  const auto history = load.history();
  RecordProperty("calls", static_cast<int>(history.size()));
  RecordProperty("acked", load.acked());
  // Calls that reached the server as it began to stop may be CANCELLED by
  // gRPC rather than refused UNAVAILABLE; either way nothing of them was
  // stored, and the contract (intake.proto) has the client retry both with
  // the same key. Nothing else is answered.
  int cancelled = 0;
  for (const auto& call : history) {
    if (call.code == grpc::StatusCode::CANCELLED) {
      ++cancelled;
      EXPECT_EQ(Count(intake_store_,
                      "SELECT COUNT(*) FROM referrals WHERE idempotency_key = $1",
                      {call.key}),
                0)
          << call.key << " was CANCELLED but stored";
      continue;
    }
    EXPECT_TRUE(call.code == grpc::StatusCode::OK ||
                call.code == grpc::StatusCode::UNAVAILABLE)
        << call.key << " answered " << call.code;
  }
  RecordProperty("cancelled", cancelled);
  StartIntake();
  CheckHistory(history);
}

// Row 6. The relay's deadline per attempt to triage.
constexpr int kRelayDeadlineMs = 300;
constexpr int kSubmissionsDuringStall = 20;
// What a stalled downstream may cost intake, beyond its footprint before.
constexpr int kMostExtraThreads = 8;
constexpr int64_t kMostExtraRssKb = 64 * 1024;
// Each submission answered within this while triage is stopped.
constexpr absl::Duration kSubmitBound = absl::Seconds(2);

TEST_F(ProcessFaultTest, HungTriageDoesNotStallIntakeAndDrainsOnceAfter) {
  StartTriage();
  intake_config_.mutable_triage()->set_deadline_ms(kRelayDeadlineMs);
  PrepareIntake();
  StartIntake();
  auto client = IntakeAs();
  const common::v1::Referral referral = Example("adult-victim.json");
  intake::v1::Receipt warm;
  ASSERT_TRUE(client->Submit("hung-warm", referral, &warm).ok());
  ASSERT_TRUE(TriageRecords(warm.reference()));
  absl::StatusOr<ProcessUsage> before = UsageOf(intake_->pid());
  ASSERT_TRUE(before.ok()) << before.status();

  triage_->Signal(SIGSTOP);
  ProcessUsage most = *before;
  std::vector<std::string> references;
  for (int i = 0; i < kSubmissionsDuringStall; ++i) {
    intake::v1::Receipt receipt;
    const absl::Time start = absl::Now();
    grpc::Status status =
        client->Submit(absl::StrCat("hung-", i), referral, &receipt);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_LT(absl::Now() - start, kSubmitBound) << "submission " << i;
    references.push_back(receipt.reference());
    absl::StatusOr<ProcessUsage> now = UsageOf(intake_->pid());
    ASSERT_TRUE(now.ok()) << now.status();
    most.threads = std::max(most.threads, now->threads);
    most.rss_kb = std::max(most.rss_kb, now->rss_kb);
  }
  // The relay keeps trying, each attempt ending at its deadline.
  ASSERT_TRUE(PollUntil(
      [&] {
        absl::StatusOr<int64_t> n = CountInStore(
            intake_store_,
            "SELECT COUNT(*) FROM outbox WHERE topic = $1 AND attempts >= 2 "
            "AND delivered_at_us IS NULL",
            {std::string(intake::kReferralReceivedTopic)});
        absl::StatusOr<ProcessUsage> now = UsageOf(intake_->pid());
        if (now.ok()) {
          most.threads = std::max(most.threads, now->threads);
          most.rss_kb = std::max(most.rss_kb, now->rss_kb);
        }
        return n.ok() && *n >= 1;
      },
      absl::Seconds(45)))
      << intake_->LogTail();
  absl::StatusOr<Rows> errors = QueryStore(
      intake_store_,
      "SELECT DISTINCT last_error FROM outbox WHERE attempts >= 1 "
      "AND delivered_at_us IS NULL AND topic = $1",
      {std::string(intake::kReferralReceivedTopic)});
  ASSERT_TRUE(errors.ok()) << errors.status();
  ASSERT_FALSE(errors->empty());
  for (const auto& row : *errors) {
    EXPECT_NE(row[0].find("DEADLINE_EXCEEDED"), std::string::npos)
        << "an attempt to the stopped triage ended otherwise: " << row[0];
  }
  EXPECT_LE(most.threads, before->threads + kMostExtraThreads)
      << "threads " << before->threads << " -> " << most.threads;
  EXPECT_LE(most.rss_kb, before->rss_kb + kMostExtraRssKb)
      << "RSS kB " << before->rss_kb << " -> " << most.rss_kb;
  RecordProperty("threads_before", before->threads);
  RecordProperty("threads_most", most.threads);
  RecordProperty("rss_kb_before", static_cast<int>(before->rss_kb));
  RecordProperty("rss_kb_most", static_cast<int>(most.rss_kb));

  triage_->Signal(SIGCONT);
  ASSERT_TRUE(PollUntil(
      [&] {
        absl::StatusOr<int64_t> n = CountInStore(
            triage_store_, "SELECT COUNT(*) FROM triage_referrals");
        return n.ok() && *n == kSubmissionsDuringStall + 1;
      },
      absl::Seconds(90)))
      << "triage did not get everything after SIGCONT\n" << intake_->LogTail();
  for (const std::string& reference : references) {
    EXPECT_EQ(Count(triage_store_,
                    "SELECT COUNT(*) FROM triage_referrals WHERE reference = $1",
                    {reference}),
              1);
  }
  EXPECT_TRUE(IntakeOutboxDrained());
}

// Row 36. The flooder's write bucket, and its flood: kFlooders loaders each
// calling every kFloodPace, 100 times its limit (paced, so that what is
// measured is the rate limit's isolation, not two cores saturated by the
// test's own client threads); the normal agency's submissions measured
// alone and then under the flood; the bound on the ratio of the p99s
// (generous: the machine is shared), with an absolute floor for a p99
// alone that is tiny.
constexpr double kFlooderPerSecond = 5;
constexpr int kFlooderBurst = 5;
constexpr int kFlooders = 2;
constexpr absl::Duration kFloodPace = absl::Milliseconds(4);
constexpr int kMeasuredSubmissions = 150;
constexpr double kMostP99Ratio = 5.0;
constexpr absl::Duration kP99Floor = absl::Milliseconds(100);

TEST_F(ProcessFaultTest, FloodingAgencyIsRefusedWhileAnotherKeepsItsLatency) {
  auto* limits =
      intake_config_.mutable_server()->mutable_rate_limits()->add_agencies();
  limits->set_agency_id("staffs-police");
  limits->mutable_writes()->set_per_second(kFlooderPerSecond);
  limits->mutable_writes()->set_burst(kFlooderBurst);
  PrepareIntake();
  StartIntake();
  auto normal = IntakeAs("uhnm-health");
  const common::v1::Referral referral = Example("adult-victim.json");
  const auto measure = [&](const std::string& prefix) {
    std::vector<absl::Duration> latencies;
    for (int i = 0; i < kMeasuredSubmissions; ++i) {
      const absl::Time start = absl::Now();
      grpc::Status status =
          normal->Submit(absl::StrCat(prefix, i), referral, nullptr);
      latencies.push_back(absl::Now() - start);
      EXPECT_TRUE(status.ok()) << status.error_code() << " "
                               << status.error_message();
    }
    return P99(latencies);
  };
  measure("warm-");
  const absl::Duration alone = measure("alone-");

  SubmissionLoad flood("staffs-police", "flood", /*retry=*/false, kFloodPace);
  flood.SetPort(intake_->api_port());
  flood.Start(kFlooders);
  ASSERT_TRUE(PollUntil(
      [&] {
        return flood.answered(grpc::StatusCode::RESOURCE_EXHAUSTED) >= 100;
      },
      kProgressTimeout));
  const absl::Duration flooded = measure("flooded-");
  const int flood_calls = flood.calls();
  flood.Stop();
  RecordProperty("p99_alone_ms", absl::StrCat(absl::ToDoubleMilliseconds(alone)));
  RecordProperty("p99_flooded_ms",
                 absl::StrCat(absl::ToDoubleMilliseconds(flooded)));
  RecordProperty("flood_calls", flood_calls);
  EXPECT_LE(flooded, std::max(alone * kMostP99Ratio, alone + kP99Floor))
      << "p99 alone " << alone << ", under the flood " << flooded;

  // The flooder: its burst and what refilled, the rest refused.
  const int accepted = flood.answered(grpc::StatusCode::OK);
  const int refused = flood.answered(grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(accepted + refused, static_cast<int>(flood.history().size()));
  EXPECT_GE(refused, 100);
  EXPECT_GE(accepted, kFlooderBurst);
  // A refusal carries RetryInfo.
  auto flooder = IntakeAs("staffs-police");
  grpc::Status status;
  for (int i = 0; i < kFlooderBurst + 1; ++i) {
    status = flooder->Submit(absl::StrCat("retry-info-", i), referral);
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) break;
  }
  ASSERT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  google::rpc::Status details;
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  ASSERT_TRUE(details.details(0).UnpackTo(&retry));
  EXPECT_GT(retry.retry_delay().nanos() + retry.retry_delay().seconds(), 0);
}

}  // namespace
}  // namespace frontdoor::fault
