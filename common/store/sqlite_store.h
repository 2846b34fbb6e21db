#pragma once

// Internals of the SQLite backend, exposed for tests. Services use
// OpenSqliteStore() from store.h.

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace frontdoor::store::sqlite_internal {

// Rewrites PostgreSQL-style placeholders ($1, $2, ...) to SQLite's numbered
// form (?1, ?2, ...), so one SQL text binds the same parameters on both
// backends whatever order or repetition the placeholders appear in. Text
// inside '...' literals, "..." identifiers and comments is copied unchanged,
// as is a '$' that continues an identifier (PostgreSQL allows "a$1").
std::string RewritePlaceholders(std::string_view sql);

// Maps an SQLite (extended) result code to the canonical status the Store
// interface promises: BUSY, LOCKED, IOERR and FULL are UNAVAILABLE (retry
// may succeed); UNIQUE and PRIMARY KEY violations are ALREADY_EXISTS; other
// constraint violations are FAILED_PRECONDITION; everything else INTERNAL.
// The message carries `context` and SQLite's text: internal detail only.
absl::Status StatusFromSqlite(int code, std::string_view context,
                              std::string_view sqlite_message);

}  // namespace frontdoor::store::sqlite_internal
