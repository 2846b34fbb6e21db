#pragma once

// What the operators' command-line tools (frontdoor-audit, frontdoor-outbox)
// share: their flags, and opening a service's database named by exactly one
// of --sqlite PATH or --postgres URL.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/store/store.h"

namespace frontdoor::store {

// A flag and where its value goes.
using ToolFlag = std::pair<std::string_view, std::string*>;

// Reads args[first...] as "--flag VALUE" or "--flag=VALUE" for `flags`.
// False on an argument that is no known flag or lacks its value.
bool ParseToolFlags(const std::vector<std::string>& args, size_t first,
                    const std::vector<ToolFlag>& flags);

// True when exactly one of the two is given and a URL is a PostgreSQL one.
bool NamesOneDatabase(const std::string& sqlite_path,
                      const std::string& postgres_url);

// Opens the database a tool names, with one read connection. A SQLite path
// must be an existing file (opening would create a missing one, and a
// mistyped path must be an error, not an empty database): NOT_FOUND "no
// database file at PATH" otherwise. `sqlite_migrations` are applied to a
// SQLite file only; on PostgreSQL nothing is created.
absl::StatusOr<std::unique_ptr<Store>> OpenToolStore(
    std::string_view tool, const std::string& sqlite_path,
    const std::string& postgres_url,
    const std::vector<Migration>& sqlite_migrations = {});

}  // namespace frontdoor::store
