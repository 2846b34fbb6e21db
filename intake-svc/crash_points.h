#pragma once

// Crash points for the fault suite (tests/fault, FAULT-MATRIX rows 1-3):
// places in intake-svc's write path where a test build kills the process,
// as kill -9 or a power cut would, to prove that what the client was told
// and what is stored agree whatever the moment of the crash.
//
// Compiled in only when FRONTDOOR_CRASH_POINTS is defined, which only the
// test executable intake-svc-crash-points (intake-svc/CMakeLists.txt) does.
// In the production intake-svc every FRONTDOOR_CRASH_POINT(...) is nothing,
// and the fault suite checks that its binary does not hold kCrashAtEnv.
//
// The points, named by the environment variable FRONTDOOR_CRASH_AT:
//   mid_transaction            inside the referral's write transaction,
//                              after the row and its outbox events are
//                              written, before the commit
//   after_commit_before_reply  after the commit, before the reply is handed
//                              to gRPC
//   after_ack_before_forward   after gRPC has sent the reply (the reactor's
//                              OnDone), before the relay forwards the event
//                              (the commit does not wake the relays while
//                              this point is armed)

#ifdef FRONTDOOR_CRASH_POINTS

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace frontdoor::intake {

inline constexpr char kCrashAtEnv[] = "FRONTDOOR_CRASH_AT";

// Whether `point` is the one FRONTDOOR_CRASH_AT names.
inline bool CrashPointArmed(std::string_view point) {
  static const std::string armed = [] {
    const char* value = std::getenv(kCrashAtEnv);
    return std::string(value == nullptr ? "" : value);
  }();
  return !armed.empty() && armed == point;
}

// Kills the process with SIGKILL when `point` is armed: no destructor, no
// flush, no reply.
inline void CrashPoint(std::string_view point) {
  if (CrashPointArmed(point)) {
    kill(getpid(), SIGKILL);
    _exit(137);  // not reached: SIGKILL cannot be caught
  }
}

}  // namespace frontdoor::intake

#define FRONTDOOR_CRASH_POINT(point) ::frontdoor::intake::CrashPoint(point)
#define FRONTDOOR_CRASH_POINT_ARMED(point) \
  ::frontdoor::intake::CrashPointArmed(point)

#else

#define FRONTDOOR_CRASH_POINT(point) \
  do {                               \
  } while (false)
#define FRONTDOOR_CRASH_POINT_ARMED(point) false

#endif
