#pragma once

#include <vector>

#include "common/rewrap/rewrap.h"
#include "common/store/store.h"

namespace frontdoor::triage {

// triage-svc's schema, compiled from triage-svc/migrations/*.sql.
std::vector<store::Migration> Migrations();

// The columns holding sealed personal data (besides the outbox's and the
// data keys'), each under its referral's data key (values sealed before
// data keys are moved to them by common/rewrap), for re-sealing after a
// key rotation and for erasure.
inline std::vector<rewrap::SealedColumn> SealedColumns() {
  return {{"triage_referrals", "sealed_event", {"reference"}, "reference",
           "reference"},
          // common/rights/rectify.h SealRectifiedValue.
          {"rectifications", "sealed_old", {"reference", "seq"},
           "reference || ':' || seq || ':rectification:old'", "reference"},
          {"rectifications", "sealed_new", {"reference", "seq"},
           "reference || ':' || seq || ':rectification:new'", "reference"},
          {"triage_decisions", "sealed_decision", {"reference", "number"},
           "reference || ':' || number", "reference"},
          {"triage_decisions", "sealed_assessment", {"reference", "number"},
           "reference || ':' || number || ':assessment'", "reference"},
          rewrap::DataKeysColumn()};
}

}  // namespace frontdoor::triage
