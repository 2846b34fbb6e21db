#pragma once

// The frontdoor-audit command, as a function so tests can run it:
//   frontdoor-audit verify --sqlite PATH
// prints one JSON line on `out`:
//   {"entries":N,"ok":true}
//   {"entries":N,"ok":false,"first_bad_seq":S,"problem":"..."}
// where N counts the rows found intact before the problem.

#include <ostream>
#include <string>
#include <vector>

namespace frontdoor::audit {

inline constexpr int kExitChainIntact = 0;
inline constexpr int kExitChainBroken = 1;
// Bad arguments, or the database could not be opened or read (message on
// `err`, nothing on `out`).
inline constexpr int kExitError = 2;

// `args` excludes the program name.
int RunAuditCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err);

}  // namespace frontdoor::audit
