#pragma once

// Subject access exports in web-svc's own store
// (migrations/003_subject_access.sql): the four services' answers sealed
// with the key ring (associated data
// "subject_access_requests.sealed_bundle:<request id>"), the officer's
// review of each record marked for review, and the release. Each step is
// appended to web-svc's audit chain in the same transaction (codes, ids and
// counts, never what the records hold): web.sar_prepared,
// web.sar_reviewed, web.sar_released, web.sar_downloaded and
// web.sar_download_refused, reason "subject_access", subject the export's
// id, actor "staff:<account id>".

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/crypto/key_ring.h"
#include "common/rewrap/rewrap.h"
#include "common/store/store.h"
#include "web-svc/subject_access.h"

namespace frontdoor::web {

// Audit reason of every subject access step.
inline constexpr char kAuditReasonSubjectAccess[] = "subject_access";
inline constexpr char kAuditSarPrepared[] = "web.sar_prepared";
inline constexpr char kAuditSarReviewed[] = "web.sar_reviewed";
inline constexpr char kAuditSarReleased[] = "web.sar_released";
inline constexpr char kAuditSarDownloaded[] = "web.sar_downloaded";
inline constexpr char kAuditSarDownloadRefused[] = "web.sar_download_refused";

// The sealed column, for re-sealing after a key rotation.
std::vector<rewrap::SealedColumn> SubjectAccessSealedColumns();

// Each answer length-prefixed, for sealing; and back (INTERNAL when the
// bytes are not such a list).
std::string SerialiseResponses(
    const std::vector<common::v1::ExportSubjectResponse>& responses);
absl::StatusOr<std::vector<common::v1::ExportSubjectResponse>> ParseResponses(
    std::string_view bytes);

class SubjectAccessStore {
 public:
  // All three must outlive the store.
  SubjectAccessStore(store::Store& store, const crypto::KeyRing& keys,
                     const Clock& clock)
      : store_(store), keys_(keys), clock_(clock) {}

  // Keeps a new export of `responses` for the person, prepared now by
  // `account_id`; its id.
  absl::StatusOr<std::string> Prepare(
      const std::string& reference, common::v1::Party party, int child_index,
      const std::vector<common::v1::ExportSubjectResponse>& responses,
      const std::string& account_id);

  // The export `id`, opened; nullopt when there is none.
  absl::StatusOr<std::optional<SubjectAccessExport>> Load(
      const std::string& id) const;

  // Records the officer's decisions (item key: true releases, false
  // withholds) on records needing review. NOT_FOUND for no such export;
  // FAILED_PRECONDITION once released; INVALID_ARGUMENT naming an item
  // that is not one needing review.
  absl::Status Review(const std::string& id,
                      const std::map<std::string, bool>& decisions,
                      const std::string& account_id);

  // Releases the export. NOT_FOUND; FAILED_PRECONDITION when a record
  // needing review has no decision, or when it is released already.
  absl::Status Release(const std::string& id, const std::string& account_id);

  // Audits a download of the released export (`format` a code), or the
  // refusal of one before release.
  absl::Status RecordDownload(const std::string& id, std::string_view format,
                              bool refused, const std::string& account_id);

 private:
  store::Store& store_;
  const crypto::KeyRing& keys_;
  const Clock& clock_;
};

}  // namespace frontdoor::web
