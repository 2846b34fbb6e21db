// frontdoor-audit: checks a service's hash-chained audit log.
//   frontdoor-audit verify --sqlite PATH
// Exit status 0 intact, 1 broken, 2 error. See common/audit/audit_cli.h.

#include <iostream>
#include <string>
#include <vector>

#include "common/audit/audit_cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return frontdoor::audit::RunAuditCommand(args, std::cout, std::cerr);
}
