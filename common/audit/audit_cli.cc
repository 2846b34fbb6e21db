#include "common/audit/audit_cli.h"

#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "common/store/store.h"

namespace frontdoor::audit {
namespace {

constexpr std::string_view kUsage =
    "usage: frontdoor-audit verify --sqlite PATH\n";

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
  if (args.empty() || args[0] != "verify") {
    err << kUsage;
    return kExitError;
  }
  for (size_t i = 1; i < args.size(); ++i) {
    constexpr std::string_view kSqliteFlag = "--sqlite";
    const std::string& arg = args[i];
    if (arg == kSqliteFlag && i + 1 < args.size()) {
      sqlite_path = args[++i];
    } else if (arg.rfind("--sqlite=", 0) == 0) {
      sqlite_path = arg.substr(kSqliteFlag.size() + 1);
    } else {
      err << kUsage;
      return kExitError;
    }
  }
  if (sqlite_path.empty()) {
    err << kUsage;
    return kExitError;
  }
  // Opening creates a missing database, which would then verify as an empty,
  // intact log: a mistyped path must be an error instead.
  struct stat st;
  if (::stat(sqlite_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    err << "frontdoor-audit: no database file at " << sqlite_path << "\n";
    return kExitError;
  }

  store::SqliteOptions options;
  options.path = sqlite_path;
  options.read_connections = 1;
  // Migrations are applied once by name, so this only creates audit_log in a
  // database that lacks it.
  auto opened = store::OpenSqliteStore(options, Migrations());
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
