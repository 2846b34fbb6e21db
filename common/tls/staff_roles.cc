#include "common/tls/staff_roles.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace frontdoor::tls {

using config::v1::Role;

const std::vector<StaffRole>& StaffRoles() {
  // Call handlers key referrals taken by phone, chat or secure email and see
  // the queue; practitioners and team leaders also assess, read referrals
  // in full and are told of repeats; operators run the service;
  // commissioners see reports only (none of these roles: no personal data).
  static const auto* const kRoles = new std::vector<StaffRole>{
      {"call_handler", {config::v1::ROLE_REFERRER, config::v1::ROLE_STAFF}},
      {"practitioner",
       {config::v1::ROLE_REFERRER, config::v1::ROLE_STAFF,
        config::v1::ROLE_REPEAT_VIEWER}},
      {"team_leader",
       {config::v1::ROLE_REFERRER, config::v1::ROLE_STAFF,
        config::v1::ROLE_REPEAT_VIEWER}},
      {"operator", {config::v1::ROLE_OPERATOR}},
      {"commissioner", {}},
  };
  return *kRoles;
}

absl::StatusOr<const StaffRole*> FindStaffRole(std::string_view name) {
  std::vector<std::string> names;
  for (const StaffRole& role : StaffRoles()) {
    if (name == role.name) return &role;
    names.emplace_back(role.name);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "request metadata \"", kStaffRoleMetadataKey, "\" must be one of ",
      absl::StrJoin(names, ", ")));
}

std::vector<Role> RolesOf(const config::v1::Agency& agency,
                          const StaffRole* staff_role) {
  std::vector<Role> roles;
  for (int r : agency.roles()) {
    if (r == config::v1::ROLE_CONSOLE) continue;
    roles.push_back(static_cast<Role>(r));
  }
  if (staff_role == nullptr) return roles;
  // A staff role replaces the agency's own roles: the person acts as staff,
  // not as the web forms.
  return staff_role->roles;
}

}  // namespace frontdoor::tls
