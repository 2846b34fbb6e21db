#pragma once

#include <vector>

#include "common/store/store.h"

namespace frontdoor::triage {

// triage-svc's schema, compiled from triage-svc/migrations/*.sql.
std::vector<store::Migration> Migrations();

}  // namespace frontdoor::triage
