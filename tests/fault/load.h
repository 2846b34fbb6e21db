#pragma once

// Concurrent submissions for the fault suite: loaders on threads, each
// submitting the example referral under keys of its own to whichever
// intake-svc port is current (0 while the process is down), recording what
// each call answered. Bounded: each loader stops after kMaxSubmissions or
// when told to.

#include <atomic>
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tests/fault/fault_harness.h"

namespace frontdoor::fault {

// The 99th percentile (nearest rank) of `latencies`; zero when empty.
inline absl::Duration P99(std::vector<absl::Duration> latencies) {
  if (latencies.empty()) return absl::ZeroDuration();
  std::sort(latencies.begin(), latencies.end());
  const size_t rank = (latencies.size() * 99 + 99) / 100;
  return latencies[std::min(latencies.size(), std::max<size_t>(rank, 1)) - 1];
}

class SubmissionLoad {
 public:
  // Most submissions one loader makes.
  static constexpr int kMaxSubmissions = 20000;
  // Deadline of each submission.
  static constexpr absl::Duration kDeadline = absl::Seconds(5);
  // Longest a loader waits for a port while the service is down.
  static constexpr absl::Duration kPortWait = absl::Seconds(60);

  struct Call {
    std::string key;
    grpc::StatusCode code;
    std::string reference;  // when OK
    absl::Time started;
    absl::Time ended;
  };

  // Back-off of a loader after a call without an answer.
  static constexpr absl::Duration kFirstBackoff = absl::Milliseconds(10);
  static constexpr absl::Duration kMostBackoff = absl::Milliseconds(500);

  // `retry`: a call that fails is retried with its key after a back-off (a
  // well-behaved client); otherwise every call has a new key (a flood).
  // `pace`: each loader's least time from one call's start to the next
  // (none by default).
  SubmissionLoad(std::string agency, std::string key_prefix, bool retry = true,
                 absl::Duration pace = absl::ZeroDuration())
      : agency_(std::move(agency)),
        key_prefix_(std::move(key_prefix)),
        retry_(retry),
        pace_(pace) {}
  ~SubmissionLoad() { Stop(); }

  // The port calls go to; 0 holds new calls until it is set again.
  void SetPort(int port) { port_.store(port); }

  void Start(int loaders) {
    for (int i = 0; i < loaders; ++i) {
      threads_.emplace_back([this, i] { Loop(i); });
    }
  }

  // Stops and joins the loaders (idempotent).
  void Stop() {
    stop_.store(true);
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  int acked() const { return acked_.load(); }
  int calls() const { return calls_.load(); }
  int answered(grpc::StatusCode code) {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const Call& c : history_) n += c.code == code;
    return n;
  }
  // Every call so far.
  std::vector<Call> history() {
    absl::MutexLock lock(&mu_);
    return history_;
  }

 private:
  void Loop(int loader) {
    const common::v1::Referral referral = Example("adult-victim.json");
    std::unique_ptr<IntakeClient> client;
    int client_port = 0;
    int next_key = 0;
    std::string key;
    int failures = 0;  // of `key` in a row
    for (int n = 0; n < kMaxSubmissions && !stop_.load(); ++n) {
      int port = port_.load();
      if (port == 0) {
        PollUntil([&] { return stop_.load() || port_.load() != 0; }, kPortWait);
        port = port_.load();
        if (port == 0) break;
      }
      if (client == nullptr || client_port != port) {
        client = std::make_unique<IntakeClient>(port, agency_);
        client_port = port;
      }
      // As the contract asks (intake.proto): a submission that got no
      // answer is retried with the same key, with back-off.
      if (failures == 0) key = absl::StrCat(key_prefix_, "-", loader, "-", next_key++);
      Call call;
      call.key = key;
      const absl::Time started = absl::Now();
      call.started = started;
      intake::v1::Receipt receipt;
      const grpc::Status status =
          client->Submit(call.key, referral, &receipt, kDeadline);
      call.ended = absl::Now();
      call.code = status.error_code();
      if (status.ok()) {
        call.reference = receipt.reference();
        acked_.fetch_add(1);
        failures = 0;
      } else if (retry_) {
        ++failures;
      }
      calls_.fetch_add(1);
      {
        absl::MutexLock lock(&mu_);
        history_.push_back(std::move(call));
      }
      if (pace_ > absl::ZeroDuration()) {
        PollUntil([&] { return stop_.load(); },
                  pace_ - (absl::Now() - started));
      }
      if (failures > 0) {
        // Back-off, cut short by a new port or a stop.
        PollUntil([&] { return stop_.load() || port_.load() != port; },
                  std::min(kMostBackoff, kFirstBackoff * (1 << std::min(failures, 8))));
      }
    }
  }

  const std::string agency_;
  const std::string key_prefix_;
  const bool retry_;
  const absl::Duration pace_;
  std::atomic<int> port_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int> acked_{0};
  std::atomic<int> calls_{0};
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  std::vector<Call> history_ ABSL_GUARDED_BY(mu_);
};

}  // namespace frontdoor::fault
