#pragma once

// Changing a service's database as someone with the file or the owner's
// rights could (not as the service's own connection can): the audit log's
// append-only triggers are dropped first. For tests of what the audit chain
// and its anchors detect.

#include <string>

#include "absl/status/status.h"
#include "common/audit/audit.h"
#include "common/store/store.h"
#include "tests/testing/test_store.h"

namespace frontdoor::testing {

inline absl::Status ExecAsDatabaseOwner(store::Store& store,
                                        const std::string& sql,
                                        const store::Params& params = {}) {
  return store.WriteSync([&](store::Tx& tx) -> absl::Status {
    for (const std::string& drop :
         audit::AllowTamperingStatements(OnPostgres())) {
      if (absl::Status s = tx.Exec(drop).status(); !s.ok()) return s;
    }
    return tx.Exec(sql, params).status();
  });
}

}  // namespace frontdoor::testing
