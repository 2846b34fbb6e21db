#pragma once

#include <vector>

#include "common/store/store.h"

namespace frontdoor::allocation {

// allocation-svc's schema, compiled from allocation-svc/migrations/*.sql.
std::vector<store::Migration> Migrations();

}  // namespace frontdoor::allocation
