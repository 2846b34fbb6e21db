#pragma once

#include <vector>

#include "common/rewrap/rewrap.h"
#include "common/store/store.h"

namespace frontdoor::notify {

// notify-svc's schema, compiled from notify-svc/migrations/*.sql.
std::vector<store::Migration> Migrations();

// The columns holding sealed personal data (besides the outbox's), each
// under its referral's data key (values sealed before data keys are moved
// to them by common/rewrap), and the wrapped data keys: for re-sealing
// after a key rotation and for erasure (Shred).
inline std::vector<rewrap::SealedColumn> SealedColumns() {
  return {{"notifications", "sealed", {"seq"}, "id", "reference"},
          {"held_notifications", "sealed", {"seq"}, "id", "reference"},
          // email.h ReferrerAddressAad.
          {"referrer_addresses",
           "sealed_address",
           {"referring_agency", "reference"},
           "referring_agency || ':' || reference || ':referrer_email'",
           "reference"},
          rewrap::DataKeysColumn()};
}

}  // namespace frontdoor::notify
