#include "common/server/signals.h"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace frontdoor::server {
namespace {

sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void BlockShutdownSignals() {
  const sigset_t set = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void PrepareServerProcess() {
  BlockShutdownSignals();
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

absl::StatusOr<int> WaitForShutdownSignal() {
  sigset_t current;
  if (pthread_sigmask(SIG_BLOCK, nullptr, &current) != 0 ||
      sigismember(&current, SIGTERM) != 1 || sigismember(&current, SIGINT) != 1) {
    return absl::FailedPreconditionError(
        "SIGTERM and SIGINT are not blocked: call BlockShutdownSignals() "
        "first in main");
  }
  const sigset_t set = ShutdownSignals();
  int signal_number = 0;
  const int error = sigwait(&set, &signal_number);
  if (error != 0) {
    return absl::InternalError(
        absl::StrCat("sigwait: ", std::strerror(error)));
  }
  return signal_number;
}

}  // namespace frontdoor::server
