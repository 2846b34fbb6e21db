#include "common/rights/exporting.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "common/status/errors.h"
#include "google/protobuf/util/time_util.h"

namespace frontdoor::rights {
namespace {

using google::protobuf::util::TimeUtil;

}  // namespace

bool IsErasedOpen(const absl::Status& opened) {
  return absl::IsFailedPrecondition(opened) || absl::IsNotFound(opened);
}

common::v1::Redaction ErasedAt(std::string path) {
  common::v1::Redaction r;
  r.set_path(std::move(path));
  r.set_rule(kRuleErased);
  return r;
}

common::v1::FoundReferral Found(const std::string& reference,
                                common::v1::Party party,
                                common::v1::FrontDoor front_door,
                                int64_t received_at_us,
                                common::v1::RightsState state) {
  common::v1::FoundReferral found;
  found.mutable_person()->set_reference(reference);
  found.mutable_person()->set_party(party);
  found.set_front_door(front_door);
  *found.mutable_received_at() =
      TimeUtil::MicrosecondsToTimestamp(received_at_us);
  *found.mutable_state() = std::move(state);
  return found;
}

absl::Status CheckChild(const common::v1::PersonInReferral& person,
                        const common::v1::Referral& referral) {
  if (person.party() != common::v1::PARTY_CHILD ||
      person.child_index() < referral.children_size()) {
    return absl::OkStatus();
  }
  return InvalidArgumentWithViolations(
      "the request is not valid",
      {{"person.child_index",
        absl::StrCat("the referral has ", referral.children_size(),
                     " children, counted from 0")}});
}

absl::StatusOr<std::optional<common::v1::ExportedRecord>> HistoryRecord(
    store::Tx& tx, std::string_view service, const std::string& reference,
    const Context& context) {
  absl::StatusOr<std::vector<audit::StoredEntry>> rows =
      audit::ListBySubject(tx, reference, kMaxExportedHistory);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::nullopt;
  common::v1::ListHistoryResponse history;
  std::vector<common::v1::Redaction> redactions;
  for (const audit::StoredEntry& row : *rows) {
    common::v1::HistoryEntry e;
    *e.mutable_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(row.entry.at));
    e.set_service(std::string(service));
    e.set_action(row.entry.action);
    e.set_reason(row.entry.reason);
    e.set_actor(row.entry.actor_person);
    e.set_agency(row.entry.actor_agency);
    e.set_seq(row.seq);
    Redacted<common::v1::HistoryEntry> r =
        RedactHistory(context, std::move(e),
                      absl::StrCat("entries[", history.entries_size(), "]."));
    *history.add_entries() = std::move(r.record);
    for (common::v1::Redaction& x : r.redactions) {
      redactions.push_back(std::move(x));
    }
  }
  absl::StatusOr<common::v1::ExportedRecord> record = MakeRecord(
      kKindHistory, absl::StrCat(std::string(service), ":", reference),
      rows->front().entry.at,
      {Part{"", &history, std::move(redactions), false}});
  if (!record.ok()) return record.status();
  return *std::move(record);
}

void OldestFirst(common::v1::ExportSubjectResponse& response) {
  auto* records = response.mutable_records();
  std::stable_sort(
      records->begin(), records->end(),
      [](const common::v1::ExportedRecord& a,
         const common::v1::ExportedRecord& b) {
        const int64_t ta = TimeUtil::TimestampToMicroseconds(a.recorded_at());
        const int64_t tb = TimeUtil::TimestampToMicroseconds(b.recorded_at());
        // A history after the other records of its time.
        const bool ha = a.kind() == kKindHistory;
        const bool hb = b.kind() == kKindHistory;
        return std::tie(ta, ha, a.kind(), a.id()) <
               std::tie(tb, hb, b.kind(), b.id());
      });
}

}  // namespace frontdoor::rights
