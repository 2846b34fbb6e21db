#pragma once

#include <vector>

#include "common/store/store.h"

namespace frontdoor::intake {

// intake-svc's schema, compiled from intake-svc/migrations/*.sql.
std::vector<store::Migration> Migrations();

}  // namespace frontdoor::intake
