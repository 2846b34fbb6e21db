#pragma once

#include <vector>

#include "common/rewrap/rewrap.h"
#include "common/store/store.h"

namespace frontdoor::allocation {

// allocation-svc's schema, compiled from allocation-svc/migrations/*.sql.
std::vector<store::Migration> Migrations();

// The columns holding sealed personal data (besides the outbox's), each
// under its referral's data key (values sealed before data keys are moved
// to them by common/rewrap), and the wrapped data keys: for re-sealing
// after a key rotation and for erasure (Shred).
inline std::vector<rewrap::SealedColumn> SealedColumns() {
  return {{"placements", "sealed_decision", {"reference"}, "reference",
           "reference"},
          // common/rights/rectify.h SealRectifiedValue.
          {"rectifications", "sealed_old", {"reference", "seq"},
           "reference || ':' || seq || ':rectification:old'", "reference"},
          {"rectifications", "sealed_new", {"reference", "seq"},
           "reference || ':' || seq || ':rectification:new'", "reference"},
          {"placements", "sealed_reason", {"reference"},
           "reference || ':reason'", "reference"},
          rewrap::DataKeysColumn()};
}

}  // namespace frontdoor::allocation
