#pragma once

// A background thread that runs a round of work at Start() and then every
// interval until Stop(): the shape of the services' scheduled jobs (the
// audit chain's check, re-sealing after a rotation). Waits on a condition,
// so Stop() returns as soon as the round under way ends.

#include <functional>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace frontdoor {

class PeriodicThread {
 public:
  // `round` returns false when no further round is needed (the thread then
  // only waits for Stop()).
  PeriodicThread(absl::Duration interval, std::function<bool()> round)
      : interval_(interval), round_(std::move(round)) {}
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;
  ~PeriodicThread() { Stop(); }

  // Idempotent; does nothing after Stop().
  void Start() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (thread_.joinable() || stopping_) return;
    thread_ = std::thread([this] { Run(); });
  }

  // Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

  // True once Stop() has been called: a long round may end early.
  bool stopping() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return stopping_;
  }

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_) {
    bool again = true;
    while (true) {
      if (again) again = round_();
      absl::MutexLock lock(&mu_);
      const auto stop = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_;
      };
      if (!again) {
        mu_.Await(absl::Condition(&stop));
        return;
      }
      if (mu_.AwaitWithTimeout(absl::Condition(&stop), interval_)) return;
    }
  }

  const absl::Duration interval_;
  const std::function<bool()> round_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace frontdoor
