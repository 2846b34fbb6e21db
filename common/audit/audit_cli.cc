#include "common/audit/audit_cli.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "common/crypto/key_ring.h"
#include "common/logging/logging.h"
#include "common/store/store.h"
#include "common/store/tool_store.h"

namespace frontdoor::audit {
namespace {

constexpr std::string_view kUsage =
    "usage: frontdoor-audit verify (--sqlite PATH | --postgres URL) "
    "--keys KEY_RING_FILE [--anchor ANCHOR_FILE]\n";

// A JSON string literal of `s`, escaped as the suite's logs are.
std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

std::string ResultJson(const VerifyResult& result,
                       const std::optional<Anchor>& anchor) {
  std::string json = absl::StrCat("{\"entries\":", result.entries);
  if (result.unkeyed_entries > 0) {
    absl::StrAppend(&json, ",\"unkeyed_entries\":", result.unkeyed_entries);
  }
  if (anchor.has_value()) {
    absl::StrAppend(&json, ",\"anchored_seq\":", anchor->seq);
  }
  if (result.ok()) return absl::StrCat(json, ",\"ok\":true}");
  return absl::StrCat(json, ",\"ok\":false,\"first_bad_seq\":",
                      *result.first_bad_seq,
                      ",\"problem\":", JsonString(result.problem), "}");
}

}  // namespace

int RunAuditCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err) {
  std::string sqlite_path;
  std::string postgres_url;
  std::string keys_path;
  std::string anchor_path;
  if (args.empty() || args[0] != "verify") {
    err << kUsage;
    return kExitError;
  }
  if (!store::ParseToolFlags(args, 1,
                             {{"--sqlite", &sqlite_path},
                              {"--postgres", &postgres_url},
                              {"--keys", &keys_path},
                              {"--anchor", &anchor_path}}) ||
      !store::NamesOneDatabase(sqlite_path, postgres_url) ||
      keys_path.empty()) {
    err << kUsage;
    return kExitError;
  }
  absl::StatusOr<crypto::KeyRing> keys = crypto::KeyRing::LoadFile(keys_path);
  if (!keys.ok()) {
    err << "frontdoor-audit: " << keys.status().message() << "\n";
    return kExitError;
  }
  std::optional<Anchor> anchor;
  if (!anchor_path.empty()) {
    absl::StatusOr<std::optional<Anchor>> read = ReadAnchorFile(anchor_path);
    if (!read.ok()) {
      err << "frontdoor-audit: " << read.status().message() << "\n";
      return kExitError;
    }
    if (!read->has_value()) {
      err << "frontdoor-audit: no anchor file at " << anchor_path << "\n";
      return kExitError;
    }
    anchor = **read;
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
  absl::StatusOr<VerifyResult> result = Verify(*store, *keys, anchor);
  store->Close();
  if (!result.ok()) {
    err << "frontdoor-audit: " << result.status() << "\n";
    return kExitError;
  }
  out << ResultJson(*result, anchor) << "\n";
  out.flush();
  return result->ok() ? kExitChainIntact : kExitChainBroken;
}

}  // namespace frontdoor::audit
