#include "web-svc/accounts_cli.h"

#include <memory>
#include <optional>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"
#include "common/store/tool_store.h"
#include "web-svc/accounts.h"
#include "web-svc/roles.h"

namespace frontdoor::web {
namespace {

constexpr std::string_view kTool = "frontdoor-web-accounts";
constexpr std::string_view kUsage =
    "usage: frontdoor-web-accounts (create|reset|disable|enable) "
    "(--sqlite PATH | --postgres URL) --keys KEY_RING_FILE --username NAME "
    "[--display-name NAME --role ROLE] [--url BASE] [--operator ID]\n"
    "       frontdoor-web-accounts roles\n";
constexpr char kDefaultOperator[] = "operator";
constexpr size_t kMaxOperatorIdChars = 64;

bool ValidOperatorId(std::string_view id) {
  if (id.empty() || id.size() > kMaxOperatorIdChars) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

int Refused(std::ostream& err, const absl::Status& s) {
  err << kTool << ": " << s.message() << "\n";
  return s.code() == absl::StatusCode::kNotFound ||
                 s.code() == absl::StatusCode::kAlreadyExists ||
                 s.code() == absl::StatusCode::kInvalidArgument
             ? kAccountsExitRefused
             : kAccountsExitError;
}

}  // namespace

int RunAccountsCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err, const Clock& clock) {
  if (args.size() == 1 && args[0] == "roles") {
    for (const RoleInfo& r : kRoles) out << r.code << "\t" << r.title << "\n";
    return kAccountsExitOk;
  }
  const std::string command = args.empty() ? "" : args[0];
  if (command != "create" && command != "reset" && command != "disable" &&
      command != "enable") {
    err << kUsage;
    return kAccountsExitError;
  }
  std::string sqlite_path, postgres_url, keys_path, username, display_name,
      role_code, url, operator_id = kDefaultOperator;
  if (!store::ParseToolFlags(args, 1,
                             {{"--sqlite", &sqlite_path},
                              {"--postgres", &postgres_url},
                              {"--keys", &keys_path},
                              {"--username", &username},
                              {"--display-name", &display_name},
                              {"--role", &role_code},
                              {"--url", &url},
                              {"--operator", &operator_id}}) ||
      !store::NamesOneDatabase(sqlite_path, postgres_url) ||
      keys_path.empty() || username.empty() ||
      (command == "create") != !role_code.empty() ||
      (command == "create") != !display_name.empty()) {
    err << kUsage;
    return kAccountsExitError;
  }
  if (!ValidOperatorId(operator_id)) {
    err << kTool
        << ": --operator: an id of letters, digits, - and _ (not a name)\n";
    return kAccountsExitError;
  }
  std::optional<Role> role;
  if (command == "create") {
    role = RoleFromCode(role_code);
    if (!role.has_value()) {
      err << kTool << ": --role: one of";
      for (const RoleInfo& r : kRoles) err << " " << r.code;
      err << "\n";
      return kAccountsExitError;
    }
  }
  absl::StatusOr<crypto::KeyRing> keys = crypto::KeyRing::LoadFile(keys_path);
  if (!keys.ok()) {
    err << kTool << ": " << keys.status().message() << "\n";
    return kAccountsExitError;
  }
  absl::StatusOr<std::unique_ptr<store::Store>> db =
      store::OpenToolStore(kTool, sqlite_path, postgres_url);
  if (!db.ok()) {
    err << kTool << ": " << db.status().message() << "\n";
    return kAccountsExitError;
  }
  AccountStore accounts(**db, *keys, clock);
  const std::string actor = absl::StrCat("operator:", operator_id);
  int rc = kAccountsExitOk;
  if (command == "create" || command == "reset") {
    absl::StatusOr<Enrolment> e =
        command == "create"
            ? accounts.Create(username, display_name, *role, actor)
            : accounts.Reset(username, actor);
    if (!e.ok()) {
      rc = Refused(err, e.status());
    } else {
      out << "{\"account_id\":\"" << e->account_id << "\",\"enrolment_code\":\""
          << e->code << "\",\"expires\":\""
          << absl::FormatTime(absl::RFC3339_sec, e->expires,
                              absl::UTCTimeZone())
          << "\",\"enrol_at\":\"" << url << "/console/enrol\"}\n";
    }
  } else {
    const absl::Status s =
        accounts.SetDisabled(username, command == "disable", actor);
    if (!s.ok()) {
      rc = Refused(err, s);
    } else {
      out << "{\"ok\":true}\n";
    }
  }
  (*db)->Close();
  return rc;
}

}  // namespace frontdoor::web
