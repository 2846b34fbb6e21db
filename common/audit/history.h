#pragma once

// A referral's history from one service's own audit trail: the shared body
// of the ListHistory staff method of intake-svc, triage-svc and
// allocation-svc (frontdoor.common.v1.ListHistoryRequest). Each core checks
// who may ask (ROLE_STAFF, tls::StaffAction::kReadReferral) and then calls
// ListHistory. No gRPC.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"
#include "common/tls/caller.h"
#include "frontdoor/common/v1/history.pb.h"

namespace frontdoor::audit {

// The most entries one ListHistory answers (oldest first; `truncated`
// says when there were more).
inline constexpr int64_t kMaxHistoryEntries = 500;
// Audit action of a history read, in the answering service's trail, with
// its subject the reference and details {"entries":N}.
inline constexpr char kActionHistoryRead[] = "history.read";
// Its reason code: staff viewed the referral's history.
inline constexpr char kReasonHistoryView[] = "history_view";

// OK, or INVALID_ARGUMENT naming "reference" when it is not a referral
// reference.
absl::Status CheckHistoryRequest(const common::v1::ListHistoryRequest& request);

// In `tx`: the rows of the trail whose subject is `reference` (at most
// kMaxHistoryEntries, oldest first, `truncated` when there are more) as
// entries of `service`, then the read itself recorded (kActionHistoryRead,
// by `by` at `at` under `lawful_basis`), so that the answer and its audit
// row commit together. The answer does not include its own row.
absl::StatusOr<common::v1::ListHistoryResponse> ReadHistory(
    store::Tx& tx, const crypto::KeyRing& keys, const Caller& by, absl::Time at,
    std::string_view service, const std::string& reference,
    const std::string& lawful_basis);

using HistoryDone =
    std::function<void(absl::StatusOr<common::v1::ListHistoryResponse>)>;

// CheckHistoryRequest, then ReadHistory in a write transaction of `store`;
// `done` gets the answer once the read's audit row has committed (it may
// run on a store thread). An unknown reference answers an empty list. The
// caller has checked that `by` may ask. `store` and `keys` must outlive the
// call.
void ListHistory(store::Store& store, const crypto::KeyRing& keys,
                 const Caller& by, absl::Time at, std::string service,
                 std::string lawful_basis,
                 const common::v1::ListHistoryRequest& request,
                 HistoryDone done);

}  // namespace frontdoor::audit
