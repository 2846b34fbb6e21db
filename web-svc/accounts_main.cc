// frontdoor-web-accounts: operators create, reset, disable and enable the
// console's staff accounts. See web-svc/accounts_cli.h.
#include <iostream>
#include <string>
#include <vector>

#include "web-svc/accounts_cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return frontdoor::web::RunAccountsCommand(args, std::cout, std::cerr);
}
