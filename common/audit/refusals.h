#pragma once

// The audit vocabulary of refusals and integrity failures, shared by every
// service: a refused call or a read that failed its integrity check is
// audited as what it is, never as a successful read, and never left out.

namespace frontdoor::audit {

// Action of a call refused PERMISSION_DENIED (see
// server::RefusalAuditInterceptorFactory); its details name the method.
inline constexpr char kActionCallRefused[] = "call.refused";

// Reason codes (audit_log.reason) of refusals and failures.
//
// The reference asked for belongs to another agency. Answered exactly as
// kReasonUnknownReference (NOT_FOUND), at the same cost: one audit row.
inline constexpr char kReasonNotOwner[] = "not_owner";
// Nothing has that reference (or position).
inline constexpr char kReasonUnknownReference[] = "unknown_reference";
// A registered agency called a method its roles do not allow.
inline constexpr char kReasonRoleMissing[] = "role_missing";
// A certificate from the suite's CA whose identity is not in the agency
// registry.
inline constexpr char kReasonUnregistered[] = "unregistered";
// A sealed value did not open (altered or swapped ciphertext, wrong
// associated data) or did not parse once opened: answered DATA_LOSS.
inline constexpr char kReasonIntegrity[] = "integrity";

}  // namespace frontdoor::audit
