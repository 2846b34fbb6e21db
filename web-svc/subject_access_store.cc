#include "web-svc/subject_access_store.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "web-svc/accounts.h"
#include "web-svc/web_security.h"

namespace frontdoor::web {
namespace {

constexpr char kTable[] = "subject_access_requests";
constexpr char kSealedColumn[] = "sealed_bundle";
constexpr char kLawfulBasis[] =
    "UK GDPR art. 15 and art. 12(3): the right of access";
// Bytes of the length before each serialised answer (decimal digits).
constexpr size_t kLengthDigits = 10;

std::string Aad(std::string_view id) {
  return absl::StrCat(kTable, ".", kSealedColumn, ":",
                      absl::string_view(id.data(), id.size()));
}

int64_t Us(absl::Time t) { return absl::ToUnixMicros(t); }

std::string Json(
    std::initializer_list<std::pair<std::string_view, std::string>> kv) {
  std::string out = "{";
  for (const auto& [k, v] : kv) {
    if (out.size() > 1) out += ",";
    absl::StrAppend(&out, "\"", absl::string_view(k.data(), k.size()), "\":\"",
                    v, "\"");
  }
  return out + "}";
}

absl::Status AuditIn(store::Tx& tx, const crypto::KeyRing& keys, absl::Time at,
                     const std::string& account_id, std::string_view action,
                     const std::string& id, std::string details) {
  audit::Entry e;
  e.at = at;
  e.actor_agency = kWebAgency;
  e.actor_person = absl::StrCat("staff:", account_id);
  e.action = std::string(action);
  e.subject = id;
  e.reason = kAuditReasonSubjectAccess;
  e.lawful_basis = kLawfulBasis;
  e.details = std::move(details);
  return audit::Append(tx, keys, e);
}

struct Row {
  std::string reference;
  bool released = false;
};

absl::StatusOr<std::optional<Row>> LoadRow(store::Tx& tx,
                                           const std::string& id) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT reference, released_at_us FROM subject_access_requests "
      "WHERE request_id = $1",
      {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::nullopt;
  return Row{rows->front().Text(0), rows->front().Int(1) != 0};
}

}  // namespace

std::vector<rewrap::SealedColumn> SubjectAccessSealedColumns() {
  return {{kTable,
           kSealedColumn,
           {"request_id"},
           absl::StrCat("'", kTable, ".", kSealedColumn, ":' || request_id")}};
}

std::string SerialiseResponses(
    const std::vector<common::v1::ExportSubjectResponse>& responses) {
  std::string out;
  for (const common::v1::ExportSubjectResponse& r : responses) {
    const std::string bytes = r.SerializeAsString();
    std::string length = std::to_string(bytes.size());
    out += std::string(kLengthDigits - length.size(), '0') + length + bytes;
  }
  return out;
}

absl::StatusOr<std::vector<common::v1::ExportSubjectResponse>> ParseResponses(
    std::string_view bytes) {
  std::vector<common::v1::ExportSubjectResponse> out;
  size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < kLengthDigits) {
      return absl::InternalError("subject access bundle: truncated");
    }
    size_t length = 0;
    for (char c : bytes.substr(at, kLengthDigits)) {
      if (c < '0' || c > '9') {
        return absl::InternalError("subject access bundle: bad length");
      }
      length = length * 10 + static_cast<size_t>(c - '0');
    }
    at += kLengthDigits;
    if (bytes.size() - at < length) {
      return absl::InternalError("subject access bundle: truncated");
    }
    common::v1::ExportSubjectResponse r;
    if (!r.ParseFromArray(bytes.data() + at, static_cast<int>(length))) {
      return absl::InternalError("subject access bundle: bad answer");
    }
    out.push_back(std::move(r));
    at += length;
  }
  return out;
}

absl::StatusOr<std::string> SubjectAccessStore::Prepare(
    const std::string& reference, common::v1::Party party, int child_index,
    const std::vector<common::v1::ExportSubjectResponse>& responses,
    const std::string& account_id) {
  const std::string id =
      absl::StrCat(kExportIdPrefix, NewToken().substr(0, kExportIdHexDigits));
  absl::StatusOr<std::string> sealed =
      keys_.Seal(SerialiseResponses(responses), Aad(id));
  if (!sealed.ok()) return sealed.status();
  const int needs_review = NeedsReviewCount(responses);
  const absl::Time now = clock_.Now();
  const absl::Status s = store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<int64_t> n = tx.Exec(
        "INSERT INTO subject_access_requests (request_id, reference, party, "
        "child_index, prepared_by, prepared_at_us, sealed_bundle, "
        "needs_review) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        {id, reference, static_cast<int64_t>(party),
         static_cast<int64_t>(child_index), account_id, Us(now),
         store::Blob{*sealed}, static_cast<int64_t>(needs_review)});
    if (!n.ok()) return n.status();
    int records = 0;
    for (const auto& r : responses) records += r.records_size();
    return AuditIn(tx, keys_, now, account_id, kAuditSarPrepared, id,
                   Json({{"reference", reference},
                         {"party", std::string(PartyCode(party))},
                         {"records", std::to_string(records)},
                         {"needs_review", std::to_string(needs_review)}}));
  });
  if (!s.ok()) return s;
  return id;
}

absl::StatusOr<std::optional<SubjectAccessExport>> SubjectAccessStore::Load(
    const std::string& id) const {
  std::optional<SubjectAccessExport> out;
  std::string sealed;
  const absl::Status s = store_.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
        "SELECT reference, party, child_index, prepared_by, prepared_at_us, "
        "sealed_bundle, released_at_us, released_by "
        "FROM subject_access_requests WHERE request_id = $1",
        {id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return absl::OkStatus();
    const store::Row& r = rows->front();
    SubjectAccessExport e;
    e.id = id;
    e.reference = r.Text(0);
    e.party = static_cast<common::v1::Party>(r.Int(1));
    e.child_index = static_cast<int>(r.Int(2));
    e.prepared_by = r.Text(3);
    e.prepared_at = absl::FromUnixMicros(r.Int(4));
    sealed = r.Text(5);
    if (r.Int(6) != 0) e.released_at = absl::FromUnixMicros(r.Int(6));
    e.released_by = r.Text(7);
    absl::StatusOr<std::vector<store::Row>> reviews = tx.Query(
        "SELECT item, released FROM subject_access_reviews "
        "WHERE request_id = $1",
        {id});
    if (!reviews.ok()) return reviews.status();
    for (const store::Row& review : *reviews) {
      e.decisions[review.Text(0)] = review.Int(1) != 0;
    }
    out = std::move(e);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (!out.has_value()) return out;
  absl::StatusOr<std::string> opened = keys_.Open(sealed, Aad(id));
  if (!opened.ok()) return opened.status();
  absl::StatusOr<std::vector<common::v1::ExportSubjectResponse>> responses =
      ParseResponses(*opened);
  if (!responses.ok()) return responses.status();
  out->responses = *std::move(responses);
  return out;
}

absl::Status SubjectAccessStore::Review(
    const std::string& id, const std::map<std::string, bool>& decisions,
    const std::string& account_id) {
  absl::StatusOr<std::optional<SubjectAccessExport>> e = Load(id);
  if (!e.ok()) return e.status();
  if (!e->has_value()) return absl::NotFoundError("no such export");
  std::set<std::string> items;
  for (const ReviewItem& item : ItemsNeedingReview(**e)) items.insert(item.key);
  for (const auto& [key, release] : decisions) {
    if (items.count(key) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("item ", key, ": not a record needing review"));
    }
  }
  const absl::Time now = clock_.Now();
  return store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::optional<Row>> row = LoadRow(tx, id);
    if (!row.ok()) return row.status();
    if (!row->has_value()) return absl::NotFoundError("no such export");
    if ((*row)->released) {
      return absl::FailedPreconditionError("the export is released");
    }
    int released = 0;
    for (const auto& [key, release] : decisions) {
      absl::StatusOr<int64_t> n = tx.Exec(
          "INSERT INTO subject_access_reviews (request_id, item, released, "
          "reviewed_by, reviewed_at_us) VALUES ($1, $2, $3, $4, $5) "
          "ON CONFLICT (request_id, item) DO UPDATE SET "
          "released = excluded.released, reviewed_by = excluded.reviewed_by, "
          "reviewed_at_us = excluded.reviewed_at_us",
          {id, key, static_cast<int64_t>(release ? 1 : 0), account_id, Us(now)});
      if (!n.ok()) return n.status();
      released += release ? 1 : 0;
    }
    absl::StatusOr<int64_t> n = tx.Exec(
        "UPDATE subject_access_requests SET reviewed = (SELECT COUNT(*) FROM "
        "subject_access_reviews WHERE request_id = $1) WHERE request_id = $1",
        {id});
    if (!n.ok()) return n.status();
    return AuditIn(
        tx, keys_, now, account_id, kAuditSarReviewed, id,
        Json({{"reference", (*row)->reference},
              {"released", std::to_string(released)},
              {"withheld",
               std::to_string(static_cast<int>(decisions.size()) - released)}}));
  });
}

absl::Status SubjectAccessStore::Release(const std::string& id,
                                         const std::string& account_id) {
  absl::StatusOr<std::optional<SubjectAccessExport>> e = Load(id);
  if (!e.ok()) return e.status();
  if (!e->has_value()) return absl::NotFoundError("no such export");
  if (!AllReviewed(**e)) {
    return absl::FailedPreconditionError(
        "a record needing review has no decision");
  }
  const absl::Time now = clock_.Now();
  return store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<int64_t> n = tx.Exec(
        "UPDATE subject_access_requests SET released_at_us = $2, "
        "released_by = $3 WHERE request_id = $1 AND released_at_us = 0",
        {id, Us(now), account_id});
    if (!n.ok()) return n.status();
    if (*n == 0) return absl::FailedPreconditionError("the export is released");
    return AuditIn(tx, keys_, now, account_id, kAuditSarReleased, id,
                   Json({{"reference", (*e)->reference},
                         {"withheld", std::to_string(WithheldCount(**e))}}));
  });
}

absl::Status SubjectAccessStore::RecordDownload(const std::string& id,
                                                std::string_view format,
                                                bool refused,
                                                const std::string& account_id) {
  const absl::Time now = clock_.Now();
  return store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    return AuditIn(tx, keys_, now, account_id,
                   refused ? kAuditSarDownloadRefused : kAuditSarDownloaded, id,
                   Json({{"format", std::string(format)}}));
  });
}

}  // namespace frontdoor::web
