#pragma once

#include <vector>

#include "common/rewrap/rewrap.h"
#include "common/store/store.h"

namespace frontdoor::intake {

// intake-svc's schema, compiled from intake-svc/migrations/*.sql.
std::vector<store::Migration> Migrations();

// The columns holding sealed personal data (besides the outbox's), for
// re-sealing after a key rotation.
inline std::vector<rewrap::SealedColumn> SealedColumns() {
  return {{"referrals", "sealed_referral", {"reference"}, "reference"},
          // common/rights/rectify.h SealRectifiedValue.
          {"rectifications", "sealed_old", {"reference", "seq"},
           "reference || ':' || seq || ':rectification:old'"},
          {"rectifications", "sealed_new", {"reference", "seq"},
           "reference || ':' || seq || ':rectification:new'"}};
}

}  // namespace frontdoor::intake
