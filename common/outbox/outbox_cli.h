#pragma once

// The frontdoor-outbox command, as a function so tests can run it: the
// operator's replay of a service's dead-lettered events, on the service's
// own database (the service may keep running: its relay picks the events up
// on its next pass).
//   frontdoor-outbox replay --topic TOPIC --sqlite PATH
//   frontdoor-outbox replay --topic TOPIC --postgres URL
// prints one JSON line on `out`: {"topic":"TOPIC","replayed":N}.
// notify-svc's push partners are replayed over gRPC instead
// (NotifyInbox.ReplayDeadLetters, operators only).

#include <ostream>
#include <string>
#include <vector>

#include "common/clock/clock.h"

namespace frontdoor::outbox {

inline constexpr int kExitReplayed = 0;
// Bad arguments, or the database could not be opened or written (message
// on `err`, nothing on `out`).
inline constexpr int kExitReplayError = 2;

// `args` excludes the program name. Replayed events are due at
// `clock.Now()` with a new dead-letter window.
int RunOutboxCommand(const std::vector<std::string>& args, const Clock& clock,
                     std::ostream& out, std::ostream& err);

}  // namespace frontdoor::outbox
