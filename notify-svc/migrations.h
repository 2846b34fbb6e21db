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
  return {{"notifications", "sealed", {"seq"}, "id"}};
}

}  // namespace frontdoor::notify
