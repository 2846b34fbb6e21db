#pragma once

#include <vector>

#include "common/rewrap/rewrap.h"
#include "common/store/store.h"

namespace frontdoor::notify {

// notify-svc's schema, compiled from notify-svc/migrations/*.sql.
std::vector<store::Migration> Migrations();

// The columns holding sealed personal data (besides the outbox's), for
// re-sealing after a key rotation.
inline std::vector<rewrap::SealedColumn> SealedColumns() {
  return {{"notifications", "sealed", {"seq"}, "id"},
          {"held_notifications", "sealed", {"seq"}, "id"},
          // email.h ReferrerAddressAad.
          {"referrer_addresses",
           "sealed_address",
           {"referring_agency", "reference"},
           "referring_agency || ':' || reference || ':referrer_email'"}};
}

}  // namespace frontdoor::notify
