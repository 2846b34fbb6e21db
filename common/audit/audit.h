#pragma once

// The hash-chained audit trail: every read, decision and share (or decision
// not to share) is appended with who, what, why and the lawful basis. Each
// row's hash covers the previous row's hash and every field of the row, so
// altering, inserting or deleting a row breaks the chain from that row on,
// and Verify reports where.
//
// A chain proves the integrity of what is there, not that nothing was cut
// off the end: removing the newest rows (and only those) leaves a valid
// chain. Anchoring the head hash elsewhere (a later audit row in another
// service, a periodic external record) closes that gap.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/store/store.h"

namespace frontdoor::audit {

// prev_hash of the first row.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";
// Rows Verify reads per page, bounding its memory whatever the log's size.
inline constexpr int64_t kVerifyPageRows = 1000;
// Name of the migration that creates audit_log.
inline constexpr std::string_view kMigrationName =
    "common/audit/001_audit_log";
// Name of the migration that makes audit_log append-only: triggers refuse
// UPDATE and DELETE (and TRUNCATE on PostgreSQL) from the application, so a
// bug or an injected statement cannot rewrite the trail. Someone with the
// database file or the owner's rights can drop them; the chain then shows
// what they changed.
inline constexpr std::string_view kAppendOnlyMigrationName =
    "common/audit/002_append_only";
// The message the triggers refuse a change with.
inline constexpr std::string_view kAppendOnlyMessage =
    "audit_log is append-only";

// The schema; include in the service's migrations.
std::vector<store::Migration> Migrations();

// The statements (one each) that remove the append-only triggers, as
// someone with the database file or the owner's rights could: for tests of
// the verifier. Never run by a service.
std::vector<std::string> AllowTamperingStatements(bool postgres);

// One audited action. By contract it holds no personal data: `subject` is a
// reference (for example a referral reference), `details` non-personal JSON.
// Empty strings are stored as NULL.
struct Entry {
  absl::Time at;              // when it happened (an injected clock's Now())
  std::string actor_agency;   // the agency acting, e.g. "staffs-police"
  std::string actor_person;   // the person acting, from request metadata
  std::string action;         // what was done, e.g. "referral.read"; required
  std::string subject;        // what it was done to (a reference)
  std::string reason;         // why
  std::string lawful_basis;   // the lawful basis for processing or sharing
  std::string details;        // non-personal JSON
};

// Appends `entry` as the next row of the chain, inside the caller's
// transaction so that the entry commits (or rolls back) with the change it
// records. INVALID_ARGUMENT if `action` is empty or `at` is not finite.
//
// Correct because the store serialises write transactions (one writer): the
// head read here cannot move before the insert. A backend with concurrent
// writers (PostgreSQL with several replicas) must lock the chain head first,
// for example SELECT ... FOR UPDATE on a one-row head table or a transaction
// advisory lock, or two appends would fork the chain.
absl::Status Append(store::Tx& tx, const Entry& entry);

struct VerifyResult {
  int64_t entries = 0;                  // rows checked
  std::optional<int64_t> first_bad_seq; // unset when the chain is intact
  std::string problem;                  // what is wrong at first_bad_seq
  bool ok() const { return !first_bad_seq.has_value(); }
};

// Walks the whole log in seq order, kVerifyPageRows at a time, checking that
// seq runs 1, 2, 3, ... without gaps, that each prev_hash is the previous
// row's hash (kGenesisHash for the first), and that each hash matches the
// row's contents. Stops at the first bad row. A broken chain is a result,
// not an error; errors are failures to read the store.
absl::StatusOr<VerifyResult> Verify(store::Store& store);

}  // namespace frontdoor::audit
