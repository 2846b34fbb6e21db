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

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/tls/caller.h"
#include "frontdoor/config/v1/config.pb.h"

namespace frontdoor::tls {

// Request metadata key naming the staff role of the person acting through
// the console, one of the names in kStaffRoles.
inline constexpr char kStaffRoleMetadataKey[] = "frontdoor-staff-role";

// What console staff may ask of the services beyond their service roles:
// the services' own bound on each staff role, coarser than web-svc's page
// table and never wider. A method that needs one checks it with StaffMay.
// Bit positions: never renumber.
enum class StaffAction : int {
  // Key a referral on behalf of an agency (phone, chat, secure email).
  kKeyReferral = 0,
  // Read a referral in full, decrypted.
  kReadReferral = 1,
  // Record an assessment and so a triage decision.
  kAssess = 2,
  // Change the tier that risk gives (TierOverride).
  kOverrideTier = 3,
  // Record consent, first contact or a failure of a placement.
  kRecordPlacement = 4,
  // Release a place.
  kReleasePlace = 5,
};

constexpr unsigned StaffBit(StaffAction a) {
  return 1u << static_cast<int>(a);
}

struct StaffRole {
  // As sent in kStaffRoleMetadataKey and shown in audit rows.
  const char* name;
  // The service roles a console call for this staff role has.
  std::vector<config::v1::Role> roles;
  // The StaffActions (StaffBit) this staff role may take.
  unsigned actions = 0;
};

// Every staff role the services accept, with its service roles.
const std::vector<StaffRole>& StaffRoles();

// The staff role named `name`: INVALID_ARGUMENT naming kStaffRoleMetadataKey
// and the accepted names when there is none.
absl::StatusOr<const StaffRole*> FindStaffRole(std::string_view name);

// Whether `caller` may take `action`. Callers that are not console staff
// (staff_role empty: a partner's or the helpline's own certificate) are
// bounded by their service roles alone, checked by the method as before,
// and may; console staff only as the table says.
bool StaffMay(const Caller& caller, StaffAction action);

// OK when StaffMay; otherwise PERMISSION_DENIED naming the staff role (the
// caller's own), for the method to return as it is.
absl::Status CheckStaffMay(const Caller& caller, StaffAction action);

// The roles a call from `agency` has: its registered roles, except that a
// console agency's (ROLE_CONSOLE) are, with a staff role, that role's roles
// (and ROLE_CONSOLE never). `staff_role` is empty when none was named.
std::vector<config::v1::Role> RolesOf(const config::v1::Agency& agency,
                                      const StaffRole* staff_role);

}  // namespace frontdoor::tls
