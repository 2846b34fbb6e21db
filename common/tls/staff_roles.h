#pragma once

// The console's calls: web-svc (an agency with ROLE_CONSOLE) acts for a
// signed-in member of the service's staff, named in kActorMetadataKey, whose
// staff role it names in kStaffRoleMetadataKey. The services give such a
// call the roles of that staff role, from the one table below, and nothing
// of ROLE_CONSOLE itself; without the key, the console agency's other roles
// only (web-svc's anonymous web forms). What each staff role may do on each
// page is web-svc's table (web-svc/roles.h); this one bounds what the
// services accept from any of them, so that a commissioner's session cannot
// read a referral even if web-svc asked.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "frontdoor/config/v1/config.pb.h"

namespace frontdoor::tls {

// Request metadata key naming the staff role of the person acting through
// the console, one of the names in kStaffRoles.
inline constexpr char kStaffRoleMetadataKey[] = "frontdoor-staff-role";

struct StaffRole {
  // As sent in kStaffRoleMetadataKey and shown in audit rows.
  const char* name;
  // The service roles a console call for this staff role has.
  std::vector<config::v1::Role> roles;
};

// Every staff role the services accept, with its service roles.
const std::vector<StaffRole>& StaffRoles();

// The staff role named `name`: INVALID_ARGUMENT naming kStaffRoleMetadataKey
// and the accepted names when there is none.
absl::StatusOr<const StaffRole*> FindStaffRole(std::string_view name);

// The roles a call from `agency` has: its registered roles, except that a
// console agency's (ROLE_CONSOLE) are, with a staff role, that role's roles
// (and ROLE_CONSOLE never). `staff_role` is empty when none was named.
std::vector<config::v1::Role> RolesOf(const config::v1::Agency& agency,
                                      const StaffRole* staff_role);

}  // namespace frontdoor::tls
