#include "common/store/tool_store.h"

#include <sys/stat.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace frontdoor::store {

bool ParseToolFlags(const std::vector<std::string>& args, size_t first,
                    const std::vector<ToolFlag>& flags) {
  for (size_t i = first; i < args.size(); ++i) {
    const std::string& arg = args[i];
    bool matched = false;
    for (const auto& [flag, value] : flags) {
      const std::string with_equals = absl::StrCat(
          absl::string_view(flag.data(), flag.size()), "=");
      if (arg == flag && i + 1 < args.size()) {
        *value = args[++i];
        matched = true;
      } else if (arg.rfind(with_equals, 0) == 0) {
        *value = arg.substr(with_equals.size());
        matched = true;
      }
    }
    if (!matched) return false;
  }
  return true;
}

bool NamesOneDatabase(const std::string& sqlite_path,
                      const std::string& postgres_url) {
  return sqlite_path.empty() != postgres_url.empty() &&
         (postgres_url.empty() || IsPostgresUrl(postgres_url));
}

absl::StatusOr<std::unique_ptr<Store>> OpenToolStore(
    std::string_view tool, const std::string& sqlite_path,
    const std::string& postgres_url,
    const std::vector<Migration>& sqlite_migrations) {
  if (!sqlite_path.empty()) {
    struct stat st;
    if (::stat(sqlite_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return absl::NotFoundError(
          absl::StrCat("no database file at ", sqlite_path));
    }
    SqliteOptions options;
    options.path = sqlite_path;
    options.read_connections = 1;
    return OpenSqliteStore(options, sqlite_migrations);
  }
  PostgresOptions options;
  options.url = postgres_url;
  options.application_name = std::string(tool);
  options.read_connections = 1;
  return OpenPostgresStore(options, {});
}

}  // namespace frontdoor::store
