#pragma once

// The frontdoor-web-accounts command, as a function so tests can run it:
//   frontdoor-web-accounts create  DB --keys FILE --username NAME
//                                  --display-name NAME --role ROLE
//                                  [--url BASE] [--operator ID]
//   frontdoor-web-accounts reset   DB --keys FILE --username NAME
//                                  [--url BASE] [--operator ID]
//   frontdoor-web-accounts disable DB --keys FILE --username NAME [--operator
//   ID] frontdoor-web-accounts enable  DB --keys FILE --username NAME
//   [--operator ID] frontdoor-web-accounts roles
// where DB is --sqlite PATH (an existing web-svc database) or --postgres
// URL, and ROLE one of the role codes (`roles` lists them). create and
// reset print one JSON line with the account id, the one-time enrolment
// code, when it expires and where to use it:
//   {"account_id":"staff-...","enrolment_code":"...","expires":"...",
//    "enrol_at":"BASE/console/enrol"}
// disable and enable print {"ok":true}. Every change is audited in
// web-svc's audit chain as done by --operator (an id, default "operator";
// never a name).

#include <ostream>
#include <string>
#include <vector>

#include "common/clock/clock.h"

namespace frontdoor::web {

inline constexpr int kAccountsExitOk = 0;
// Refused: no such account, a name in use, a bad value.
inline constexpr int kAccountsExitRefused = 1;
// Bad arguments, or the database or key ring could not be opened.
inline constexpr int kAccountsExitError = 2;

// `args` excludes the program name.
int RunAccountsCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err,
                       const Clock& clock = RealClock::Get());

}  // namespace frontdoor::web
