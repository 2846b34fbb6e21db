#pragma once

#include <vector>

#include "common/store/store.h"

namespace frontdoor::notify {

// notify-svc's schema, compiled from notify-svc/migrations/*.sql.
std::vector<store::Migration> Migrations();

}  // namespace frontdoor::notify
