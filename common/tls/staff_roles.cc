#include "common/tls/staff_roles.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace frontdoor::tls {

using config::v1::Role;

const std::vector<StaffRole>& StaffRoles() {
  // Call handlers key referrals taken by phone, chat or secure email and see
  // the queue; practitioners and team leaders also assess, read referrals
  // in full and are told of repeats; operators run the service and see
  // reports; commissioners see reports only (aggregate figures: no
  // personal data); the data-protection officer uses the DataRights
  // methods only.
  // Only team leaders override a tier or release a place.
  constexpr unsigned kPractitionerActions =
      StaffBit(StaffAction::kKeyReferral) |
      StaffBit(StaffAction::kReadReferral) | StaffBit(StaffAction::kAssess) |
      StaffBit(StaffAction::kRecordPlacement);
  static const auto* const kRoles = new std::vector<StaffRole>{
      {"call_handler",
       {config::v1::ROLE_REFERRER, config::v1::ROLE_STAFF},
       StaffBit(StaffAction::kKeyReferral)},
      {"practitioner",
       {config::v1::ROLE_REFERRER, config::v1::ROLE_STAFF,
        config::v1::ROLE_REPEAT_VIEWER},
       kPractitionerActions},
      {"team_leader",
       {config::v1::ROLE_REFERRER, config::v1::ROLE_STAFF,
        config::v1::ROLE_REPEAT_VIEWER},
       kPractitionerActions | StaffBit(StaffAction::kOverrideTier) |
           StaffBit(StaffAction::kReleasePlace)},
      {"operator",
       {config::v1::ROLE_OPERATOR, config::v1::ROLE_REPORT_VIEWER},
       0},
      {"commissioner", {config::v1::ROLE_REPORT_VIEWER}, 0},
      // Answers subject access requests and applies restriction, legal
      // holds, rectification and erasure (the DataRights methods).
      {"data_protection_officer", {config::v1::ROLE_DATA_PROTECTION}, 0},
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

bool StaffMay(const Caller& caller, StaffAction action) {
  if (caller.staff_role.empty()) return true;
  for (const StaffRole& role : StaffRoles()) {
    if (caller.staff_role == role.name) {
      return (role.actions & StaffBit(action)) != 0;
    }
  }
  return false;
}

absl::Status CheckStaffMay(const Caller& caller, StaffAction action) {
  if (StaffMay(caller, action)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "the staff role \"", caller.staff_role, "\" may not do this"));
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
