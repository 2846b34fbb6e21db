// What only PostgreSQL has: several processes (replicas) on one database,
// and a server that can go away and come back. Runs against the test
// server (tests/testing/pg-server); the restart test starts its own.

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/outbox/outbox.h"
#include "common/outbox/relay.h"
#include "common/store/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace frontdoor::store {
namespace {

using ::testing::HasSubstr;

std::vector<Migration> CounterMigrations() {
  return {{"test/001_counter",
           "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
           "INSERT INTO counter (id, n) VALUES (1, 0);"
           "CREATE TABLE acks (id TEXT PRIMARY KEY);"}};
}

std::unique_ptr<Store> OpenOrDie(const std::string& url,
                                 const std::vector<Migration>& migrations,
                                 PostgresOptions options = {}) {
  options.url = url;
  auto store = OpenPostgresStore(options, migrations);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

int64_t ReadInt(Store& store, const std::string& sql) {
  int64_t n = -1;
  absl::Status status = store.Read([&](Tx& tx) {
    auto rows = tx.Query(sql);
    if (!rows.ok()) return rows.status();
    n = (*rows)[0].Int(0);
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  return n;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = testing::FreshPostgresSchema("pg");
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
  }
  std::string url_;
};

// Two processes on one schema: each unit reads the counter, then writes it
// back plus one. Had the writers of the two stores overlapped, increments
// would be lost.
TEST_F(PostgresStoreTest, WritersOfTwoReplicasTakeTurns) {
  auto a = OpenOrDie(url_, CounterMigrations());
  auto b = OpenOrDie(url_, CounterMigrations());  // migrations applied once
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kThreadsPerStore = 3;
  constexpr int kIncrementsPerThread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (Store* store : {a.get(), b.get()}) {
    for (int t = 0; t < kThreadsPerStore; ++t) {
      threads.emplace_back([store, &failures] {
        for (int i = 0; i < kIncrementsPerThread; ++i) {
          absl::Status s = store->WriteSync([](Tx& tx) -> absl::Status {
            auto rows = tx.Query("SELECT n FROM counter WHERE id = 1");
            if (!rows.ok()) return rows.status();
            return tx
                .Exec("UPDATE counter SET n = $1 WHERE id = 1",
                      {(*rows)[0].Int(0) + 1})
                .status();
          });
          if (!s.ok()) ++failures;
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ReadInt(*a, "SELECT n FROM counter WHERE id = 1"),
            2 * kThreadsPerStore * kIncrementsPerThread);
}

// Records every delivery; a little slow, so the two relays overlap.
class CountingSink : public outbox::Sink {
 public:
  absl::Status Deliver(const outbox::Event& event, absl::Time) override {
    absl::SleepFor(absl::Microseconds(300));
    absl::MutexLock lock(&mu_);
    ++deliveries_[event.event_id];
    return absl::OkStatus();
  }
  absl::flat_hash_map<std::string, int> deliveries() {
    absl::MutexLock lock(&mu_);
    return deliveries_;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> deliveries_ ABSL_GUARDED_BY(mu_);
};

// Two replicas' relays drain one outbox: every event is delivered exactly
// once, and both relays take part.
TEST_F(PostgresStoreTest, RelaysOfTwoReplicasDeliverEachEventOnce) {
  auto a = OpenOrDie(url_, outbox::Migrations());
  auto b = OpenOrDie(url_, outbox::Migrations());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kEvents = 300;
  RealClock clock;
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_TRUE(a->WriteSync([&](Tx& tx) {
                   return outbox::Enqueue(tx, "hop", absl::StrCat("e", i),
                                          "payload", clock.Now());
                 }).ok());
  }
  CountingSink sink;
  outbox::RelayOptions options;
  options.topic = "hop";
  options.batch_size = 8;
  outbox::Relay relay_a(*a, sink, clock, options);
  outbox::Relay relay_b(*b, sink, clock, options);
  std::atomic<int> by_a{0}, by_b{0};
  const auto drain = [](outbox::Relay& relay, std::atomic<int>& count) {
    for (int idle = 0; idle < 3;) {
      absl::StatusOr<int> n = relay.RunOnce();
      ASSERT_TRUE(n.ok()) << n.status();
      count += *n;
      idle = *n == 0 ? idle + 1 : 0;
    }
  };
  std::thread ta([&] { drain(relay_a, by_a); });
  std::thread tb([&] { drain(relay_b, by_b); });
  ta.join();
  tb.join();
  const auto deliveries = sink.deliveries();
  EXPECT_EQ(deliveries.size(), static_cast<size_t>(kEvents));
  for (const auto& [id, times] : deliveries) EXPECT_EQ(times, 1) << id;
  EXPECT_EQ(by_a.load() + by_b.load(), kEvents);
  EXPECT_GT(by_a.load(), 0);
  EXPECT_GT(by_b.load(), 0);
  auto stats = outbox::Stats(*a, clock.Now());
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->undelivered, 0);
}

TEST_F(PostgresStoreTest, TextWithNulIsInvalidArgument) {
  auto store = OpenOrDie(url_, CounterMigrations());
  ASSERT_NE(store, nullptr);
  const absl::Status status = store->WriteSync([](Tx& tx) {
    return tx
        .Exec("INSERT INTO acks (id) VALUES ($1)", {std::string("a\0b", 3)})
        .status();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("Blob"));
}

TEST_F(PostgresStoreTest, NoServerIsUnavailableAtOpen) {
  PostgresOptions options;
  options.url = "postgresql:///postgres?host=/nonexistent-frontdoor-socket";
  auto store = OpenPostgresStore(options, {});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
}

// Its own server, durable (fsync on), so the restart cannot disturb the
// other tests.
class PostgresRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = server_.Start();
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
  }
  testing::PrivatePostgresServer server_{
      std::filesystem::path(::testing::TempDir()) /
      absl::StrCat("pg-restart-", getpid())};
  std::string url_;
};

// Readiness follows the database: while the server is down the store is
// unhealthy (a write fails with UNAVAILABLE); once it is back the store
// reconnects by itself, probing with a write of its own since an unready
// service gets no traffic, and is healthy again.
TEST_F(PostgresRestartTest, UnhealthyWhileTheServerIsDownHealthyOnceBack) {
  PostgresOptions options;
  options.reconnect_initial_backoff = absl::Milliseconds(50);
  options.reconnect_max_backoff = absl::Milliseconds(200);
  options.health_probe_interval = absl::Milliseconds(50);
  auto store = OpenOrDie(url_, CounterMigrations(), options);
  ASSERT_NE(store, nullptr);
  absl::Mutex mu;
  std::vector<bool> states;
  store->SetHealthListener([&](bool healthy) {
    absl::MutexLock lock(&mu);
    states.push_back(healthy);
  });
  const auto insert = [&](const std::string& id) {
    return store->WriteSync([&](Tx& tx) {
      return tx.Exec("INSERT INTO acks (id) VALUES ($1)", {id}).status();
    });
  };
  ASSERT_TRUE(insert("before").ok());
  EXPECT_TRUE(store->Healthy());

  ASSERT_TRUE(server_.Down().ok());
  EXPECT_EQ(insert("while-down").code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(store->Healthy());

  ASSERT_TRUE(server_.Up().ok());
  {
    absl::MutexLock lock(&mu);
    const auto healthy_again = [&] {
      return states.size() >= 3 && states.back();
    };
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&healthy_again),
                                    absl::Seconds(30)))
        << "never healthy again";
    EXPECT_EQ(states[0], true);
    EXPECT_EQ(states[1], false);
  }
  store->SetHealthListener(nullptr);
  EXPECT_TRUE(store->Healthy());
  EXPECT_TRUE(insert("after").ok());
  // Each pooled read connection finds out on its next use that the server
  // went away (UNAVAILABLE once), then reconnects.
  constexpr int kReadAttempts = 8;
  absl::Status read;
  int64_t before = -1;
  for (int i = 0; i < kReadAttempts; ++i) {
    read = store->Read([&](Tx& tx) {
      auto rows = tx.Query("SELECT count(*) FROM acks WHERE id = 'before'");
      if (!rows.ok()) return rows.status();
      before = (*rows)[0].Int(0);
      return absl::OkStatus();
    });
    if (read.ok()) break;
    EXPECT_EQ(read.code(), absl::StatusCode::kUnavailable) << read;
  }
  EXPECT_TRUE(read.ok()) << read;
  EXPECT_EQ(before, 1);
}

// A server crash and restart while writes flow: callers get UNAVAILABLE
// (and nothing else) while it is down, the store reconnects with back-off
// by itself, and every acknowledged write is there afterwards.
TEST_F(PostgresRestartTest, RestartMidLoadLosesNothingAcknowledged) {
  PostgresOptions options;
  options.reconnect_initial_backoff = absl::Milliseconds(50);
  options.reconnect_max_backoff = absl::Milliseconds(400);
  auto store = OpenOrDie(url_, CounterMigrations(), options);
  ASSERT_NE(store, nullptr);

  constexpr int kWriters = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> next_id{0};
  absl::Mutex mu;
  std::set<std::string> acknowledged;
  absl::flat_hash_map<absl::StatusCode, int> errors;
  std::atomic<int> ok_after_restart{0};
  std::atomic<bool> restarted{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      while (!stop.load()) {
        const std::string id = absl::StrCat("w", next_id++);
        absl::Status s = store->WriteSync([&](Tx& tx) {
          return tx.Exec("INSERT INTO acks (id) VALUES ($1)", {id}).status();
        });
        absl::MutexLock lock(&mu);
        if (s.ok()) {
          acknowledged.insert(id);
          if (restarted.load()) ++ok_after_restart;
        } else {
          ++errors[s.code()];
        }
      }
    });
  }
  const auto acked = [&] {
    absl::MutexLock lock(&mu);
    return acknowledged.size();
  };
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (acked() < 200 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(server_.Restart(1).ok());  // down for a second
  restarted = true;
  while (ok_after_restart.load() < 200 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  // Reads recover too.
  absl::Status read;
  for (int i = 0; i < 50; ++i) {
    read = store->Read([](Tx& tx) { return tx.Query("SELECT 1").status(); });
    if (read.ok()) break;
    EXPECT_EQ(read.code(), absl::StatusCode::kUnavailable) << read;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(read.ok()) << read;
  stop = true;
  for (auto& t : writers) t.join();

  EXPECT_GE(ok_after_restart.load(), 200) << "did not reconnect";
  {
    absl::MutexLock lock(&mu);
    EXPECT_GT(errors[absl::StatusCode::kUnavailable], 0)
        << "no write saw the server down";
    for (const auto& [code, n] : errors) {
      EXPECT_EQ(code, absl::StatusCode::kUnavailable)
          << n << " writes failed with " << absl::StatusCodeToString(code);
    }
  }
  std::set<std::string> stored;
  ASSERT_TRUE(store
                  ->Read([&](Tx& tx) {
                    auto rows = tx.Query("SELECT id FROM acks");
                    if (!rows.ok()) return rows.status();
                    for (const Row& r : *rows) stored.insert(r.Text(0));
                    return absl::OkStatus();
                  })
                  .ok());
  size_t missing = 0;
  for (const std::string& id : acknowledged) missing += stored.count(id) == 0;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged";
}

}  // namespace
}  // namespace frontdoor::store
