#include "common/audit/audit_cli.h"


#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "common/store/store.h"
#include "common/store/tool_store.h"

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
  if (!store::ParseToolFlags(args, 1,
                             {{"--sqlite", &sqlite_path},
                              {"--postgres", &postgres_url}}) ||
      !store::NamesOneDatabase(sqlite_path, postgres_url)) {
    err << kUsage;
    return kExitError;
  }
  // Migrations are applied once by name, so on SQLite this only creates
  // audit_log in a database that lacks it; on PostgreSQL a schema without an
  // audit log is an error, not an empty log.
  absl::StatusOr<std::unique_ptr<store::Store>> opened = store::OpenToolStore(
      "frontdoor-audit", sqlite_path, postgres_url, Migrations());
  if (!opened.ok()) {
    err << "frontdoor-audit: "
        << (absl::IsNotFound(opened.status())
                ? std::string(opened.status().message())
                : opened.status().ToString())
        << "\n";
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
