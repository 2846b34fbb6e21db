#include "web-svc/roles.h"

#include "absl/strings/str_cat.h"

namespace frontdoor::web {

const RoleInfo* FindRole(Role role) {
  for (const RoleInfo& r : kRoles) {
    if (r.role == role) return &r;
  }
  return nullptr;
}

bool May(Role role, Permission permission) {
  const RoleInfo* r = FindRole(role);
  return r != nullptr && (r->permissions & Bit(permission)) != 0;
}

std::optional<Role> RoleFromCode(std::string_view code) {
  for (const RoleInfo& r : kRoles) {
    if (r.code == code) return r.role;
  }
  return std::nullopt;
}

std::optional<Role> RoleFromInt(int64_t value) {
  for (const RoleInfo& r : kRoles) {
    if (static_cast<int64_t>(r.role) == value) return r.role;
  }
  return std::nullopt;
}

std::string RoleTableMarkdown() {
  std::string out = "| may | code |";
  std::string rule = "|---|---|";
  for (const RoleInfo& r : kRoles) {
    absl::StrAppend(&out, " ", std::string(r.title), " |");
    absl::StrAppend(&rule, "---|");
  }
  absl::StrAppend(&out, "\n", rule, "\n");
  for (const PermissionInfo& p : kPermissions) {
    absl::StrAppend(&out, "| ", std::string(p.description), " | `",
                    std::string(p.code), "` |");
    for (const RoleInfo& r : kRoles) {
      absl::StrAppend(&out,
                      (r.permissions & Bit(p.permission)) ? " yes |" : " |");
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace frontdoor::web
