#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/outbox/outbox.h"
#include "common/store/store.h"

namespace frontdoor::outbox {

// Where the relay sends events: a gRPC client for the next service, say.
class Sink {
 public:
  virtual ~Sink() = default;
  // Delivers one event, giving up by `deadline` (real time). OK means the
  // receiver has durably accepted it; any error means "try again later".
  // The same event may arrive more than once (a crash between delivery and
  // bookkeeping, or a lease expiring), so receivers deduplicate by event_id.
  virtual absl::Status Deliver(const Event& event, absl::Time deadline) = 0;
  // Starts delivering `event` and calls `done` exactly once with what
  // Deliver would answer, on any thread, possibly before returning. The
  // relay keeps up to RelayOptions::window deliveries in flight this way.
  // The default calls Deliver on the caller's thread, so a sink that cannot
  // overlap deliveries still works, one at a time.
  virtual void DeliverAsync(const Event& event, absl::Time deadline,
                            std::function<void(absl::Status)> done) {
    done(Deliver(event, deadline));
  }
};

// Deliveries a relay keeps in flight at once unless told otherwise: enough
// to cover a receiver's commit (its group commit then takes them together)
// without queueing more than a receiver's worker pool serves at once.
inline constexpr int kDefaultDeliveryWindow = 32;

struct RelayOptions {
  // Longest one Deliver() call may take.
  absl::Duration delivery_deadline = absl::Seconds(5);
  // Back-off after the first failure; doubles per failure up to max_backoff.
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(60);
  // Each back-off is scaled by a uniform factor in [1 - jitter, 1 + jitter]
  // so that many events failing together do not retry together.
  double jitter = 0.2;
  // Most events loaded and delivered per pass.
  int batch_size = 64;
  // Most deliveries in flight at once (Sink::DeliverAsync). One referral's
  // events still go one after another, in order: an event waits while an
  // earlier event of its referral (Event::reference) is in flight.
  int window = kDefaultDeliveryWindow;
  // Longest the relay sleeps without a Notify() before looking again.
  absl::Duration idle_poll_interval = absl::Seconds(1);
  // Only events of this topic (one relay per hop); empty: every topic.
  std::string topic;
  // An event still failing this long after it was created (or replayed) is
  // dead-lettered: kept, no longer attempted, counted, until an operator
  // replays it (ReplayDeadLetters in outbox.h). Infinite: never.
  absl::Duration dead_letter_after = absl::InfiniteDuration();
  // A subquery naming referrals whose events wait, undelivered and not
  // counted as due, until they leave it (common/rights'
  // kRestrictedReferences: a restricted referral is not shared further).
  // Empty: none wait.
  std::string held_back_references;
};

// INVALID_ARGUMENT naming the first option out of range.
absl::Status ValidateRelayOptions(const RelayOptions& options);

// Delay before the next attempt after `failures` (>= 1) failed deliveries,
// before jitter: min(max_backoff, initial_backoff * 2^(failures - 1)).
absl::Duration BackoffBeforeJitter(const RelayOptions& options, int failures);

// Delivers outbox events to a Sink, oldest first, at least once.
//
// Each pass claims a batch of due events in a short write transaction by
// pushing their next_attempt_at forward by a lease (so another relay on the
// same database, or a restart, does not take them while they are in
// flight), delivers them outside any transaction, then records every outcome
// in one more transaction: delivered_at on success; on failure attempts + 1,
// last_error and next_attempt_at = now + jittered back-off. Due-ness and the
// stored times use the injected Clock; waiting and delivery deadlines are
// real time.
//
// With PostgreSQL the claim query adds FOR UPDATE SKIP LOCKED, which lets a
// relay run in every replica.
class Relay {
 public:
  Relay(store::Store& store, Sink& sink, const Clock& clock,
        RelayOptions options = {});
  // Stops the thread if it runs.
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Starts the delivery thread. INVALID_ARGUMENT for bad options,
  // FAILED_PRECONDITION if started before.
  absl::Status Start();

  // Wakes the thread to look for due events now. Cheap and non-blocking
  // enough to call from a Store `done` callback after an event commits.
  void Notify();

  // Stops the thread after the deliveries in flight, if any, and joins it.
  // Events claimed but not yet attempted are handed back. Idempotent.
  void Stop();

  // One pass on the caller's thread: claims up to batch_size due events,
  // delivers them in order (up to `window` at once, one referral's one
  // after another) and records the outcomes. Returns how many events were
  // attempted.
  absl::StatusOr<int> RunOnce();

  // For shutdown, normally after Stop(): keeps delivering due events,
  // retrying failures as their back-off allows, until none is due or
  // `budget` (real time) runs out. OK when every event that was due, or that
  // failed during the flush, has been delivered; otherwise
  // DEADLINE_EXCEEDED with the count left. Left-over events stay stored and
  // are delivered after restart.
  absl::Status Flush(absl::Duration budget);

  // Counters for metrics: successful deliveries, and failed attempts.
  int64_t delivered_total() const { return delivered_total_.load(); }
  int64_t failed_attempts_total() const {
    return failed_attempts_total_.load();
  }
  // Events given up on (dead-lettered) by this relay.
  int64_t dead_lettered_total() const { return dead_lettered_total_.load(); }
  const std::string& topic() const { return options_.topic; }
  const std::string& held_back_references() const {
    return options_.held_back_references;
  }
  // Passes of the relay thread that failed on the store (the thread retries
  // after idle_poll_interval).
  int64_t store_errors_total() const { return store_errors_total_.load(); }

 private:
  // The due queries with held_back_references applied.
  std::string select_due_;
  std::string count_due_;
  std::string next_due_;

  struct Claimed {
    Event event;
    int64_t next_attempt_at_us;  // Before the lease, restored if not tried.
  };
  struct Failure {
    int64_t seq;
    absl::Time next_attempt;
    std::string error;
  };
  struct PassOutcome {
    int claimed = 0;
    int attempted = 0;
    std::vector<int64_t> delivered;  // seq of each event delivered
    std::vector<Failure> failed;
    std::vector<Failure> dead_lettered;  // next_attempt unused
  };
  enum class StopPolicy { kHonourStop, kIgnoreStop };

  absl::StatusOr<std::vector<Claimed>> Claim();
  // Delivers what Claim() returns; no delivery runs past `hard_deadline`.
  absl::StatusOr<PassOutcome> Pass(absl::Time hard_deadline, StopPolicy policy);
  // Earliest next_attempt_at of any undelivered event.
  absl::StatusOr<std::optional<absl::Time>> NextDue();
  absl::StatusOr<int64_t> CountDue(absl::Time now);
  absl::Duration Jittered(absl::Duration backoff);
  // The latest due time this relay sets from `now` (the longest backoff
  // with its jitter, or a whole batch's lease): an event due later than
  // that was scheduled by a clock that has since gone back, and is due.
  absl::Time DueHorizon(absl::Time now) const;
  // Real time to sleep before the next pass.
  absl::Duration IdleWait();
  bool StopRequested();
  bool WakeOrStop() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return wake_ || stopping_;
  }
  void Loop();

  store::Store& store_;
  Sink& sink_;
  const Clock& clock_;
  const RelayOptions options_;

  // Serialises Start() and Stop().
  absl::Mutex lifecycle_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  bool started_ ABSL_GUARDED_BY(lifecycle_mu_) = false;
  std::thread thread_ ABSL_GUARDED_BY(lifecycle_mu_);

  absl::Mutex mu_;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex gen_mu_;
  absl::BitGen gen_ ABSL_GUARDED_BY(gen_mu_);

  std::atomic<int64_t> delivered_total_{0};
  std::atomic<int64_t> failed_attempts_total_{0};
  std::atomic<int64_t> dead_lettered_total_{0};
  std::atomic<int64_t> store_errors_total_{0};
};

}  // namespace frontdoor::outbox
