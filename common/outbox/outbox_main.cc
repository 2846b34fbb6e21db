// frontdoor-outbox: replays a service's dead-lettered outbox events.
//   frontdoor-outbox replay --topic TOPIC --sqlite PATH
// Exit status 0 done, 2 error. See common/outbox/outbox_cli.h.

#include <iostream>
#include <string>
#include <vector>

#include "common/clock/clock.h"
#include "common/outbox/outbox_cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return frontdoor::outbox::RunOutboxCommand(
      args, frontdoor::RealClock::Get(), std::cout, std::cerr);
}
