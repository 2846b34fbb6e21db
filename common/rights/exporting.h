#pragma once

// What every service's FindIn and ExportFrom share: the answers' shapes,
// the history record, telling an erased referral from a broken one, and the
// check of a child's position. No gRPC.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/rights/redaction.h"
#include "common/store/store.h"
#include "frontdoor/common/v1/data_rights.pb.h"
#include "frontdoor/common/v1/referral.pb.h"

namespace frontdoor::rights {

// Record kinds (ExportedRecord.kind).
inline constexpr char kKindReferral[] = "referral";
inline constexpr char kKindDecision[] = "decision";
inline constexpr char kKindAssessment[] = "assessment";
inline constexpr char kKindPlacement[] = "placement";
inline constexpr char kKindNotification[] = "notification";
inline constexpr char kKindHistory[] = "history";

// The most audit rows one history record holds (common/audit/history.h's
// limit for the console).
inline constexpr int64_t kMaxExportedHistory = 500;

// True when opening a sealed value failed because its key is gone (the
// referral is erased: FAILED_PRECONDITION, NOT_FOUND), not because it was
// altered (DATA_LOSS, which an export reports as it is).
bool IsErasedOpen(const absl::Status& opened);

// The redaction of a record part that an erasure left unreadable.
common::v1::Redaction ErasedAt(std::string path);

// One found referral.
common::v1::FoundReferral Found(const std::string& reference,
                                common::v1::Party party,
                                common::v1::FrontDoor front_door,
                                int64_t received_at_us,
                                common::v1::RightsState state);

// INVALID_ARGUMENT naming "person.child_index" when a child's export names
// a position `referral` has no child at.
absl::Status CheckChild(const common::v1::PersonInReferral& person,
                        const common::v1::Referral& referral);

// The record of kind "history": `service`'s audit rows about `reference`,
// codes only, oldest first, their actors redacted (RedactHistory). nullopt
// when there are none.
absl::StatusOr<std::optional<common::v1::ExportedRecord>> HistoryRecord(
    store::Tx& tx, std::string_view service, const std::string& reference,
    const Context& context);

// Orders `response`'s records oldest first; at one time, a history comes
// after the other records, which kind and id order.
void OldestFirst(common::v1::ExportSubjectResponse& response);

}  // namespace frontdoor::rights
