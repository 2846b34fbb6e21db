#pragma once

// The frontdoor-audit command, as a function so tests can run it:
//   frontdoor-audit verify (--sqlite PATH | --postgres URL)
//                          --keys KEY_RING_FILE [--anchor ANCHOR_FILE]
// checks the chain under the ring's audit key and, given an anchor file
// (a service's audit.anchor_file), that the log still reaches the anchored
// row. Prints one JSON line on `out`:
//   {"entries":N,"ok":true}
//   {"entries":N,"anchored_seq":A,"ok":false,"first_bad_seq":S,"problem":"..."}
// where N counts the rows found intact before the problem,
// "unkeyed_entries" (when not 0) those of them written before the chain was
// keyed, and "anchored_seq" the anchor's row.

#include <ostream>
#include <string>
#include <vector>

namespace frontdoor::audit {

inline constexpr int kExitChainIntact = 0;
inline constexpr int kExitChainBroken = 1;
// Bad arguments, or the database, key ring or anchor file could not be
// opened or read (message on `err`, nothing on `out`).
inline constexpr int kExitError = 2;

// `args` excludes the program name.
int RunAuditCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err);

}  // namespace frontdoor::audit
