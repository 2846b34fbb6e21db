#include "common/audit/audit_cli.h"

#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "common/store/store.h"

namespace frontdoor::audit {
namespace {

constexpr std::string_view kUsage =
    "usage: frontdoor-audit verify --sqlite PATH\n"
    "       frontdoor-audit verify --postgres URL\n";

// A JSON string literal of `s` (RFC 8259 escaping).
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += "\"";
  return out;
}

std::string ResultJson(const VerifyResult& result) {
  if (result.ok()) {
    return absl::StrCat("{\"entries\":", result.entries, ",\"ok\":true}");
  }
  return absl::StrCat("{\"entries\":", result.entries,
                      ",\"ok\":false,\"first_bad_seq\":", *result.first_bad_seq,
                      ",\"problem\":", JsonString(result.problem), "}");
}

}  // namespace

int RunAuditCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err) {
  std::string sqlite_path;
  std::string postgres_url;
  if (args.empty() || args[0] != "verify") {
    err << kUsage;
    return kExitError;
  }
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    bool matched = false;
    for (auto [flag, value] : {std::pair<std::string_view, std::string*>{
                                   "--sqlite", &sqlite_path},
                               {"--postgres", &postgres_url}}) {
      const std::string with_equals = std::string(flag) + "=";
      if (arg == flag && i + 1 < args.size()) {
        *value = args[++i];
        matched = true;
      } else if (arg.rfind(with_equals, 0) == 0) {
        *value = arg.substr(with_equals.size());
        matched = true;
      }
    }
    if (!matched) {
      err << kUsage;
      return kExitError;
    }
  }
  if (sqlite_path.empty() == postgres_url.empty() ||
      (!postgres_url.empty() && !store::IsPostgresUrl(postgres_url))) {
    err << kUsage;
    return kExitError;
  }
  absl::StatusOr<std::unique_ptr<store::Store>> opened;
  if (!sqlite_path.empty()) {
    // Opening creates a missing database, which would then verify as an
    // empty, intact log: a mistyped path must be an error instead.
    struct stat st;
    if (::stat(sqlite_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      err << "frontdoor-audit: no database file at " << sqlite_path << "\n";
      return kExitError;
    }
    store::SqliteOptions options;
    options.path = sqlite_path;
    options.read_connections = 1;
    // Migrations are applied once by name, so this only creates audit_log
    // in a database that lacks it.
    opened = store::OpenSqliteStore(options, Migrations());
  } else {
    // No migrations: a schema without an audit log is an error, not an
    // empty log.
    store::PostgresOptions options;
    options.url = postgres_url;
    options.application_name = "frontdoor-audit";
    options.read_connections = 1;
    opened = store::OpenPostgresStore(options, {});
  }
  if (!opened.ok()) {
    err << "frontdoor-audit: " << opened.status() << "\n";
    return kExitError;
  }
  std::unique_ptr<store::Store> store = *std::move(opened);
  absl::StatusOr<VerifyResult> result = Verify(*store);
  store->Close();
  if (!result.ok()) {
    err << "frontdoor-audit: " << result.status() << "\n";
    return kExitError;
  }
  out << ResultJson(*result) << "\n";
  out.flush();
  return result->ok() ? kExitChainIntact : kExitChainBroken;
}

}  // namespace frontdoor::audit
