#pragma once

// Staff roles and what each may do in the console: one table, here. Every
// role check in web-svc asks May(role, permission); the README's table is
// RoleTableMarkdown() (a test keeps them the same).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace frontdoor::web {

// Stored in staff_accounts.role: never renumber.
enum class Role : int {
  kUnspecified = 0,
  kCallHandler = 1,
  kPractitioner = 2,
  kTeamLeader = 3,
  kOperator = 4,
  kCommissioner = 5,
  kDataProtectionOfficer = 6,
};

// What a person may do. Bit positions: never renumber.
enum class Permission : int {
  // Key a referral taken by phone, chat or secure email.
  kKeyReferral = 0,
  // See the triage queue (references, risk, waits; no names).
  kViewQueue = 1,
  // Read a referral in full (decrypted), each view audited.
  kViewReferral = 2,
  // Enter a DASH or children's assessment and see the decision.
  kAssess = 3,
  // Override a triage decision's tier, with a reason.
  kOverrideDecision = 4,
  // Record consent, first contact and failures of a placement.
  kRecordPlacement = 5,
  // Release a place (the head of the waiting list is then allocated).
  kReleasePlace = 6,
  // See the waiting lists per programme.
  kViewWaitingLists = 7,
  // See the commissioners' reports (aggregate figures, no personal data):
  // the services give them to ROLE_REPORT_VIEWER only, which operators
  // and commissioners have.
  kViewReports = 8,
  // Find a person across the services, restrict, hold, rectify and erase
  // their data, and answer subject access requests: the data-protection
  // officer's pages (/console/data-rights), which the services give to
  // ROLE_DATA_PROTECTION only.
  kDataRights = 9,
};
inline constexpr int kPermissionCount = 10;

constexpr uint32_t Bit(Permission p) { return 1u << static_cast<int>(p); }

struct PermissionInfo {
  Permission permission;
  // Short code, for the README and audit details.
  std::string_view code;
  // What it lets a person do, as the console says it.
  std::string_view description;
};

inline constexpr PermissionInfo kPermissions[kPermissionCount] = {
    {Permission::kKeyReferral, "key_referral",
     "Key a referral taken by phone, chat or secure email"},
    {Permission::kViewQueue, "view_queue", "See the triage queue"},
    {Permission::kViewReferral, "view_referral", "Read a referral in full"},
    {Permission::kAssess, "assess", "Complete a DASH or children's assessment"},
    {Permission::kOverrideDecision, "override_decision",
     "Override a triage decision, with a reason"},
    {Permission::kRecordPlacement, "record_placement",
     "Record consent, first contact and failures of a placement"},
    {Permission::kReleasePlace, "release_place", "Release a place"},
    {Permission::kViewWaitingLists, "view_waiting_lists",
     "See the waiting lists"},
    {Permission::kViewReports, "view_reports",
     "See reports (no personal data)"},
    {Permission::kDataRights, "data_rights",
     "Answer data subjects' rights: find, export, rectify, restrict, hold, "
     "erase"},
};

struct RoleInfo {
  Role role;
  // Code used by the operator command and stored nowhere else.
  std::string_view code;
  // As the console shows it.
  std::string_view title;
  uint32_t permissions;
};

// THE table of what each role may do.
inline constexpr uint32_t kPractitionerPermissions =
    Bit(Permission::kKeyReferral) | Bit(Permission::kViewQueue) |
    Bit(Permission::kViewReferral) | Bit(Permission::kAssess) |
    Bit(Permission::kRecordPlacement) | Bit(Permission::kViewWaitingLists);
inline constexpr RoleInfo kRoles[] = {
    {Role::kCallHandler, "call_handler", "Call handler",
     Bit(Permission::kKeyReferral) | Bit(Permission::kViewQueue)},
    {Role::kPractitioner, "practitioner", "Practitioner",
     kPractitionerPermissions},
    {Role::kTeamLeader, "team_leader", "Team leader",
     kPractitionerPermissions | Bit(Permission::kOverrideDecision) |
         Bit(Permission::kReleasePlace)},
    {Role::kOperator, "operator", "Operator", Bit(Permission::kViewReports)},
    {Role::kCommissioner, "commissioner", "Commissioner",
     Bit(Permission::kViewReports)},
    {Role::kDataProtectionOfficer, "data_protection_officer",
     "Data-protection officer", Bit(Permission::kDataRights)},
};

// Whether `role` may do `permission`; false for kUnspecified and any
// value outside the table.
bool May(Role role, Permission permission);

// The table's row for `role`, or nullptr.
const RoleInfo* FindRole(Role role);
// The role whose code is `code` ("team_leader"), if any.
std::optional<Role> RoleFromCode(std::string_view code);
// The role stored as `value`, if it is one of the table's.
std::optional<Role> RoleFromInt(int64_t value);

// The table as Markdown: one row per permission, one column per role,
// "yes" where allowed. web-svc/README.md holds exactly this text.
std::string RoleTableMarkdown();

}  // namespace frontdoor::web
