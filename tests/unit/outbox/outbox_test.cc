#include "common/outbox/outbox.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/logging/traceparent.h"
#include "common/outbox/relay.h"
#include "common/store/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"
#include "tests/testing/temp_dir.h"

namespace frontdoor::outbox {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);
// Generous bound for waits on the relay thread; tests finish long before.
constexpr absl::Duration kPatience = absl::Seconds(20);
constexpr char kTopic[] = "triage.referral_received";

// Records every delivery; fails while `failing` is set or for listed ids.
class FakeSink final : public Sink {
 public:
  absl::Status Deliver(const Event& event, absl::Time deadline) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back(event);
    deadlines_.push_back(deadline);
    traces_.emplace_back(CurrentTraceId());
    delivery_traces_.push_back(DeliveryTrace(event).trace_id);
    if (failing_ || fail_ids_.contains(event.event_id)) {
      return absl::UnavailableError("receiver down");
    }
    delivered_.push_back(event.event_id);
    ++delivered_count_[event.event_id];
    return absl::OkStatus();
  }

  void SetFailing(bool failing) {
    absl::MutexLock lock(&mu_);
    failing_ = failing;
  }
  void FailId(const std::string& id) {
    absl::MutexLock lock(&mu_);
    fail_ids_.insert(id);
  }
  std::vector<std::string> delivered() const {
    absl::MutexLock lock(&mu_);
    return delivered_;
  }
  std::vector<Event> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::vector<absl::Time> deadlines() const {
    absl::MutexLock lock(&mu_);
    return deadlines_;
  }
  // The trace id current on the relay's thread during each call, and the
  // one DeliveryTrace gave the sink for it.
  std::vector<std::string> traces() const {
    absl::MutexLock lock(&mu_);
    return traces_;
  }
  std::vector<std::string> delivery_traces() const {
    absl::MutexLock lock(&mu_);
    return delivery_traces_;
  }
  int DeliveredCount(const std::string& id) const {
    absl::MutexLock lock(&mu_);
    auto it = delivered_count_.find(id);
    return it == delivered_count_.end() ? 0 : it->second;
  }
  // Wait (real time, at most `timeout`) until at least `n` deliveries
  // succeeded / were attempted.
  bool AwaitDelivered(size_t n, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return delivered_.size() >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }
  bool AwaitCalls(size_t n, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return calls_.size() >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

 private:
  mutable absl::Mutex mu_;
  bool failing_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<std::string> fail_ids_ ABSL_GUARDED_BY(mu_);
  std::vector<Event> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Time> deadlines_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> traces_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> delivery_traces_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> delivered_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> delivered_count_ ABSL_GUARDED_BY(mu_);
};

// Holds every delivery until the test answers it, as a receiver busy
// committing would: shows how many the relay keeps in flight at once, and
// whether it ever started an event while an earlier one of its referral was
// still in flight.
class WindowSink final : public Sink {
 public:
  absl::Status Deliver(const Event& event, absl::Time deadline) override {
    return absl::InternalError("the relay uses DeliverAsync");
  }
  void DeliverAsync(const Event& event, absl::Time deadline,
                    std::function<void(absl::Status)> done) override {
    absl::ReleasableMutexLock lock(&mu_);
    if (closed_) {
      lock.Release();
      done(absl::UnavailableError("the test has ended"));
      return;
    }
    for (const Pending& p : pending_) {
      if (p.event.reference == event.reference) {
        overtaken_.push_back(event.event_id);
      }
    }
    started_.push_back(event.event_id);
    pending_.push_back({event, std::move(done)});
    most_in_flight_ = std::max(most_in_flight_, pending_.size());
  }

  // From now on answers every delivery, in flight or to come, UNAVAILABLE:
  // a test that stopped early does not leave the relay's pass waiting.
  void Close() {
    std::vector<Pending> left;
    {
      absl::MutexLock lock(&mu_);
      closed_ = true;
      left.swap(pending_);
    }
    for (Pending& p : left) p.done(absl::UnavailableError("the test has ended"));
  }

  // Waits until `n` deliveries are in flight.
  bool AwaitInFlight(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return pending_.size() >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), kPatience);
  }
  // Answers the in-flight delivery of `event_id` (false if none).
  bool Answer(const std::string& event_id, absl::Status answer) {
    std::function<void(absl::Status)> done;
    {
      absl::MutexLock lock(&mu_);
      auto it = std::find_if(
          pending_.begin(), pending_.end(),
          [&](const Pending& p) { return p.event.event_id == event_id; });
      if (it == pending_.end()) return false;
      done = std::move(it->done);
      pending_.erase(it);
    }
    done(std::move(answer));  // Outside the lock: the relay may start more.
    return true;
  }
  std::vector<std::string> InFlight() const {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> ids;
    for (const Pending& p : pending_) ids.push_back(p.event.event_id);
    return ids;
  }
  std::vector<std::string> started() const {
    absl::MutexLock lock(&mu_);
    return started_;
  }
  std::vector<std::string> overtaken() const {
    absl::MutexLock lock(&mu_);
    return overtaken_;
  }
  size_t most_in_flight() const {
    absl::MutexLock lock(&mu_);
    return most_in_flight_;
  }

 private:
  struct Pending {
    Event event;
    std::function<void(absl::Status)> done;
  };
  mutable absl::Mutex mu_;
  std::vector<Pending> pending_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> started_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> overtaken_ ABSL_GUARDED_BY(mu_);
  size_t most_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

struct OutboxRow {
  int64_t attempts = 0;
  absl::Time next_attempt_at;
  bool delivered = false;
  std::string last_error;
};

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTestDir("outbox");
    OpenStore();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void OpenStore() {
    if (location_.empty()) location_ = testing::TestStoreLocation(dir_, "outbox");
    auto store = testing::OpenTestStore(location_, Migrations());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  absl::Status EnqueueEvent(const std::string& event_id,
                            const std::string& payload = "payload") {
    return store_->WriteSync([&](store::Tx& tx) {
      return Enqueue(tx, kTopic, event_id, payload, clock_.Now());
    });
  }

  // Queues each (event id, referral) in one transaction, in order.
  void EnqueueForReferrals(
      const std::vector<std::pair<std::string, std::string>>& events) {
    ASSERT_TRUE(store_
                    ->WriteSync([&](store::Tx& tx) -> absl::Status {
                      for (const auto& [id, reference] : events) {
                        if (auto s = Enqueue(tx, kTopic, id, "p",
                                             clock_.Now(), reference);
                            !s.ok()) {
                          return s;
                        }
                      }
                      return absl::OkStatus();
                    })
                    .ok());
  }

  // Runs one pass of a relay with `window` on another thread (it waits for
  // the sink's answers) and returns its outcome once the pass ends.
  absl::StatusOr<int> RunPassWhile(WindowSink& sink, int window,
                                   const std::function<void()>& answer) {
    RelayOptions options;
    options.window = window;
    Relay relay(*store_, sink, clock_, options);
    absl::StatusOr<int> attempted;
    std::thread pass([&] { attempted = relay.RunOnce(); });
    answer();
    sink.Close();
    pass.join();
    delivered_ = relay.delivered_total();
    failed_ = relay.failed_attempts_total();
    return attempted;
  }
  int64_t delivered_ = 0;  // of the last RunPassWhile's relay
  int64_t failed_ = 0;

  OutboxRow ReadRow(const std::string& event_id) {
    OutboxRow result;
    absl::Status status = store_->Read([&](store::Tx& tx) -> absl::Status {
      auto rows = tx.Query(
          "SELECT attempts, next_attempt_at_us, delivered_at_us, last_error "
          "FROM outbox WHERE event_id = $1",
          {event_id});
      if (!rows.ok()) {
        return rows.status();
      }
      if (rows->size() != 1) {
        return absl::NotFoundError(event_id);
      }
      const store::Row& row = rows->front();
      result.attempts = row.Int(0);
      result.next_attempt_at = absl::FromUnixMicros(row.Int(1));
      result.delivered = !row.IsNull(2);
      result.last_error = row.Text(3);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return result;
  }

  std::filesystem::path dir_;
  std::string location_;  // of the store; reopened by OpenStore
  FakeClock clock_{kStart};
  std::unique_ptr<store::Store> store_;
  FakeSink sink_;
};

TEST_F(OutboxTest, MigrationIsNamed) {
  const std::vector<store::Migration> migrations = Migrations();
  ASSERT_EQ(migrations.size(), 5u);
  EXPECT_EQ(migrations[0].name, "common/outbox/001_outbox");
  EXPECT_EQ(migrations[1].name, "common/outbox/002_dead_letters");
  EXPECT_EQ(migrations[2].name, "common/outbox/003_reference");
  EXPECT_EQ(migrations[3].name, "common/outbox/004_traceparent");
  EXPECT_EQ(migrations[4].name, "common/outbox/005_pending_by_topic");
}

// The trace of the thread that issued the write is stored with the event,
// although the store runs the transaction on its own thread; the relay makes
// it current while the event is delivered and hands the sink the same trace.
// An event queued outside any trace stores '' and is delivered under a new
// root, the same one the relay's thread and the sink see.
TEST_F(OutboxTest, StoresTheCallersTraceAndTheRelayContinuesIt) {
  const TraceContext call = NewTrace();
  {
    ScopedTrace scope(call.trace_id);
    ASSERT_TRUE(EnqueueEvent("traced").ok());
  }
  ASSERT_TRUE(EnqueueEvent("untraced").ok());

  std::vector<std::string> stored;
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> absl::Status {
                    auto rows = tx.Query(
                        "SELECT traceparent FROM outbox ORDER BY seq");
                    if (!rows.ok()) return rows.status();
                    for (const store::Row& row : *rows) {
                      stored.push_back(row.Text(0));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_EQ(stored.size(), 2u);
  std::optional<TraceContext> traced = ParseTraceparent(stored[0]);
  ASSERT_TRUE(traced.has_value()) << stored[0];
  EXPECT_EQ(traced->trace_id, call.trace_id);
  EXPECT_EQ(stored[1], "");

  Relay relay(*store_, sink_, clock_);
  ASSERT_TRUE(relay.RunOnce().ok());
  ASSERT_EQ(sink_.calls().size(), 2u);
  EXPECT_EQ(sink_.calls()[0].traceparent, stored[0]);
  EXPECT_EQ(sink_.calls()[1].traceparent, "");
  const std::vector<std::string> current = sink_.traces();
  const std::vector<std::string> given = sink_.delivery_traces();
  EXPECT_EQ(current[0], call.trace_id);
  EXPECT_EQ(given[0], call.trace_id);
  EXPECT_EQ(current[1].size(), 32u) << "a new root for the untraced event";
  EXPECT_NE(current[1], call.trace_id);
  EXPECT_EQ(given[1], current[1]);
  EXPECT_EQ(CurrentTraceId(), "") << "restored after the delivery";
}

TEST(DeliveryTraceTest, StoredThenCurrentThenANewRoot) {
  Event event;
  event.traceparent =
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-00";
  TraceContext stored = DeliveryTrace(event);
  EXPECT_EQ(stored.trace_id, "4bf92f3577b34a4e83d7d5d5a4bd4da0");
  EXPECT_FALSE(stored.sampled);

  event.traceparent = "not a traceparent";
  {
    ScopedTrace scope("0af7651916cd43dd8448eb211c80319c");
    EXPECT_EQ(DeliveryTrace(event).trace_id,
              "0af7651916cd43dd8448eb211c80319c");
  }
  event.traceparent.clear();
  const TraceContext first = DeliveryTrace(event);
  const TraceContext second = DeliveryTrace(event);
  EXPECT_TRUE(ParseTraceparent(FormatTraceparent(first, NewSpanId())));
  EXPECT_NE(first.trace_id, second.trace_id);
}

// Events of the referrals RelayOptions::held_back_references names wait,
// neither delivered nor attempted, and go once the referral leaves it;
// events of other referrals, and of none, are not held up.
TEST_F(OutboxTest, HeldBackReferencesWaitAndGoWhenReleased) {
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) -> absl::Status {
                    absl::StatusOr<int64_t> made = tx.Exec(
                        "CREATE TABLE waiting_refs (reference TEXT)");
                    if (!made.ok()) return made.status();
                    if (auto s = Enqueue(tx, kTopic, "restricted-1", "p",
                                         clock_.Now(), "FD-R");
                        !s.ok()) {
                      return s;
                    }
                    if (auto s = Enqueue(tx, kTopic, "other-1", "p",
                                         clock_.Now(), "FD-O");
                        !s.ok()) {
                      return s;
                    }
                    if (auto s = Enqueue(tx, kTopic, "none-1", "p",
                                         clock_.Now());
                        !s.ok()) {
                      return s;
                    }
                    return tx
                        .Exec("INSERT INTO waiting_refs (reference) "
                              "VALUES ('FD-R')")
                        .status();
                  })
                  .ok());
  RelayOptions options;
  options.held_back_references = "SELECT reference FROM waiting_refs";
  Relay relay(*store_, sink_, clock_, options);
  ASSERT_TRUE(relay.RunOnce().ok());
  EXPECT_THAT(sink_.delivered(), ElementsAre("other-1", "none-1"));
  EXPECT_EQ(ReadRow("restricted-1").attempts, 0);
  EXPECT_FALSE(ReadRow("restricted-1").delivered);
  // Nothing is due while it waits: a flush has nothing left to do.
  EXPECT_TRUE(relay.Flush(absl::Seconds(1)).ok());
  // Counted apart, not as undelivered (nor in the hop's oldest age).
  clock_.Advance(absl::Hours(1));
  auto stats =
      StatsByTopic(*store_, clock_.Now(), options.held_back_references);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ((*stats)[kTopic].held_back, 1);
  EXPECT_EQ((*stats)[kTopic].undelivered, 0);
  EXPECT_EQ((*stats)[kTopic].oldest_undelivered_age, absl::ZeroDuration());
  EXPECT_EQ((*StatsByTopic(*store_, clock_.Now()))[kTopic].undelivered, 1)
      << "without the subquery, as before";
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return tx.Exec("DELETE FROM waiting_refs").status();
                  })
                  .ok());
  ASSERT_TRUE(relay.RunOnce().ok());
  EXPECT_THAT(sink_.delivered(),
              ElementsAre("other-1", "none-1", "restricted-1"));
}

TEST_F(OutboxTest, EventCommitsOnlyWithTheCallersTransaction) {
  const absl::Status rolled_back = store_->WriteSync([&](store::Tx& tx) {
    if (auto s = Enqueue(tx, kTopic, "lost", "p", clock_.Now()); !s.ok()) {
      return s;
    }
    return absl::AbortedError("state change failed");
  });
  EXPECT_EQ(rolled_back.code(), absl::StatusCode::kAborted);
  auto stats = Stats(*store_, clock_.Now());
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->undelivered, 0);

  ASSERT_TRUE(EnqueueEvent("kept").ok());
  Relay relay(*store_, sink_, clock_);
  auto attempted = relay.RunOnce();
  ASSERT_TRUE(attempted.ok()) << attempted.status();
  EXPECT_EQ(*attempted, 1);
  EXPECT_THAT(sink_.delivered(), ElementsAre("kept"));
}

TEST_F(OutboxTest, EnqueueRejectsDuplicatesAndEmptyKeys) {
  ASSERT_TRUE(EnqueueEvent("e1").ok());
  EXPECT_EQ(EnqueueEvent("e1").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(EnqueueEvent("").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_
                ->WriteSync([&](store::Tx& tx) {
                  return Enqueue(tx, "", "e2", "p", clock_.Now());
                })
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(OutboxTest, RunOnceDeliversInOrderWithPayloadIntact) {
  const std::string binary_payload("\0\x01proto\xff\0", 9);
  ASSERT_TRUE(EnqueueEvent("e1", binary_payload).ok());
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(EnqueueEvent("e2").ok());
  ASSERT_TRUE(EnqueueEvent("e3").ok());

  Relay relay(*store_, sink_, clock_);
  const absl::Time before = absl::Now();
  auto attempted = relay.RunOnce();
  ASSERT_TRUE(attempted.ok()) << attempted.status();
  EXPECT_EQ(*attempted, 3);
  EXPECT_THAT(sink_.delivered(), ElementsAre("e1", "e2", "e3"));

  const std::vector<Event> calls = sink_.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].payload, binary_payload);
  EXPECT_EQ(calls[0].topic, kTopic);
  EXPECT_EQ(calls[0].attempts, 0);
  EXPECT_EQ(calls[0].created_at, kStart);
  EXPECT_LT(calls[0].seq, calls[1].seq);
  EXPECT_LT(calls[1].seq, calls[2].seq);
  // The delivery deadline is real time, default 5 s ahead.
  for (absl::Time deadline : sink_.deadlines()) {
    EXPECT_GE(deadline, before + absl::Seconds(5));
    EXPECT_LE(deadline, absl::Now() + absl::Seconds(5));
  }
  EXPECT_TRUE(ReadRow("e1").delivered);
  EXPECT_EQ(relay.delivered_total(), 3);
  EXPECT_EQ(relay.failed_attempts_total(), 0);

  attempted = relay.RunOnce();
  ASSERT_TRUE(attempted.ok()) << attempted.status();
  EXPECT_EQ(*attempted, 0);
  EXPECT_EQ(sink_.calls().size(), 3u);
}

TEST_F(OutboxTest, BatchSizeBoundsEachPass) {
  constexpr int kEvents = 5;
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_TRUE(EnqueueEvent(absl::StrCat("e", i)).ok());
  }
  RelayOptions options;
  options.batch_size = 2;
  Relay relay(*store_, sink_, clock_, options);
  std::vector<int> passes;
  for (int i = 0; i < 4; ++i) {
    auto attempted = relay.RunOnce();
    ASSERT_TRUE(attempted.ok()) << attempted.status();
    passes.push_back(*attempted);
  }
  EXPECT_THAT(passes, ElementsAre(2, 2, 1, 0));
  EXPECT_THAT(sink_.delivered(), ElementsAre("e0", "e1", "e2", "e3", "e4"));
}

// The relay keeps up to `window` deliveries in flight, never more, and
// records every answer (successes and failures) in one pass.
TEST_F(OutboxTest, AWindowOfDeliveriesIsInFlightAtOnce) {
  std::vector<std::pair<std::string, std::string>> events;
  for (int i = 0; i < 7; ++i) {
    events.emplace_back(absl::StrCat("e", i), absl::StrCat("FD-", i));
  }
  EnqueueForReferrals(events);
  WindowSink sink;
  absl::StatusOr<int> attempted = RunPassWhile(sink, 3, [&] {
    ASSERT_TRUE(sink.AwaitInFlight(3));
    EXPECT_THAT(sink.InFlight(), ElementsAre("e0", "e1", "e2"));
    // Answered out of order: each answer lets the next event start.
    ASSERT_TRUE(sink.Answer("e1", absl::OkStatus()));
    ASSERT_TRUE(sink.AwaitInFlight(3));
    EXPECT_THAT(sink.InFlight(), ElementsAre("e0", "e2", "e3"));
    for (const char* id : {"e0", "e2", "e3"}) {
      ASSERT_TRUE(sink.Answer(id, absl::OkStatus()));
    }
    ASSERT_TRUE(sink.AwaitInFlight(3));
    ASSERT_TRUE(sink.Answer("e4", absl::UnavailableError("receiver busy")));
    for (const char* id : {"e5", "e6"}) {
      ASSERT_TRUE(sink.Answer(id, absl::OkStatus()));
    }
  });
  ASSERT_TRUE(attempted.ok()) << attempted.status();
  EXPECT_EQ(*attempted, 7);
  EXPECT_EQ(sink.most_in_flight(), 3u);
  EXPECT_EQ(delivered_, 6);
  EXPECT_EQ(failed_, 1);
  EXPECT_TRUE(ReadRow("e6").delivered);
  const OutboxRow failed = ReadRow("e4");
  EXPECT_FALSE(failed.delivered);
  EXPECT_EQ(failed.attempts, 1);
  EXPECT_THAT(failed.last_error, HasSubstr("receiver busy"));
}

// One referral's events go one after another, in order, even when a window
// would let them overlap; other referrals' events are not held up by them.
TEST_F(OutboxTest, OneReferralsEventsAreNeverInFlightTogether) {
  EnqueueForReferrals({{"a1", "FD-A"},
                       {"b1", "FD-B"},
                       {"a2", "FD-A"},
                       {"a3", "FD-A"},
                       {"c1", "FD-C"}});
  WindowSink sink;
  absl::StatusOr<int> attempted = RunPassWhile(sink, 8, [&] {
    ASSERT_TRUE(sink.AwaitInFlight(2));
    ASSERT_TRUE(sink.Answer("b1", absl::OkStatus()));
    ASSERT_TRUE(sink.Answer("a1", absl::OkStatus()));
    ASSERT_TRUE(sink.AwaitInFlight(1));
    ASSERT_TRUE(sink.Answer("a2", absl::OkStatus()));
    ASSERT_TRUE(sink.AwaitInFlight(2));
    EXPECT_THAT(sink.InFlight(), ElementsAre("a3", "c1"));
    ASSERT_TRUE(sink.Answer("c1", absl::OkStatus()));
    ASSERT_TRUE(sink.Answer("a3", absl::OkStatus()));
  });
  ASSERT_TRUE(attempted.ok()) << attempted.status();
  EXPECT_THAT(sink.overtaken(), ::testing::IsEmpty());
  EXPECT_THAT(sink.started(), ElementsAre("a1", "b1", "a2", "a3", "c1"));
  EXPECT_EQ(delivered_, 5);
}

TEST_F(OutboxTest, FailingSinkRetriedWithGrowingJitteredBackoff) {
  ASSERT_TRUE(EnqueueEvent("e1").ok());
  RelayOptions options;  // 200 ms initial, x2, jitter 0.2.
  Relay relay(*store_, sink_, clock_, options);
  sink_.SetFailing(true);

  constexpr int kFailures = 5;
  for (int k = 1; k <= kFailures; ++k) {
    auto attempted = relay.RunOnce();
    ASSERT_TRUE(attempted.ok()) << attempted.status();
    ASSERT_EQ(*attempted, 1) << "failure " << k;
    const OutboxRow row = ReadRow("e1");
    EXPECT_EQ(row.attempts, k);
    EXPECT_FALSE(row.delivered);
    EXPECT_THAT(row.last_error, HasSubstr("receiver down"));
    const absl::Duration base =
        options.initial_backoff * (int64_t{1} << (k - 1));
    const absl::Duration delay = row.next_attempt_at - clock_.Now();
    EXPECT_GE(delay, base * (1 - options.jitter)) << "failure " << k;
    EXPECT_LE(delay, base * (1 + options.jitter)) << "failure " << k;

    // Not due before its back-off ends.
    attempted = relay.RunOnce();
    ASSERT_TRUE(attempted.ok()) << attempted.status();
    EXPECT_EQ(*attempted, 0);
    clock_.Set(row.next_attempt_at);
  }
  sink_.SetFailing(false);
  auto attempted = relay.RunOnce();
  ASSERT_TRUE(attempted.ok()) << attempted.status();
  EXPECT_EQ(*attempted, 1);
  EXPECT_TRUE(ReadRow("e1").delivered);

  // Delivered once: later passes, however late, leave it alone.
  clock_.Advance(absl::Hours(1));
  attempted = relay.RunOnce();
  ASSERT_TRUE(attempted.ok()) << attempted.status();
  EXPECT_EQ(*attempted, 0);
  EXPECT_EQ(sink_.DeliveredCount("e1"), 1);
  const std::vector<Event> calls = sink_.calls();
  ASSERT_EQ(calls.size(), static_cast<size_t>(kFailures + 1));
  for (int i = 0; i <= kFailures; ++i) {
    EXPECT_EQ(calls[i].attempts, i);
  }
  EXPECT_EQ(relay.failed_attempts_total(), kFailures);
  EXPECT_EQ(relay.delivered_total(), 1);
}

TEST(BackoffTest, DoublesUpToTheCap) {
  RelayOptions options;
  EXPECT_EQ(BackoffBeforeJitter(options, 1), absl::Milliseconds(200));
  EXPECT_EQ(BackoffBeforeJitter(options, 2), absl::Milliseconds(400));
  EXPECT_EQ(BackoffBeforeJitter(options, 3), absl::Milliseconds(800));
  // 200 ms * 2^9 = 102.4 s, above the 60 s cap.
  EXPECT_EQ(BackoffBeforeJitter(options, 10), absl::Seconds(60));
  EXPECT_EQ(BackoffBeforeJitter(options, 1'000'000), absl::Seconds(60));
}

TEST(BackoffTest, OptionsValidated) {
  EXPECT_TRUE(ValidateRelayOptions(RelayOptions()).ok());
  RelayOptions bad;
  bad.jitter = 1.0;
  EXPECT_EQ(ValidateRelayOptions(bad).code(),
            absl::StatusCode::kInvalidArgument);
  bad = RelayOptions();
  bad.max_backoff = absl::Milliseconds(100);
  EXPECT_EQ(ValidateRelayOptions(bad).code(),
            absl::StatusCode::kInvalidArgument);
  bad = RelayOptions();
  bad.batch_size = 0;
  EXPECT_EQ(ValidateRelayOptions(bad).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(OutboxTest, StartRejectsBadOptionsAndSecondStart) {
  RelayOptions bad;
  bad.idle_poll_interval = absl::ZeroDuration();
  Relay bad_relay(*store_, sink_, clock_, bad);
  EXPECT_EQ(bad_relay.Start().code(), absl::StatusCode::kInvalidArgument);

  Relay relay(*store_, sink_, clock_);
  ASSERT_TRUE(relay.Start().ok());
  EXPECT_EQ(relay.Start().code(), absl::StatusCode::kFailedPrecondition);
  relay.Stop();
  relay.Stop();  // Idempotent.
}

TEST_F(OutboxTest, RelayThreadDeliversPromptlyOnNotify) {
  RelayOptions options;
  // Without Notify() the relay would not look again for an hour.
  options.idle_poll_interval = absl::Hours(1);
  Relay relay(*store_, sink_, clock_, options);
  ASSERT_TRUE(relay.Start().ok());
  for (const char* id : {"a", "b", "c"}) {
    store_->Write(
        [&, id](store::Tx& tx) {
          return Enqueue(tx, kTopic, id, "p", clock_.Now());
        },
        [&](const absl::Status& status) {
          EXPECT_TRUE(status.ok()) << status;
          relay.Notify();
        });
  }
  ASSERT_TRUE(sink_.AwaitDelivered(3, kPatience));
  relay.Stop();
  EXPECT_THAT(sink_.delivered(), ElementsAre("a", "b", "c"));
}

TEST_F(OutboxTest, RelayThreadRetriesUntilDelivered) {
  RelayOptions options;
  options.idle_poll_interval = absl::Hours(1);
  Relay relay(*store_, sink_, clock_, options);
  sink_.SetFailing(true);
  ASSERT_TRUE(EnqueueEvent("e1").ok());
  ASSERT_TRUE(relay.Start().ok());
  relay.Notify();
  ASSERT_TRUE(sink_.AwaitCalls(1, kPatience));
  sink_.SetFailing(false);
  // Due-ness follows the fake clock: move it past any back-off and wake the
  // relay until it retries (the failure may still be being recorded).
  const absl::Time give_up = absl::Now() + kPatience;
  while (!sink_.AwaitDelivered(1, absl::Milliseconds(50))) {
    ASSERT_LT(absl::Now(), give_up);
    clock_.Advance(options.max_backoff * 2);
    relay.Notify();
  }
  relay.Stop();
  EXPECT_EQ(sink_.DeliveredCount("e1"), 1);
  EXPECT_TRUE(ReadRow("e1").delivered);
  EXPECT_GE(relay.failed_attempts_total(), 1);
  EXPECT_EQ(relay.delivered_total(), 1);
}

TEST_F(OutboxTest, UndeliveredEventsSurviveRestart) {
  RelayOptions options;
  options.batch_size = 2;
  {
    Relay relay(*store_, sink_, clock_, options);
    ASSERT_TRUE(EnqueueEvent("e1").ok());
    ASSERT_TRUE(EnqueueEvent("e2").ok());
    ASSERT_TRUE(EnqueueEvent("e3").ok());
    sink_.FailId("e2");
    auto attempted = relay.RunOnce();  // e1 delivered, e2 failed, e3 untried.
    ASSERT_TRUE(attempted.ok()) << attempted.status();
    ASSERT_EQ(*attempted, 2);
  }
  store_.reset();
  OpenStore();
  ASSERT_NE(store_, nullptr);

  FakeSink second_sink;
  Relay relay(*store_, second_sink, clock_, options);
  clock_.Advance(options.max_backoff * 2);
  auto attempted = relay.RunOnce();
  ASSERT_TRUE(attempted.ok()) << attempted.status();
  EXPECT_EQ(*attempted, 2);
  EXPECT_THAT(second_sink.delivered(), ElementsAre("e2", "e3"));
  EXPECT_EQ(second_sink.calls().front().attempts, 1);
}

// The store goes away after a delivery but before the relay records it (as
// in a crash): the event stays claimed until its lease ends, then comes
// again. At least once, never lost.
class ClosingSink final : public Sink {
 public:
  explicit ClosingSink(store::Store& store) : store_(store) {}
  absl::Status Deliver(const Event& event, absl::Time deadline) override {
    store_.Close();
    return absl::OkStatus();
  }

 private:
  store::Store& store_;
};

TEST_F(OutboxTest, ClaimedButUnrecordedEventIsRedeliveredAfterLease) {
  ASSERT_TRUE(EnqueueEvent("e1").ok());
  {
    ClosingSink closing(*store_);
    Relay relay(*store_, closing, clock_);
    EXPECT_EQ(relay.RunOnce().status().code(), absl::StatusCode::kUnavailable);
  }
  store_.reset();
  OpenStore();
  ASSERT_NE(store_, nullptr);
  Relay relay(*store_, sink_, clock_);
  auto attempted = relay.RunOnce();
  ASSERT_TRUE(attempted.ok()) << attempted.status();
  EXPECT_EQ(*attempted, 0);  // Still leased.
  clock_.Advance(absl::Minutes(5));
  attempted = relay.RunOnce();
  ASSERT_TRUE(attempted.ok()) << attempted.status();
  EXPECT_EQ(*attempted, 1);
  EXPECT_THAT(sink_.delivered(), ElementsAre("e1"));
}

TEST_F(OutboxTest, FlushDeliversEverythingDue) {
  RelayOptions options;
  options.batch_size = 2;  // Several passes.
  Relay relay(*store_, sink_, clock_, options);
  for (const char* id : {"e1", "e2", "e3", "e4", "e5"}) {
    ASSERT_TRUE(EnqueueEvent(id).ok());
  }
  const absl::Status flushed = relay.Flush(kPatience);
  EXPECT_TRUE(flushed.ok()) << flushed;
  EXPECT_THAT(sink_.delivered(), ElementsAre("e1", "e2", "e3", "e4", "e5"));
  auto stats = Stats(*store_, clock_.Now());
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->undelivered, 0);
}

TEST_F(OutboxTest, FlushReportsDeadlineExceededWhileSinkFails) {
  ASSERT_TRUE(EnqueueEvent("e1").ok());
  ASSERT_TRUE(EnqueueEvent("e2").ok());
  sink_.SetFailing(true);
  Relay relay(*store_, sink_, clock_);
  const absl::Status flushed = relay.Flush(absl::Milliseconds(100));
  EXPECT_EQ(flushed.code(), absl::StatusCode::kDeadlineExceeded) << flushed;
  EXPECT_THAT(flushed.message(), HasSubstr("2 events"));
  EXPECT_EQ(ReadRow("e1").attempts, 1);
  EXPECT_EQ(ReadRow("e2").attempts, 1);
}

TEST_F(OutboxTest, FlushIgnoresEventsAlreadyBackingOff) {
  ASSERT_TRUE(EnqueueEvent("e1").ok());
  sink_.SetFailing(true);
  Relay relay(*store_, sink_, clock_);
  ASSERT_TRUE(relay.RunOnce().ok());
  // Nothing is due, and nothing failed during the flush: the backed-off
  // event waits, stored, for after the restart.
  EXPECT_TRUE(relay.Flush(kPatience).ok());
  EXPECT_EQ(sink_.calls().size(), 1u);
}

// A sink that uses its whole deadline, as a hung receiver would.
class HangingSink final : public Sink {
 public:
  absl::Status Deliver(const Event& event, absl::Time deadline) override {
    absl::SleepFor(deadline - absl::Now());
    ++calls;
    return absl::DeadlineExceededError("receiver hung");
  }
  int calls = 0;
};

TEST_F(OutboxTest, FlushBudgetCutsBatchAndHandsBackTheRest) {
  ASSERT_TRUE(EnqueueEvent("e1").ok());
  ASSERT_TRUE(EnqueueEvent("e2").ok());
  HangingSink hanging;
  Relay relay(*store_, hanging, clock_);
  const absl::Status flushed = relay.Flush(absl::Milliseconds(100));
  EXPECT_EQ(flushed.code(), absl::StatusCode::kDeadlineExceeded) << flushed;
  EXPECT_THAT(flushed.message(), HasSubstr("2 events"));
  EXPECT_EQ(hanging.calls, 1);
  // e2 was claimed but never tried: due again at once, not leased.
  const OutboxRow e2 = ReadRow("e2");
  EXPECT_EQ(e2.attempts, 0);
  EXPECT_EQ(e2.next_attempt_at, kStart);
}

TEST_F(OutboxTest, StatsReportDepthAndAge) {
  auto stats = Stats(*store_, clock_.Now());
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->undelivered, 0);
  EXPECT_EQ(stats->oldest_undelivered_age, absl::ZeroDuration());

  ASSERT_TRUE(EnqueueEvent("old").ok());
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(EnqueueEvent("new").ok());
  clock_.Advance(absl::Seconds(20));
  stats = Stats(*store_, clock_.Now());
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->undelivered, 2);
  EXPECT_EQ(stats->oldest_undelivered_age, absl::Seconds(30));

  RelayOptions options;
  options.batch_size = 1;
  Relay relay(*store_, sink_, clock_, options);
  ASSERT_TRUE(relay.RunOnce().ok());
  stats = Stats(*store_, clock_.Now());
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->undelivered, 1);
  EXPECT_EQ(stats->oldest_undelivered_age, absl::Seconds(20));
}

TEST_F(OutboxTest, ARelayForOneTopicLeavesTheOthers) {
  ASSERT_TRUE(EnqueueEvent("mine-1").ok());
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return Enqueue(tx, "other.topic", "theirs", "p",
                                   clock_.Now());
                  })
                  .ok());
  ASSERT_TRUE(EnqueueEvent("mine-2").ok());
  RelayOptions options;
  options.topic = kTopic;
  Relay relay(*store_, sink_, clock_, options);
  ASSERT_TRUE(relay.RunOnce().ok());
  EXPECT_THAT(sink_.delivered(), ElementsAre("mine-1", "mine-2"));
  EXPECT_FALSE(ReadRow("theirs").delivered);
  EXPECT_TRUE(relay.Flush(absl::Seconds(1)).ok());
}

TEST_F(OutboxTest, StatsByTopicSplitsTheHops) {
  ASSERT_TRUE(EnqueueEvent("a1").ok());
  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return Enqueue(tx, "other.topic", "b1", "p", clock_.Now());
                  })
                  .ok());
  clock_.Advance(absl::Seconds(5));
  auto by_topic = StatsByTopic(*store_, clock_.Now());
  ASSERT_TRUE(by_topic.ok()) << by_topic.status();
  ASSERT_EQ(by_topic->size(), 2u);
  EXPECT_EQ(by_topic->at(kTopic).undelivered, 1);
  EXPECT_EQ(by_topic->at(kTopic).oldest_undelivered_age, absl::Seconds(10));
  EXPECT_EQ(by_topic->at("other.topic").oldest_undelivered_age,
            absl::Seconds(5));
}

TEST_F(OutboxTest, FailingPastTheWindowDeadLettersAndReplayRetries) {
  ASSERT_TRUE(EnqueueEvent("e1").ok());
  RelayOptions options;
  options.dead_letter_after = absl::Minutes(10);
  Relay relay(*store_, sink_, clock_, options);
  sink_.SetFailing(true);

  // Retried with back-off while inside the window.
  auto attempted = relay.RunOnce();
  ASSERT_TRUE(attempted.ok()) << attempted.status();
  EXPECT_EQ(*attempted, 1);
  clock_.Advance(absl::Minutes(9));
  ASSERT_TRUE(relay.RunOnce().ok());
  EXPECT_EQ(ReadRow("e1").attempts, 2);
  EXPECT_EQ(relay.dead_lettered_total(), 0);

  // The first failure at or past the window gives up on it.
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(relay.RunOnce().ok());
  EXPECT_EQ(relay.dead_lettered_total(), 1);
  EXPECT_EQ(ReadRow("e1").attempts, 3);
  EXPECT_FALSE(ReadRow("e1").delivered);
  auto by_topic = StatsByTopic(*store_, clock_.Now());
  ASSERT_TRUE(by_topic.ok()) << by_topic.status();
  EXPECT_EQ(by_topic->at(kTopic).dead_lettered, 1);
  EXPECT_EQ(by_topic->at(kTopic).undelivered, 0);
  EXPECT_EQ(by_topic->at(kTopic).oldest_undelivered_age, absl::ZeroDuration());

  // Never attempted again, however late, and a flush does not wait on it.
  sink_.SetFailing(false);
  clock_.Advance(absl::Hours(24));
  attempted = relay.RunOnce();
  ASSERT_TRUE(attempted.ok()) << attempted.status();
  EXPECT_EQ(*attempted, 0);
  EXPECT_TRUE(relay.Flush(absl::Seconds(1)).ok());

  // Replay makes it due now with a new window; delivered once.
  auto replayed = store_->WriteSync([&](store::Tx& tx) -> absl::Status {
    auto n = ReplayDeadLetters(tx, kTopic, clock_.Now());
    if (!n.ok()) return n.status();
    EXPECT_EQ(*n, 1);
    return absl::OkStatus();
  });
  ASSERT_TRUE(replayed.ok()) << replayed;
  attempted = relay.RunOnce();
  ASSERT_TRUE(attempted.ok()) << attempted.status();
  EXPECT_EQ(*attempted, 1);
  EXPECT_EQ(sink_.DeliveredCount("e1"), 1);
  by_topic = StatsByTopic(*store_, clock_.Now());
  ASSERT_TRUE(by_topic.ok());
  EXPECT_TRUE(by_topic->empty());
}

TEST_F(OutboxTest, ReplayedEventGetsAFullNewWindow) {
  ASSERT_TRUE(EnqueueEvent("e1").ok());
  RelayOptions options;
  options.dead_letter_after = absl::Minutes(10);
  Relay relay(*store_, sink_, clock_, options);
  sink_.SetFailing(true);
  clock_.Advance(absl::Minutes(10));
  ASSERT_TRUE(relay.RunOnce().ok());
  ASSERT_EQ(relay.dead_lettered_total(), 1);
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return ReplayDeadLetters(tx, "", clock_.Now()).status();
                  })
                  .ok());
  // Still failing just after the replay: retried, not dead again.
  ASSERT_TRUE(relay.RunOnce().ok());
  EXPECT_EQ(relay.dead_lettered_total(), 1);
  EXPECT_EQ(ReadRow("e1").attempts, 1);
}

TEST_F(OutboxTest, PurgeRemovesOnlyOldDeliveredEvents) {
  ASSERT_TRUE(EnqueueEvent("delivered").ok());
  Relay relay(*store_, sink_, clock_);
  ASSERT_TRUE(relay.RunOnce().ok());
  ASSERT_TRUE(EnqueueEvent("pending").ok());
  const absl::Time cutoff = clock_.Now() + absl::Seconds(1);

  int64_t purged = -1;
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) -> absl::Status {
                    auto n = PurgeDelivered(tx, cutoff, /*limit=*/100);
                    if (!n.ok()) return n.status();
                    purged = *n;
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(purged, 1);
  auto stats = Stats(*store_, clock_.Now());
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->undelivered, 1);
  // The id stays unique only while its row is kept.
  EXPECT_EQ(EnqueueEvent("pending").code(), absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace frontdoor::outbox
