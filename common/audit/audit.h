#pragma once

// The keyed, hash-chained audit trail: every read, decision, share (or
// decision not to share) and refusal is appended with who, what, why (a
// reason code) and the lawful basis. Each row's hash is an HMAC-SHA-256,
// under the key ring's audit key (never in the database), of the previous
// row's hash and every field of the row: altering, inserting or deleting a
// row breaks the chain from that row on, and recomputing the hashes needs
// the key. Verify reports where.
//
// A chain alone cannot show that its newest rows were cut off. An Anchor
// (the seq and hash of a verified row, MAC'd under the same key) kept
// outside the database closes that gap: Verify given an anchor reports a
// log that no longer reaches it, or reaches it with another hash.
//
// Rows written before the chain was keyed (key_id NULL, plain SHA-256) are
// accepted only as the chain's first rows; the first keyed row's MAC covers
// their head, so they cannot be changed afterwards either.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"
#include "common/tls/caller.h"
#include "frontdoor/config/v1/config.pb.h"

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
// Name of the migration that adds key_id, the audit key's id of each keyed
// row (NULL on rows written before the chain was keyed).
inline constexpr std::string_view kKeyedMigrationName =
    "common/audit/003_keyed_chain";
// Name of the migration that indexes audit_log by subject and seq, for
// ListBySubject (a referral's history).
inline constexpr std::string_view kSubjectIndexMigrationName =
    "common/audit/004_subject_index";
// The message the triggers refuse a change with.
inline constexpr std::string_view kAppendOnlyMessage =
    "audit_log is append-only";

// The schema; include in the service's migrations.
std::vector<store::Migration> Migrations();

// The statements (one each) that remove the append-only triggers, as
// someone with the database file or the owner's rights could: for tests of
// the verifier. Never run by a service.
std::vector<std::string> AllowTamperingStatements(bool postgres);

// The longest reason code.
inline constexpr size_t kMaxReasonCodeChars = 64;

// Whether `reason` is a reason code: empty, or 1 to kMaxReasonCodeChars
// characters from [a-z0-9_] (for example "practitioner_assessment"). Each
// service defines its codes as named constants and documents them
// (common/audit/README.md); free text, which can name people, never fits.
bool IsReasonCode(std::string_view reason);

// One audited action. By contract it holds no personal data: `subject` is a
// reference (for example a referral reference), `reason` a reason code,
// `details` non-personal JSON of codes and ids. Empty strings are stored as
// NULL.
struct Entry {
  absl::Time at;              // when it happened (an injected clock's Now())
  std::string actor_agency;   // the agency acting, e.g. "staffs-police"
  std::string actor_person;   // the person acting, from request metadata
  std::string action;         // what was done, e.g. "referral.read"; required
  std::string subject;        // what it was done to (a reference)
  std::string reason;         // why: a reason code (IsReasonCode)
  std::string lawful_basis;   // the lawful basis for processing or sharing
  std::string details;        // non-personal JSON
};

// Appends `entry` as the next row of the chain, keyed under `keys`' audit
// key, inside the caller's transaction so that the entry commits (or rolls
// back) with the change it records. INVALID_ARGUMENT if `action` is empty,
// `at` is not finite or `reason` is not a reason code.
//
// Correct because the store serialises write transactions (one writer): the
// head read here cannot move before the insert. A backend with concurrent
// writers (PostgreSQL with several replicas) must lock the chain head first,
// for example SELECT ... FOR UPDATE on a one-row head table or a transaction
// advisory lock, or two appends would fork the chain.
absl::Status Append(store::Tx& tx, const crypto::KeyRing& keys,
                    const Entry& entry);

// What a core audits: what was done, to what, why (a reason code), under
// which lawful basis, with non-personal details.
struct Action {
  std::string action;
  std::string subject;
  std::string reason;
  std::string lawful_basis;
  std::string details;
};

// The person acting, as audit rows name them: the caller's actor, followed
// by " as <staff role>" for a member of staff acting through the console
// (for example "staff-42 as practitioner").
std::string ActorOf(const Caller& caller);

// The one way a core writes its audit entries: appends `what`, done at `at`
// by `by` (its agency and the person acting, ActorOf), as Append does.
absl::Status Record(store::Tx& tx, const crypto::KeyRing& keys,
                    const Caller& by, absl::Time at, Action what);

// Runs `work` in a write transaction as store.Write does. When it ends in
// DATA_LOSS (a sealed value it read did not open: its transaction rolled
// back, audit row and all), records `failed` (reason code "integrity"), by
// `by` at `at`, in a transaction of its own before `done` gets the
// DATA_LOSS, so that an integrity failure on a write path is audited as
// what it is. `store` and `keys` must outlive the write.
void WriteRecordingIntegrityFailure(store::Store& store,
                                    const crypto::KeyRing& keys,
                                    const Caller& by, absl::Time at,
                                    Action failed, store::Work work,
                                    store::Done done);

// A stored row, as ListBySubject reads it back.
struct StoredEntry {
  int64_t seq = 0;  // its position in the chain
  Entry entry;
};

// The rows whose subject is `subject`, oldest first (by seq), at most
// `limit` (positive). A plain read over the index by subject: the chain is
// checked by Verify, not here.
absl::StatusOr<std::vector<StoredEntry>> ListBySubject(store::Tx& tx,
                                                       std::string_view subject,
                                                       int64_t limit);

// A verified row anchored outside the database (see AuditAnchorFile).
struct Anchor {
  int64_t seq = 0;
  std::string hash;
  absl::Time anchored_at;
  std::string key_id;
  std::string mac;
};

// An anchor of row (seq, hash), MAC'd under `keys`' audit key.
Anchor MakeAnchor(const crypto::KeyRing& keys, int64_t seq, std::string hash,
                  absl::Time anchored_at);

// Writes `anchor` to `path` atomically (a temporary file in the same
// directory, fsync'd, renamed over it, and the directory fsync'd), readable
// by the owner only.
absl::Status WriteAnchorFile(const std::string& path, const Anchor& anchor);

// Reads an anchor file: std::nullopt when there is none yet (the log was
// never anchored); INVALID_ARGUMENT naming the path when it does not parse.
// Its MAC is checked by Verify, not here.
absl::StatusOr<std::optional<Anchor>> ReadAnchorFile(const std::string& path);

struct VerifyResult {
  int64_t entries = 0;                  // rows checked
  int64_t unkeyed_entries = 0;          // of which written before keying
  std::optional<int64_t> first_bad_seq; // unset when the chain is intact
  std::string problem;                  // what is wrong at first_bad_seq
  // The last row found intact (seq 0 and an empty hash for an empty log):
  // what to anchor next.
  int64_t last_seq = 0;
  std::string last_hash;
  bool ok() const { return !first_bad_seq.has_value(); }
};

// Walks the whole log in seq order, kVerifyPageRows at a time, checking that
// seq runs 1, 2, 3, ... without gaps, that each prev_hash is the previous
// row's hash (kGenesisHash for the first), that each keyed row is keyed
// under `keys`' audit key and its hash is the HMAC of its contents (plain
// SHA-256 for the unkeyed rows before the first keyed one), and, given an
// `anchor`, that the anchor was made under the same key and the log still
// holds the anchored row with the anchored hash. Stops at the first
// problem. A broken chain is a result, not an error; errors are failures to
// read the store.
absl::StatusOr<VerifyResult> Verify(
    store::Store& store, const crypto::KeyRing& keys,
    const std::optional<Anchor>& anchor = std::nullopt);

}  // namespace frontdoor::audit
