// FAULT-MATRIX row 35, retry storm: triage down while events queue in
// intake's outbox. A counting TriageInbox (in this test, on real mTLS with
// triage-svc's certificate) answers UNAVAILABLE until it "recovers" and
// records every attempt. Each event's attempts are bounded by the back-off
// (doubling from 200 ms, RelayOptions), its retries are jittered (spread,
// not in lock-step) and growing; on recovery the relay sends one call at a
// time and every event is delivered exactly once: no thundering herd.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "common/outbox/relay.h"
#include "common/tls/credentials.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "grpcpp/server.h"
#include "intake-svc/intake_core.h"
#include "grpcpp/server_builder.h"
#include "tests/fault/fault_fixture.h"
#include "tests/testing/pki.h"

namespace frontdoor::fault {
namespace {

constexpr int kQueued = 30;
// Attempts of the first event before the counting triage recovers.
constexpr int kAttemptsBeforeRecovery = 5;

class CountingTriage final : public triage::v1::TriageInbox::Service {
 public:
  struct Attempt {
    std::string event_id;
    absl::Time at;
    bool answered_ok;
  };

  grpc::Status DeliverReferral(grpc::ServerContext*,
                               const intake::v1::ReferralReceived* event,
                               triage::v1::DeliverReferralResponse*) override {
    const int in_flight = in_flight_.fetch_add(1) + 1;
    const bool up = up_.load();
    {
      absl::MutexLock lock(&mu_);
      max_in_flight_ = std::max(max_in_flight_, in_flight);
      attempts_.push_back({event->event_id(), absl::Now(), up});
    }
    in_flight_.fetch_sub(1);
    return up ? grpc::Status::OK
              : grpc::Status(grpc::StatusCode::UNAVAILABLE, "triage is down");
  }

  void Recover() { up_.store(true); }
  std::vector<Attempt> attempts() {
    absl::MutexLock lock(&mu_);
    return attempts_;
  }
  int max_in_flight() {
    absl::MutexLock lock(&mu_);
    return max_in_flight_;
  }

 private:
  std::atomic<bool> up_{false};
  std::atomic<int> in_flight_{0};
  absl::Mutex mu_;
  std::vector<Attempt> attempts_ ABSL_GUARDED_BY(mu_);
  int max_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

TEST_F(FaultTest, RetryStormIsBoundedJitteredAndDrainsOnceEach) {
  CountingTriage counting;
  auto credentials = tls::MakeServerCredentials(testing::PkiFiles("triage-svc"));
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", *credentials, &port);
  builder.RegisterService(&counting);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  testing::PointAt(intake_config_.mutable_triage(), port);
  PrepareIntake();
  StartIntake();

  auto client = IntakeAs();
  const common::v1::Referral referral = Example("adult-victim.json");
  for (int i = 0; i < kQueued; ++i) {
    ASSERT_TRUE(client->Submit(absl::StrCat("storm-", i), referral).ok());
  }
  const auto attempts_of = [&](const std::string& id) {
    int n = 0;
    for (const auto& a : counting.attempts()) n += a.event_id == id;
    return n;
  };
  ASSERT_TRUE(PollUntil([&] { return !counting.attempts().empty(); },
                        absl::Seconds(10)));
  const std::string first_id = counting.attempts().front().event_id;
  ASSERT_TRUE(PollUntil(
      [&] { return attempts_of(first_id) >= kAttemptsBeforeRecovery; },
      absl::Seconds(30)));
  const absl::Time recovered = absl::Now();
  counting.Recover();

  ASSERT_TRUE(PollUntil(
      [&] {
        std::map<std::string, int> ok;
        for (const auto& a : counting.attempts()) ok[a.event_id] += a.answered_ok;
        int delivered = 0;
        for (const auto& [id, n] : ok) delivered += n >= 1;
        return delivered == kQueued;
      },
      absl::Seconds(90)))
      << intake_->LogTail();
  // Let a duplicate show itself if there were one: intake's outbox agrees.
  ASSERT_TRUE(PollUntil(
      [&] {
        absl::StatusOr<int64_t> n = CountInStore(
            intake_store_,
            "SELECT COUNT(*) FROM outbox WHERE topic = $1 "
            "AND delivered_at_us IS NOT NULL",
            {std::string(intake::kReferralReceivedTopic)});
        return n.ok() && *n == kQueued;
      },
      absl::Seconds(20)));

  std::map<std::string, std::vector<CountingTriage::Attempt>> by_event;
  for (const auto& a : counting.attempts()) by_event[a.event_id].push_back(a);
  ASSERT_EQ(by_event.size(), static_cast<size_t>(kQueued));
  const outbox::RelayOptions defaults;
  std::vector<double> first_gaps, second_gaps, normalised_first_gaps;
  int total_after_recovery = 0;
  for (const auto& [id, attempts] : by_event) {
    int ok = 0, failed = 0;
    for (const auto& a : attempts) {
      ok += a.answered_ok;
      failed += !a.answered_ok;
      total_after_recovery += a.answered_ok;
    }
    EXPECT_EQ(ok, 1) << id << " delivered " << ok << " times";
    // Bounded by the back-off: k failures need at least
    // (1 - jitter) * initial * (2^(k-1) - 1) of outage.
    const double outage = absl::ToDoubleSeconds(recovered - attempts.front().at);
    const double least_backoff =
        (1 - defaults.jitter) * absl::ToDoubleSeconds(defaults.initial_backoff);
    const int most_failures =
        static_cast<int>(std::floor(1 + std::log2(outage / least_backoff + 1))) + 1;
    EXPECT_LE(failed, most_failures) << id << " over " << outage << " s";
    if (attempts.size() >= 3 && !attempts[1].answered_ok &&
        !attempts[0].answered_ok) {
      const double gap1 = absl::ToDoubleSeconds(attempts[1].at - attempts[0].at);
      const double gap2 = absl::ToDoubleSeconds(attempts[2].at - attempts[1].at);
      first_gaps.push_back(gap1);
      second_gaps.push_back(gap2);
      normalised_first_gaps.push_back(
          gap1 / absl::ToDoubleSeconds(defaults.initial_backoff));
    }
  }
  // Every event once after recovery, one call at a time.
  EXPECT_EQ(total_after_recovery, kQueued);
  EXPECT_EQ(counting.max_in_flight(), 1);
  // Retries grow and are spread by jitter, not in lock-step.
  ASSERT_GE(first_gaps.size(), 20u);
  EXPECT_GT(Median(second_gaps), 1.3 * Median(first_gaps));
  const auto [lo, hi] = std::minmax_element(normalised_first_gaps.begin(),
                                            normalised_first_gaps.end());
  // Jitter spreads them over +-20 % (0.4 wide): over 20 and more events a
  // range under half of that is vanishingly unlikely; without jitter the
  // relay's own timing spreads them by about 0.1.
  EXPECT_GE(*hi - *lo, 0.2) << "first retries not spread: " << *lo << ".." << *hi;
  RecordProperty("attempts", static_cast<int>(counting.attempts().size()));
  server->Shutdown();
}

}  // namespace
}  // namespace frontdoor::fault
