#include "common/audit/audit.h"

#include <cstdint>
#include <algorithm>
#include <filesystem>
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
#include "common/audit/refusals.h"
#include "common/config/config.h"
#include "common/crypto/key_ring.h"
#include "google/protobuf/util/json_util.h"

namespace frontdoor::audit {
namespace {

// Columns in the order every query and the hash use them.
constexpr absl::string_view kColumns =
    "seq, at_us, actor_agency, actor_person, action, subject, reason, "
    "lawful_basis, details, key_id, prev_hash, hash";
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
  kKeyId,
  kPrevHash,
  kHash,
  kColumnCount,
};
constexpr Column kTextColumns[] = {kActorAgency, kActorPerson, kAction,
                                   kSubject,     kReason,      kLawfulBasis,
                                   kDetails};

// Versions the hash input so the encoding can change without ambiguity:
// v1 rows (before keying) are plain SHA-256, v2 rows an HMAC under the
// audit key that also covers the key's id.
constexpr std::string_view kUnkeyedHashDomain = "frontdoor.audit.v1";
constexpr std::string_view kKeyedHashDomain = "frontdoor.audit.v2";
constexpr std::string_view kAnchorDomain = "frontdoor.audit.anchor.v1";
// The anchor file is its owner's only (the service's user).
constexpr unsigned kAnchorFileMode = 0600;
constexpr char kNullTag = 0;
constexpr char kTextTag = 1;
constexpr char kIntTag = 2;

// A row's fields as hashed. std::nullopt is SQL NULL.
struct Fields {
  int64_t seq = 0;
  int64_t at_us = 0;
  std::optional<std::string> text[std::size(kTextColumns)];
  std::optional<std::string> key_id;  // unset on unkeyed (v1) rows
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

// The MAC (or, on unkeyed rows, the SHA-256) of the domain, prev_hash and
// every field, each tagged with its kind and (for text) length-prefixed, so
// no two different rows encode the same way.
std::string RowHash(const crypto::KeyRing& keys, const Fields& f) {
  std::string encoded(f.key_id.has_value() ? kKeyedHashDomain
                                           : kUnkeyedHashDomain);
  EncodeText(f.prev_hash, &encoded);
  EncodeInt(f.seq, &encoded);
  EncodeInt(f.at_us, &encoded);
  for (const auto& text : f.text) EncodeText(text, &encoded);
  if (!f.key_id.has_value()) return crypto::Sha256Hex(encoded);
  EncodeText(f.key_id, &encoded);
  return keys.AuditMac(encoded);
}

std::string AnchorMac(const crypto::KeyRing& keys, int64_t seq,
                      const std::string& hash, absl::Time at) {
  std::string encoded(kAnchorDomain);
  EncodeInt(seq, &encoded);
  EncodeText(hash, &encoded);
  EncodeInt(absl::ToUnixMicros(at), &encoded);
  return keys.AuditMac(encoded);
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
  if (row.IsNull(kKeyId)) {
    f->key_id = std::nullopt;
  } else if (IsText(row, kKeyId)) {
    f->key_id = row.Text(kKeyId);
  } else {
    return "key_id holds a non-text value";
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
               "audit_log_append_only();")},
          {std::string(kKeyedMigrationName),
           "ALTER TABLE audit_log ADD COLUMN key_id TEXT"},
          {std::string(kSubjectIndexMigrationName),
           "CREATE INDEX audit_log_by_subject ON audit_log (subject, seq)"}};
}

std::vector<std::string> AllowTamperingStatements(bool postgres) {
  if (postgres) {
    return {"DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
            "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log"};
  }
  return {"DROP TRIGGER IF EXISTS audit_log_no_update",
          "DROP TRIGGER IF EXISTS audit_log_no_delete"};
}

bool IsReasonCode(std::string_view reason) {
  if (reason.size() > kMaxReasonCodeChars) return false;
  return std::all_of(reason.begin(), reason.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string ActorOf(const Caller& caller) {
  if (caller.staff_role.empty()) return caller.actor;
  return absl::StrCat(caller.actor, " as ", caller.staff_role);
}

absl::Status Record(store::Tx& tx, const crypto::KeyRing& keys,
                    const Caller& by, absl::Time at, Action what) {
  Entry entry;
  entry.at = at;
  entry.actor_agency = by.agency_id;
  entry.actor_person = ActorOf(by);
  entry.action = std::move(what.action);
  entry.subject = std::move(what.subject);
  entry.reason = std::move(what.reason);
  entry.lawful_basis = std::move(what.lawful_basis);
  entry.details = std::move(what.details);
  return Append(tx, keys, entry);
}

void WriteRecordingIntegrityFailure(store::Store& store,
                                    const crypto::KeyRing& keys,
                                    const Caller& by, absl::Time at,
                                    Action failed, store::Work work,
                                    store::Done done) {
  failed.reason = kReasonIntegrity;
  store.Write(
      std::move(work),
      [&store, &keys, by, at, failed = std::move(failed),
       done = std::move(done)](absl::Status status) mutable {
        if (!absl::IsDataLoss(status)) {
          done(std::move(status));
          return;
        }
        store.Write(
            [&keys, by, at, failed](store::Tx& tx) {
              return Record(tx, keys, by, at, failed);
            },
            [status, done = std::move(done)](absl::Status) {
              done(status);  // the caller's answer stays DATA_LOSS
            });
      });
}

absl::Status Append(store::Tx& tx, const crypto::KeyRing& keys,
                    const Entry& entry) {
  if (entry.action.empty()) {
    return absl::InvalidArgumentError("audit entry: action is required");
  }
  if (entry.at == absl::InfinitePast() || entry.at == absl::InfiniteFuture()) {
    return absl::InvalidArgumentError("audit entry: time is not finite");
  }
  if (!IsReasonCode(entry.reason)) {
    // The reason itself is not repeated: it might be what must not be kept.
    return absl::InvalidArgumentError(
        "audit entry: reason must be a reason code ([a-z0-9_], at most 64)");
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
  f.key_id = keys.audit_key_id();

  store::Params params = {f.seq, f.at_us};
  for (const auto& t : f.text) params.push_back(ToValue(t));
  params.push_back(*f.key_id);
  params.push_back(f.prev_hash);
  params.push_back(RowHash(keys, f));
  absl::StatusOr<int64_t> inserted = tx.Exec(
      absl::StrCat(
          "INSERT INTO audit_log (", kColumns,
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"),
      params);
  if (!inserted.ok()) return inserted.status();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredEntry>> ListBySubject(store::Tx& tx,
                                                       std::string_view subject,
                                                       int64_t limit) {
  if (limit <= 0) {
    return absl::InvalidArgumentError("audit history: limit must be positive");
  }
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT seq, at_us, actor_agency, actor_person, action, subject, "
      "reason, lawful_basis, details FROM audit_log WHERE subject = $1 "
      "ORDER BY seq LIMIT $2",
      {std::string(subject), limit});
  if (!rows.ok()) return rows.status();
  std::vector<StoredEntry> out;
  out.reserve(rows->size());
  for (const store::Row& row : *rows) {
    StoredEntry e;
    e.seq = row.Int(0);
    e.entry.at = absl::FromUnixMicros(row.Int(1));
    e.entry.actor_agency = row.Text(2);
    e.entry.actor_person = row.Text(3);
    e.entry.action = row.Text(4);
    e.entry.subject = row.Text(5);
    e.entry.reason = row.Text(6);
    e.entry.lawful_basis = row.Text(7);
    e.entry.details = row.Text(8);
    out.push_back(std::move(e));
  }
  return out;
}

Anchor MakeAnchor(const crypto::KeyRing& keys, int64_t seq, std::string hash,
                  absl::Time anchored_at) {
  // Microsecond precision, as the file stores it.
  anchored_at = absl::FromUnixMicros(absl::ToUnixMicros(anchored_at));
  Anchor anchor;
  anchor.seq = seq;
  anchor.mac = AnchorMac(keys, seq, hash, anchored_at);
  anchor.hash = std::move(hash);
  anchor.anchored_at = anchored_at;
  anchor.key_id = keys.audit_key_id();
  return anchor;
}

absl::Status WriteAnchorFile(const std::string& path, const Anchor& anchor) {
  config::v1::AuditAnchorFile file;
  file.set_seq(anchor.seq);
  file.set_hash(anchor.hash);
  file.set_anchored_at(absl::FormatTime("%Y-%m-%d%ET%H:%M:%E6SZ",
                                        anchor.anchored_at,
                                        absl::UTCTimeZone()));
  file.set_key_id(anchor.key_id);
  file.set_mac(anchor.mac);
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (auto printed =
          google::protobuf::util::MessageToJsonString(file, &json, options);
      !printed.ok()) {
    return absl::InternalError("encoding the audit anchor");
  }
  json += "\n";
  return config::WriteFileDurably(path, json, kAnchorFileMode);
}

absl::StatusOr<std::optional<Anchor>> ReadAnchorFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return std::nullopt;
  absl::StatusOr<config::v1::AuditAnchorFile> file =
      config::LoadJsonFile<config::v1::AuditAnchorFile>(path);
  if (!file.ok()) return file.status();
  Anchor anchor;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, file->anchored_at(),
                       &anchor.anchored_at, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": anchored_at is not an RFC 3339 time"));
  }
  anchor.seq = file->seq();
  anchor.hash = file->hash();
  anchor.key_id = file->key_id();
  anchor.mac = file->mac();
  return anchor;
}

absl::StatusOr<VerifyResult> Verify(store::Store& store,
                                    const crypto::KeyRing& keys,
                                    const std::optional<Anchor>& anchor) {
  const std::string query =
      absl::StrCat("SELECT ", kColumns,
                   " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
  VerifyResult result;
  auto bad = [&result](int64_t seq, std::string problem) {
    result.first_bad_seq = seq;
    result.problem = std::move(problem);
    return result;
  };
  if (anchor.has_value()) {
    if (anchor->key_id != keys.audit_key_id()) {
      return bad(anchor->seq,
                 absl::StrCat("the anchor was made under another audit key (",
                              anchor->key_id, ", this ring's is ",
                              keys.audit_key_id(), ")"));
    }
    if (anchor->seq < 1 ||
        AnchorMac(keys, anchor->seq, anchor->hash, anchor->anchored_at) !=
            anchor->mac) {
      return bad(std::max<int64_t>(anchor->seq, 1),
                 "the anchor's MAC does not match its contents");
    }
  }
  // Starts below any seq so that stray rows with seq <= 0 are seen too.
  int64_t after = std::numeric_limits<int64_t>::min();
  int64_t expected_seq = 1;
  std::string prev_hash(kGenesisHash);
  bool keyed_seen = false;

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
      if (f.key_id.has_value()) {
        if (*f.key_id != keys.audit_key_id()) {
          return bad(seq, absl::StrCat("row keyed under another audit key (",
                                       *f.key_id, ", this ring's is ",
                                       keys.audit_key_id(), ")"));
        }
        keyed_seen = true;
      } else if (keyed_seen) {
        return bad(seq, "unkeyed row after keyed rows");
      } else {
        ++result.unkeyed_entries;
      }
      const std::string& stored_hash = row.Text(kHash);
      if (RowHash(keys, f) != stored_hash) {
        return bad(seq, "hash does not match the row's contents");
      }
      if (anchor.has_value() && seq == anchor->seq &&
          stored_hash != anchor->hash) {
        return bad(seq, "the anchored row's hash has changed");
      }
      ++result.entries;
      prev_hash = stored_hash;
      result.last_seq = seq;
      result.last_hash = stored_hash;
      after = seq;
      ++expected_seq;
    }
    if (static_cast<int64_t>(page.size()) < kVerifyPageRows) break;
  }
  if (anchor.has_value() && result.last_seq < anchor->seq) {
    return bad(result.last_seq + 1,
               absl::StrCat("the log ends at seq ", result.last_seq,
                            " but was anchored at seq ", anchor->seq,
                            ": rows were cut off the end"));
  }
  return result;
}

}  // namespace frontdoor::audit
