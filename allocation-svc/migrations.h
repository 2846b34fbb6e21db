#pragma once

#include <vector>

#include "common/rewrap/rewrap.h"
#include "common/store/store.h"

namespace frontdoor::allocation {

// allocation-svc's schema, compiled from allocation-svc/migrations/*.sql.
std::vector<store::Migration> Migrations();

// The columns holding sealed personal data (besides the outbox's), for
// re-sealing after a key rotation.
inline std::vector<rewrap::SealedColumn> SealedColumns() {
  return {{"placements", "sealed_decision", {"reference"}, "reference"},
          {"placements", "sealed_reason", {"reference"},
           "reference || ':reason'"},
          // common/rights/rectify.h SealRectifiedValue.
          {"rectifications", "sealed_old", {"reference", "seq"},
           "reference || ':' || seq || ':rectification:old'"},
          {"rectifications", "sealed_new", {"reference", "seq"},
           "reference || ':' || seq || ':rectification:new'"}};
}

}  // namespace frontdoor::allocation
