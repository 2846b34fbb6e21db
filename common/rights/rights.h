#pragma once

// Data subjects' rights (UK GDPR arts. 15 to 18) and erasure, as every
// service keeps them: who may ask (ROLE_DATA_PROTECTION), the requests'
// checks, and the data_rights table of restrictions, legal holds and
// erasures per referral (migrations/001_data_rights.sql). The contract is
// frontdoor/common/v1/data_rights.proto; rights_core.h serves it over a
// service's own data.
//
// No gRPC here.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/store/store.h"
#include "common/tls/caller.h"
#include "frontdoor/common/v1/data_rights.pb.h"

namespace frontdoor::rights {

// Audit actions of the DataRights methods; subject the reference (empty for
// a search by name), reason the request's reason code.
inline constexpr char kAuditFind[] = "rights.find";
inline constexpr char kAuditExport[] = "rights.export";
inline constexpr char kAuditRectify[] = "rights.rectify";
inline constexpr char kAuditRestrict[] = "rights.restrict";
inline constexpr char kAuditRestrictionLifted[] = "rights.restriction_lifted";
inline constexpr char kAuditHold[] = "rights.hold";
inline constexpr char kAuditHoldLifted[] = "rights.hold_lifted";
inline constexpr char kAuditErase[] = "rights.erase";
inline constexpr char kAuditStateRead[] = "rights.state_read";
// Reason code of the audit rows of finds, exports and state reads.
inline constexpr char kReasonSubjectRights[] = "subject_rights";

// Lawful basis recorded for every DataRights action.
inline constexpr char kLawfulBasisRights[] =
    "UK GDPR arts. 15 to 18 and 5(1)(e): the data subject's rights and "
    "storage limitation";

// The reason codes each request accepts ("lifted" only when lifting).
inline constexpr std::string_view kRestrictionReasons[] = {
    "accuracy_contested", "objection", "unlawful_processing", "legal_claims"};
inline constexpr std::string_view kHoldReasons[] = {
    "litigation", "inquiry", "police_request", "safeguarding_review"};
inline constexpr std::string_view kErasureReasons[] = {
    "erasure_request", "retention_schedule", "court_order"};
inline constexpr std::string_view kRectificationReasons[] = {
    "requested_by_subject", "found_in_review", "court_order"};
inline constexpr char kReasonLifted[] = "lifted";

// The fields RectifyRequest.field may name, relative to the person.
inline constexpr std::string_view kRectifiableFields[] = {
    "name.givenNames", "name.familyName", "dateOfBirth",
    "contact.phone",   "contact.email",   "contact.safeTimes",
    "address.lines",   "address.town",    "address.postcode"};

// The schema (data_rights); every service's store includes it.
std::vector<store::Migration> Migrations();

// OK for ROLE_DATA_PROTECTION, PERMISSION_DENIED otherwise.
absl::Status CheckDataProtectionOfficer(const Caller& caller);

// Each request's checks: INVALID_ARGUMENT naming every field at fault.
absl::Status Validate(const common::v1::FindPersonRequest& request);
absl::Status Validate(const common::v1::ExportSubjectRequest& request);
absl::Status Validate(const common::v1::RectifyRequest& request);
absl::Status Validate(const common::v1::SetRestrictionRequest& request);
absl::Status Validate(const common::v1::SetLegalHoldRequest& request);
absl::Status Validate(const common::v1::EraseRequest& request);
absl::Status Validate(const common::v1::GetRightsStateRequest& request);

// A referral's row of data_rights (all false and unset when it has none).
struct Rights {
  bool restricted = false;
  absl::Time restricted_at = absl::InfinitePast();
  bool held = false;
  absl::Time held_at = absl::InfinitePast();
  std::optional<absl::Time> erased_at;
};

absl::StatusOr<Rights> LoadRights(store::Tx& tx, std::string_view reference);
// Whether processing of `reference` is restricted (false when no row).
absl::StatusOr<bool> IsRestricted(store::Tx& tx, std::string_view reference);
// Whether `reference` is on legal hold (false when no row).
absl::StatusOr<bool> IsHeld(store::Tx& tx, std::string_view reference);
// Sets the restriction, hold or erasure of `reference` at `now`, creating
// its row if need be. `reason` is a code the caller has checked.
absl::Status SaveRestriction(store::Tx& tx, std::string_view reference,
                             bool restricted, std::string_view reason,
                             absl::Time now);
absl::Status SaveHold(store::Tx& tx, std::string_view reference, bool held,
                      std::string_view reason, absl::Time now);
absl::Status SaveErased(store::Tx& tx, std::string_view reference,
                        std::string_view reason, absl::Time now);

// Subqueries naming the referrals whose processing is restricted, and those
// on legal hold: the outbox relay holds back the events of the first
// (outbox::RelayOptions::held_back_references), purges leave the second.
inline constexpr char kRestrictedReferences[] =
    "SELECT reference FROM data_rights WHERE restricted = 1";
inline constexpr char kHeldReferences[] =
    "SELECT reference FROM data_rights WHERE held = 1";

// FAILED_PRECONDITION when processing of `reference` is restricted (what a
// staff action or read refuses with while it is), else OK.
absl::Status CheckNotRestricted(store::Tx& tx, std::string_view reference);

// SQL to append to a WHERE clause so that rows of held referrals are left
// alone: "AND <column> NOT IN (SELECT reference FROM data_rights WHERE
// held = 1)", for purge statements.
std::string NotHeldCondition(std::string_view reference_column);

// The state as the API shows it.
common::v1::RightsState StateOf(const Rights& rights, std::string_view service,
                                std::string_view reference, bool held_here);

}  // namespace frontdoor::rights
