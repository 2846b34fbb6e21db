#include "common/server/signals.h"

#include <pthread.h>
#include <signal.h>

#include <thread>

#include "gtest/gtest.h"

namespace frontdoor::server {
namespace {

TEST(SignalsTest, WaitReturnsTheBlockedSignal) {
  // Runs in its own thread so the test binary's main thread is unaffected.
  absl::StatusOr<int> received;
  std::thread waiter([&received] {
    BlockShutdownSignals();
    // Directed at this thread, so no other (unblocked) thread can take it.
    pthread_kill(pthread_self(), SIGTERM);
    received = WaitForShutdownSignal();
  });
  waiter.join();
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(*received, SIGTERM);
}

TEST(SignalsTest, WaitingWithoutBlockingIsRefused) {
  absl::StatusOr<int> received;
  std::thread waiter([&received] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    received = WaitForShutdownSignal();
  });
  waiter.join();
  EXPECT_EQ(received.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace frontdoor::server
