#include "common/outbox/relay.h"

#include <pthread.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging/traceparent.h"
#include "common/outbox/outbox_sql.h"

namespace frontdoor::outbox {
namespace {

// Added to a claim's lease so that recording the outcome of the batch's
// last delivery fits inside it.
constexpr absl::Duration kLeaseMargin = absl::Seconds(10);
// Shortest wait between passes that found nothing to do, so that a relay
// never spins.
constexpr absl::Duration kMinIdleWait = absl::Milliseconds(1);
// last_error is for operators reading the table; keep it short.
constexpr size_t kMaxLastErrorBytes = 512;
constexpr unsigned char kUtf8ContinuationMask = 0xC0;
constexpr unsigned char kUtf8Continuation = 0x80;

// "CODE: message", cut to kMaxLastErrorBytes on a UTF-8 boundary (PostgreSQL
// rejects invalid UTF-8 in TEXT).
std::string ErrorText(const absl::Status& status) {
  std::string text = absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                                  status.message());
  if (text.size() <= kMaxLastErrorBytes) {
    return text;
  }
  size_t cut = kMaxLastErrorBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) &
                     kUtf8ContinuationMask) == kUtf8Continuation) {
    --cut;
  }
  text.resize(cut);
  return text;
}

}  // namespace

absl::Status ValidateRelayOptions(const RelayOptions& options) {
  if (options.delivery_deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("relay: delivery_deadline must be > 0");
  }
  if (options.initial_backoff <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("relay: initial_backoff must be > 0");
  }
  if (options.max_backoff < options.initial_backoff) {
    return absl::InvalidArgumentError(
        "relay: max_backoff must be >= initial_backoff");
  }
  // Written so that NaN fails too.
  if (!(options.jitter >= 0.0 && options.jitter < 1.0)) {
    return absl::InvalidArgumentError("relay: jitter must be in [0, 1)");
  }
  if (options.batch_size < 1) {
    return absl::InvalidArgumentError("relay: batch_size must be >= 1");
  }
  if (options.window < 1) {
    return absl::InvalidArgumentError("relay: window must be >= 1");
  }
  if (options.idle_poll_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("relay: idle_poll_interval must be > 0");
  }
  if (options.dead_letter_after <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("relay: dead_letter_after must be > 0");
  }
  return absl::OkStatus();
}

absl::Duration BackoffBeforeJitter(const RelayOptions& options, int failures) {
  absl::Duration backoff = options.initial_backoff;
  for (int k = 1; k < failures && backoff < options.max_backoff; ++k) {
    backoff *= 2;
  }
  return std::min(backoff, options.max_backoff);
}

Relay::Relay(store::Store& store, Sink& sink, const Clock& clock,
             RelayOptions options)
    : store_(store), sink_(sink), clock_(clock), options_(options) {
  const std::string held_back =
      options_.held_back_references.empty()
          ? std::string()
          : absl::StrCat(sql::kHeldBackPrefix, options_.held_back_references,
                         sql::kHeldBackSuffix);
  select_due_ = absl::StrCat(
      sql::kSelectDue, options_.topic.empty() ? sql::kAnyTopic : sql::kOneTopic,
      held_back, sql::kSelectDueOrder);
  count_due_ = absl::StrCat(sql::kCountDue, held_back);
  next_due_ = absl::StrCat(sql::kNextDue, held_back);
}

Relay::~Relay() { Stop(); }

absl::Status Relay::Start() {
  if (auto s = ValidateRelayOptions(options_); !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&lifecycle_mu_);
  if (started_) {
    return absl::FailedPreconditionError("relay: already started");
  }
  started_ = true;
  thread_ = std::thread(&Relay::Loop, this);
  pthread_setname_np(thread_.native_handle(), "outbox-relay");
  return absl::OkStatus();
}

void Relay::Notify() {
  absl::MutexLock lock(&mu_);
  wake_ = true;
}

void Relay::Stop() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

bool Relay::StopRequested() {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

absl::Time Relay::DueHorizon(absl::Time now) const {
  return now + options_.max_backoff * (1.0 + std::max(0.0, options_.jitter)) +
         options_.delivery_deadline * static_cast<int64_t>(options_.batch_size) +
         kLeaseMargin;
}

absl::Duration Relay::Jittered(absl::Duration backoff) {
  if (options_.jitter <= 0.0) {
    return backoff;
  }
  double factor;
  {
    absl::MutexLock lock(&gen_mu_);
    factor = absl::Uniform(absl::IntervalClosed, gen_, 1.0 - options_.jitter,
                           1.0 + options_.jitter);
  }
  return backoff * factor;
}

absl::StatusOr<std::vector<Relay::Claimed>> Relay::Claim() {
  const absl::Time now = clock_.Now();
  std::vector<Claimed> claimed;
  absl::Status status = store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    const std::string query =
        tx.dialect() == store::Dialect::kPostgres
            ? absl::StrCat(select_due_, sql::kSkipLocked)
            : select_due_;
    auto rows = tx.Query(query,
                         {absl::ToUnixMicros(now),
                          int64_t{options_.batch_size}, options_.topic,
                          absl::ToUnixMicros(DueHorizon(now)),
                          sql::kNeverDue});
    if (!rows.ok()) {
      return rows.status();
    }
    if (rows->empty()) {
      return absl::OkStatus();
    }
    // At worst (one referral's events, or a window of hung receivers) the
    // deliveries run one after another, so the last may start this late.
    const absl::Time lease_until =
        now + options_.delivery_deadline * static_cast<int64_t>(rows->size()) +
        kLeaseMargin;
    const int64_t lease_until_us = absl::ToUnixMicros(lease_until);
    claimed.reserve(rows->size());
    for (const store::Row& row : *rows) {
      Claimed c;
      c.event.seq = row.Int(0);
      c.event.event_id = row.Text(1);
      c.event.topic = row.Text(2);
      c.event.payload = row.Text(3);
      c.event.attempts = static_cast<int>(row.Int(4));
      c.event.created_at = absl::FromUnixMicros(row.Int(5));
      c.next_attempt_at_us = row.Int(6);
      c.event.retry_from = absl::FromUnixMicros(row.Int(7));
      c.event.reference = row.Text(8);
      c.event.traceparent = row.Text(9);
      auto leased =
          tx.Exec(sql::kSetNextAttempt, {c.event.seq, lease_until_us});
      if (!leased.ok()) {
        return leased.status();
      }
      claimed.push_back(std::move(c));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return claimed;
}

absl::StatusOr<Relay::PassOutcome> Relay::Pass(absl::Time hard_deadline,
                                               StopPolicy policy) {
  absl::StatusOr<std::vector<Claimed>> claimed = Claim();
  if (!claimed.ok()) {
    return claimed.status();
  }
  PassOutcome outcome;
  outcome.claimed = static_cast<int>(claimed->size());
  if (claimed->empty()) {
    return outcome;
  }

  // Up to options_.window deliveries overlap; an event waits while an
  // earlier event of its referral is in flight, so that one referral's
  // events arrive in order. Outcomes are gathered here by the sink's
  // callbacks (any thread), which hold this state until the last returns.
  struct Window {
    absl::Mutex mu;
    absl::CondVar changed;
    int in_flight ABSL_GUARDED_BY(mu) = 0;
    absl::flat_hash_set<std::string> references ABSL_GUARDED_BY(mu);
    // Index into *claimed, and the sink's answer.
    std::vector<std::pair<size_t, absl::Status>> answers ABSL_GUARDED_BY(mu);
  };
  auto window = std::make_shared<Window>();
  size_t next = 0;
  for (; next < claimed->size(); ++next) {
    if ((policy == StopPolicy::kHonourStop && StopRequested()) ||
        absl::Now() >= hard_deadline) {
      break;
    }
    const Event& event = (*claimed)[next].event;
    {
      absl::MutexLock lock(&window->mu);
      while (window->in_flight >= options_.window ||
             window->references.contains(event.reference)) {
        window->changed.Wait(&window->mu);
      }
      ++window->in_flight;
      window->references.insert(event.reference);
    }
    const absl::Time deadline =
        std::min(absl::Now() + options_.delivery_deadline, hard_deadline);
    // The event's trace (the call that queued it) is this thread's while
    // its delivery starts (a sink answering later carries it on itself), so
    // the delivery's log lines carry it.
    const ScopedTrace trace(DeliveryTrace(event).trace_id);
    ++outcome.attempted;
    sink_.DeliverAsync(
        event, deadline,
        [window, next, reference = event.reference](absl::Status answer) {
          absl::MutexLock lock(&window->mu);
          --window->in_flight;
          window->references.erase(reference);
          window->answers.emplace_back(next, std::move(answer));
          window->changed.SignalAll();
        });
  }
  std::vector<std::pair<size_t, absl::Status>> answers;
  {
    absl::MutexLock lock(&window->mu);
    while (window->in_flight > 0) {
      window->changed.Wait(&window->mu);
    }
    answers = std::move(window->answers);
  }
  // Recorded in claim order, as when deliveries ran one at a time.
  std::sort(answers.begin(), answers.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [index, delivered] : answers) {
    const Event& event = (*claimed)[index].event;
    if (delivered.ok()) {
      ++delivered_total_;
      outcome.delivered.push_back(event.seq);
      continue;
    }
    ++failed_attempts_total_;
    if (clock_.Now() - event.retry_from >= options_.dead_letter_after) {
      ++dead_lettered_total_;
      outcome.dead_lettered.push_back(
          {event.seq, absl::InfiniteFuture(), ErrorText(delivered)});
      continue;
    }
    const absl::Duration backoff =
        Jittered(BackoffBeforeJitter(options_, event.attempts + 1));
    outcome.failed.push_back(
        {event.seq, clock_.Now() + backoff, ErrorText(delivered)});
  }

  absl::Status recorded = store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    const int64_t now_us = absl::ToUnixMicros(clock_.Now());
    for (int64_t seq : outcome.delivered) {
      auto n = tx.Exec(sql::kMarkDelivered, {seq, now_us});
      if (!n.ok()) {
        return n.status();
      }
    }
    for (const Failure& failure : outcome.failed) {
      auto n =
          tx.Exec(sql::kMarkFailed, {failure.seq, failure.error,
                                     absl::ToUnixMicros(failure.next_attempt)});
      if (!n.ok()) {
        return n.status();
      }
    }
    for (const Failure& dead : outcome.dead_lettered) {
      auto n = tx.Exec(sql::kMarkDeadLettered,
                       {dead.seq, dead.error, now_us, sql::kNeverDue});
      if (!n.ok()) {
        return n.status();
      }
    }
    // Hand back what this pass did not get to: due again at once.
    for (size_t i = next; i < claimed->size(); ++i) {
      const Claimed& c = (*claimed)[i];
      auto n =
          tx.Exec(sql::kSetNextAttempt, {c.event.seq, c.next_attempt_at_us});
      if (!n.ok()) {
        return n.status();
      }
    }
    return absl::OkStatus();
  });
  // On failure the delivered events stay leased and are delivered again
  // when the lease ends: at least once, never lost.
  if (!recorded.ok()) {
    return recorded;
  }
  return outcome;
}

absl::StatusOr<int> Relay::RunOnce() {
  if (auto s = ValidateRelayOptions(options_); !s.ok()) {
    return s;
  }
  auto outcome = Pass(absl::InfiniteFuture(), StopPolicy::kIgnoreStop);
  if (!outcome.ok()) {
    return outcome.status();
  }
  return outcome->attempted;
}

absl::StatusOr<std::optional<absl::Time>> Relay::NextDue() {
  std::optional<absl::Time> next;
  absl::Status status = store_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = tx.Query(next_due_, {options_.topic});
    if (!rows.ok()) {
      return rows.status();
    }
    if (!rows->empty() && !rows->front().IsNull(0)) {
      next = absl::FromUnixMicros(rows->front().Int(0));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return next;
}

absl::StatusOr<int64_t> Relay::CountDue(absl::Time now) {
  int64_t count = 0;
  absl::Status status = store_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = tx.Query(count_due_,
                         {absl::ToUnixMicros(now), options_.topic,
                          absl::ToUnixMicros(DueHorizon(now)),
                          sql::kNeverDue});
    if (!rows.ok()) {
      return rows.status();
    }
    count = rows->at(0).Int(0);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return count;
}

absl::Duration Relay::IdleWait() {
  absl::StatusOr<std::optional<absl::Time>> next = NextDue();
  if (!next.ok()) {
    ++store_errors_total_;
    return options_.idle_poll_interval;
  }
  if (!next->has_value()) {
    return options_.idle_poll_interval;
  }
  return std::clamp(**next - clock_.Now(), kMinIdleWait,
                    options_.idle_poll_interval);
}

void Relay::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) {
        return;
      }
      // Cleared before the pass: a Notify() during it triggers another.
      wake_ = false;
    }
    absl::StatusOr<PassOutcome> outcome =
        Pass(absl::InfiniteFuture(), StopPolicy::kHonourStop);
    absl::Duration wait = options_.idle_poll_interval;
    if (!outcome.ok()) {
      ++store_errors_total_;
    } else if (outcome->claimed == options_.batch_size) {
      continue;  // A full batch: more may be due.
    } else {
      wait = IdleWait();
    }
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(this, &Relay::WakeOrStop), wait);
  }
}

absl::Status Relay::Flush(absl::Duration budget) {
  if (auto s = ValidateRelayOptions(options_); !s.ok()) {
    return s;
  }
  const absl::Time end = absl::Now() + budget;
  // Events that failed during this flush and have not been delivered since,
  // with the time they are due again.
  absl::flat_hash_map<int64_t, absl::Time> failed;
  while (absl::Now() < end) {
    absl::StatusOr<PassOutcome> outcome = Pass(end, StopPolicy::kIgnoreStop);
    if (!outcome.ok()) {
      return outcome.status();
    }
    for (int64_t seq : outcome->delivered) {
      failed.erase(seq);
    }
    for (const Failure& f : outcome->failed) {
      failed[f.seq] = f.next_attempt;
    }
    for (const Failure& f : outcome->dead_lettered) {
      failed.erase(f.seq);  // Given up on: for an operator now.
    }
    if (outcome->attempted < outcome->claimed) {
      break;  // Budget spent.
    }
    if (outcome->claimed == options_.batch_size) {
      continue;
    }
    // Everything that was due has been attempted.
    if (failed.empty()) {
      return absl::OkStatus();
    }
    absl::Time earliest = absl::InfiniteFuture();
    for (const auto& [seq, due] : failed) {
      earliest = std::min(earliest, due);
    }
    const absl::Duration left = end - absl::Now();
    if (left <= absl::ZeroDuration()) {
      break;
    }
    absl::SleepFor(std::clamp(earliest - clock_.Now(), kMinIdleWait, left));
  }
  const absl::Time now = clock_.Now();
  absl::StatusOr<int64_t> due = CountDue(now);
  if (!due.ok()) {
    return due.status();
  }
  int64_t left = *due;
  for (const auto& [seq, next_attempt] : failed) {
    if (next_attempt > now) {
      ++left;  // Backing off, so not counted as due.
    }
  }
  if (left == 0) {
    return absl::OkStatus();
  }
  return absl::DeadlineExceededError(
      absl::StrCat("outbox flush: ", left, " events not delivered within ",
                   absl::FormatDuration(budget)));
}

}  // namespace frontdoor::outbox
