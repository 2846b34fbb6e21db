#include "common/audit/audit.h"

#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/crypto/key_ring.h"

namespace frontdoor::audit {
namespace {

// Columns in the order every query and the hash use them.
constexpr absl::string_view kColumns =
    "seq, at_us, actor_agency, actor_person, action, subject, reason, "
    "lawful_basis, details, prev_hash, hash";
enum Column : size_t {
  kSeq = 0,
  kAtUs,
  kActorAgency,
  kActorPerson,
  kAction,
  kSubject,
  kReason,
  kLawfulBasis,
  kDetails,
  kPrevHash,
  kHash,
  kColumnCount,
};
constexpr Column kTextColumns[] = {kActorAgency, kActorPerson, kAction,
                                   kSubject,     kReason,      kLawfulBasis,
                                   kDetails};

// Versions the hash input so the encoding can change without ambiguity.
constexpr std::string_view kHashDomain = "frontdoor.audit.v1";
constexpr char kNullTag = 0;
constexpr char kTextTag = 1;
constexpr char kIntTag = 2;

// A row's fields as hashed. std::nullopt is SQL NULL.
struct Fields {
  int64_t seq = 0;
  int64_t at_us = 0;
  std::optional<std::string> text[std::size(kTextColumns)];
  std::string prev_hash;
};

void AppendBigEndian(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void EncodeInt(int64_t v, std::string* out) {
  out->push_back(kIntTag);
  AppendBigEndian(static_cast<uint64_t>(v), out);
}

void EncodeText(const std::optional<std::string>& v, std::string* out) {
  if (!v.has_value()) {
    out->push_back(kNullTag);
    return;
  }
  out->push_back(kTextTag);
  AppendBigEndian(v->size(), out);
  out->append(*v);
}

// SHA-256 over the domain, prev_hash and every field, each tagged with its
// kind and (for text) length-prefixed, so no two different rows encode the
// same way.
std::string RowHash(const Fields& f) {
  std::string encoded(kHashDomain);
  EncodeText(f.prev_hash, &encoded);
  EncodeInt(f.seq, &encoded);
  EncodeInt(f.at_us, &encoded);
  for (const auto& text : f.text) EncodeText(text, &encoded);
  return crypto::Sha256Hex(encoded);
}

std::optional<std::string> NullIfEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

store::Value ToValue(const std::optional<std::string>& s) {
  if (!s.has_value()) return std::monostate();
  return *s;
}

bool IsInt(const store::Row& row, size_t i) {
  return std::holds_alternative<int64_t>(row.at(i));
}
bool IsText(const store::Row& row, size_t i) {
  return std::holds_alternative<std::string>(row.at(i));
}

// Reads a stored row back into hashable fields, or says why it cannot.
std::optional<std::string> FromRow(const store::Row& row, Fields* f) {
  if (row.size() != kColumnCount) return "unexpected column count";
  if (!IsInt(row, kAtUs)) return "at_us is not an integer";
  if (!IsText(row, kPrevHash) || !IsText(row, kHash)) {
    return "prev_hash or hash is not text";
  }
  f->seq = row.Int(kSeq);
  f->at_us = row.Int(kAtUs);
  for (size_t i = 0; i < std::size(kTextColumns); ++i) {
    const Column c = kTextColumns[i];
    if (row.IsNull(c)) {
      f->text[i] = std::nullopt;
    } else if (IsText(row, c)) {
      f->text[i] = row.Text(c);
    } else {
      return "a text column holds a non-text value";
    }
  }
  f->prev_hash = row.Text(kPrevHash);
  return std::nullopt;
}

}  // namespace

// seq is INTEGER PRIMARY KEY so that SQLite makes it the rowid (64-bit);
// at_us is BIGINT, which SQLite treats as INTEGER and PostgreSQL needs for
// microseconds. A PostgreSQL variant of this migration declares seq BIGINT.
std::vector<store::Migration> Migrations() {
  return {{std::string(kMigrationName),
           "CREATE TABLE audit_log ("
           "  seq INTEGER PRIMARY KEY,"
           "  at_us BIGINT NOT NULL,"
           "  actor_agency TEXT,"
           "  actor_person TEXT,"
           "  action TEXT NOT NULL,"
           "  subject TEXT,"
           "  reason TEXT,"
           "  lawful_basis TEXT,"
           "  details TEXT,"
           "  prev_hash TEXT NOT NULL,"
           "  hash TEXT NOT NULL"
           ")"},
          {std::string(kAppendOnlyMigrationName),
           absl::StrCat(
               "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
               "BEGIN SELECT RAISE(ABORT, '",
               std::string(kAppendOnlyMessage),
               "'); END;"
               "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
               "BEGIN SELECT RAISE(ABORT, '",
               std::string(kAppendOnlyMessage), "'); END;"),
           absl::StrCat(
               "CREATE FUNCTION audit_log_append_only() RETURNS trigger "
               "LANGUAGE plpgsql AS $fn$ BEGIN RAISE EXCEPTION '",
               std::string(kAppendOnlyMessage),
               "' USING ERRCODE = 'insufficient_privilege'; END $fn$;"
               "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON "
               "audit_log FOR EACH ROW EXECUTE FUNCTION "
               "audit_log_append_only();"
               "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON "
               "audit_log FOR EACH STATEMENT EXECUTE FUNCTION "
               "audit_log_append_only();")}};
}

std::vector<std::string> AllowTamperingStatements(bool postgres) {
  if (postgres) {
    return {"DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
            "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log"};
  }
  return {"DROP TRIGGER IF EXISTS audit_log_no_update",
          "DROP TRIGGER IF EXISTS audit_log_no_delete"};
}

absl::Status Append(store::Tx& tx, const Entry& entry) {
  if (entry.action.empty()) {
    return absl::InvalidArgumentError("audit entry: action is required");
  }
  if (entry.at == absl::InfinitePast() || entry.at == absl::InfiniteFuture()) {
    return absl::InvalidArgumentError("audit entry: time is not finite");
  }
  absl::StatusOr<std::vector<store::Row>> head =
      tx.Query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!head.ok()) return head.status();

  Fields f;
  f.seq = 1;
  f.prev_hash = std::string(kGenesisHash);
  if (!head->empty()) {
    const store::Row& last = head->front();
    if (last.Int(0) == std::numeric_limits<int64_t>::max()) {
      return absl::ResourceExhaustedError("audit log: seq exhausted");
    }
    f.seq = last.Int(0) + 1;
    f.prev_hash = last.Text(1);
  }
  f.at_us = absl::ToUnixMicros(entry.at);
  const std::string* text[] = {
      &entry.actor_agency, &entry.actor_person, &entry.action, &entry.subject,
      &entry.reason,       &entry.lawful_basis, &entry.details};
  static_assert(std::size(text) == std::size(kTextColumns));
  for (size_t i = 0; i < std::size(text); ++i)
    f.text[i] = NullIfEmpty(*text[i]);

  store::Params params = {f.seq, f.at_us};
  for (const auto& t : f.text) params.push_back(ToValue(t));
  params.push_back(f.prev_hash);
  params.push_back(RowHash(f));
  absl::StatusOr<int64_t> inserted = tx.Exec(
      absl::StrCat("INSERT INTO audit_log (", kColumns,
                   ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
      params);
  if (!inserted.ok()) return inserted.status();
  return absl::OkStatus();
}

absl::StatusOr<VerifyResult> Verify(store::Store& store) {
  const std::string query =
      absl::StrCat("SELECT ", kColumns,
                   " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
  VerifyResult result;
  // Starts below any seq so that stray rows with seq <= 0 are seen too.
  int64_t after = std::numeric_limits<int64_t>::min();
  int64_t expected_seq = 1;
  std::string prev_hash(kGenesisHash);
  auto bad = [&result](int64_t seq, std::string problem) {
    result.first_bad_seq = seq;
    result.problem = std::move(problem);
    return result;
  };

  while (true) {
    // Each page is its own read snapshot; appends between pages only extend
    // the chain, which the next page then checks.
    std::vector<store::Row> page;
    absl::Status read = store.Read([&](store::Tx& tx) -> absl::Status {
      auto rows = tx.Query(query, {after, kVerifyPageRows});
      if (!rows.ok()) return rows.status();
      page = *std::move(rows);
      return absl::OkStatus();
    });
    if (!read.ok()) return read;

    for (const store::Row& row : page) {
      if (row.size() == 0 || !IsInt(row, kSeq)) {
        return bad(expected_seq, "row with a non-integer seq");
      }
      const int64_t seq = row.Int(kSeq);
      if (seq != expected_seq) {
        if (seq > expected_seq) {
          return bad(expected_seq,
                     absl::StrCat("seq ", expected_seq,
                                  " is missing (next row is seq ", seq, ")"));
        }
        return bad(seq, absl::StrCat("unexpected seq ", seq, " (expected ",
                                     expected_seq, ")"));
      }
      Fields f;
      if (auto problem = FromRow(row, &f); problem.has_value()) {
        return bad(seq, *problem);
      }
      if (f.prev_hash != prev_hash) {
        return bad(seq, absl::StrCat("prev_hash does not match the hash of ",
                                     seq == 1 ? std::string("genesis")
                                              : absl::StrCat("seq ", seq - 1)));
      }
      const std::string& stored_hash = row.Text(kHash);
      if (RowHash(f) != stored_hash) {
        return bad(seq, "hash does not match the row's contents");
      }
      ++result.entries;
      prev_hash = stored_hash;
      after = seq;
      ++expected_seq;
    }
    if (static_cast<int64_t>(page.size()) < kVerifyPageRows) break;
  }
  return result;
}

}  // namespace frontdoor::audit
