#pragma once

#include <vector>

#include "common/rewrap/rewrap.h"
#include "common/store/store.h"

namespace frontdoor::triage {

// triage-svc's schema, compiled from triage-svc/migrations/*.sql.
std::vector<store::Migration> Migrations();

// The columns holding sealed personal data (besides the outbox's), for
// re-sealing after a key rotation.
inline std::vector<rewrap::SealedColumn> SealedColumns() {
  return {{"triage_referrals", "sealed_event", {"reference"}, "reference"},
          {"triage_decisions", "sealed_decision", {"reference", "number"},
           "reference || ':' || number"},
          {"triage_decisions", "sealed_assessment", {"reference", "number"},
           "reference || ':' || number || ':assessment'"},
          // common/rights/rectify.h SealRectifiedValue.
          {"rectifications", "sealed_old", {"reference", "seq"},
           "reference || ':' || seq || ':rectification:old'"},
          {"rectifications", "sealed_new", {"reference", "seq"},
           "reference || ':' || seq || ':rectification:new'"}};
}

}  // namespace frontdoor::triage
