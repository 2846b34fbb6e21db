#include "common/audit/history.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "common/reference/reference.h"
#include "common/status/errors.h"

namespace frontdoor::audit {

absl::Status CheckHistoryRequest(
    const common::v1::ListHistoryRequest& request) {
  if (IsWellFormedReference(request.reference())) return absl::OkStatus();
  return InvalidArgumentWithViolations(
      "the request is not valid",
      {{"reference", "must be a referral reference such as FD-7K3M9Q2X4W8P"}});
}

absl::StatusOr<common::v1::ListHistoryResponse> ReadHistory(
    store::Tx& tx, const crypto::KeyRing& keys, const Caller& by, absl::Time at,
    std::string_view service, const std::string& reference,
    const std::string& lawful_basis) {
  // One more than answered, to know whether there were more.
  absl::StatusOr<std::vector<StoredEntry>> rows =
      ListBySubject(tx, reference, kMaxHistoryEntries + 1);
  if (!rows.ok()) return rows.status();
  common::v1::ListHistoryResponse response;
  if (static_cast<int64_t>(rows->size()) > kMaxHistoryEntries) {
    rows->resize(kMaxHistoryEntries);
    response.set_truncated(true);
  }
  for (const StoredEntry& row : *rows) {
    common::v1::HistoryEntry& e = *response.add_entries();
    const int64_t micros = absl::ToUnixMicros(row.entry.at);
    // Floor division, so a time before 1970 keeps non-negative nanos.
    int64_t seconds = micros / 1000000;
    int64_t rest = micros % 1000000;
    if (rest < 0) {
      rest += 1000000;
      --seconds;
    }
    e.mutable_at()->set_seconds(seconds);
    e.mutable_at()->set_nanos(static_cast<int32_t>(rest * 1000));
    e.set_service(std::string(service));
    e.set_action(row.entry.action);
    e.set_reason(row.entry.reason);
    e.set_actor(row.entry.actor_person);
    e.set_agency(row.entry.actor_agency);
    e.set_seq(row.seq);
  }
  if (absl::Status s = Record(
          tx, keys, by, at,
          {kActionHistoryRead, reference, kReasonHistoryView, lawful_basis,
           absl::StrCat("{\"entries\":", response.entries_size(), "}")});
      !s.ok()) {
    return s;
  }
  return response;
}

void ListHistory(store::Store& store, const crypto::KeyRing& keys,
                 const Caller& by, absl::Time at, std::string service,
                 std::string lawful_basis,
                 const common::v1::ListHistoryRequest& request,
                 HistoryDone done) {
  if (absl::Status s = CheckHistoryRequest(request); !s.ok()) {
    done(s);
    return;
  }
  auto response = std::make_shared<common::v1::ListHistoryResponse>();
  store.Write(
      [&keys, by, at, service = std::move(service),
       lawful_basis = std::move(lawful_basis), reference = request.reference(),
       response](store::Tx& tx) -> absl::Status {
        absl::StatusOr<common::v1::ListHistoryResponse> read =
            ReadHistory(tx, keys, by, at, service, reference, lawful_basis);
        if (!read.ok()) return read.status();
        *response = *std::move(read);
        return absl::OkStatus();
      },
      [response, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(status);
          return;
        }
        done(std::move(*response));
      });
}

}  // namespace frontdoor::audit
