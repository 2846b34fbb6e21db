#pragma once

// Rectification (UK GDPR art. 16), as every service that holds a copy of a
// referral does it: the corrected value checked as intake-svc checks that
// field of a referral, applied to a Referral, and the old and new values
// kept sealed in the service's `rectifications` table (each service's own
// migration; the shape in rectify.cc). RightsCore audits the call.
//
// No gRPC here.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"
#include "frontdoor/common/v1/data_rights.pb.h"
#include "frontdoor/common/v1/referral.pb.h"

namespace frontdoor::rights {

// The limits of intake-svc's checks for the rectifiable fields
// (intake-svc/validation.cc asserts they are its own).
inline constexpr size_t kRectifyMaxNameChars = 200;
inline constexpr size_t kRectifyMaxPhoneChars = 40;
inline constexpr size_t kRectifyMaxEmailChars = 254;
inline constexpr size_t kRectifyMaxSafeTimesChars = 500;
inline constexpr int kRectifyMaxAddressLines = 4;
inline constexpr size_t kRectifyMaxAddressLineChars = 200;
inline constexpr size_t kRectifyMaxTownChars = 100;
inline constexpr size_t kRectifyMaxPostcodeChars = 10;
inline constexpr int kRectifyEarliestBirthYear = 1900;
inline constexpr int kRectifyOldestPlausibleAge = 120;

// Checks request.value for request.field of the party named, as intake-svc
// checks that field (`today` for a date of birth): INVALID_ARGUMENT naming
// "value", or "field" when the party has no such field (a child has a
// name and a date of birth only; the other party has no address; the
// referrer has contact.phone and contact.email only). A name part and a
// date of birth are required; a contact or address field may be emptied.
absl::Status ValidateValue(const common::v1::RectifyRequest& request,
                           absl::CivilDay today);

// Sets the field in `referral`. Returns the value it held before (in the
// request's format), or INVALID_ARGUMENT naming "person.child_index" when
// the referral has no such child. Call ValidateValue first.
absl::StatusOr<std::string> Apply(const common::v1::RectifyRequest& request,
                                  common::v1::Referral& referral);

// Whether correcting `field` changes a person's blind indexes (their name
// or date of birth), which the service must then compute again.
bool ChangesIndexes(std::string_view field);

// The person's field as the history names it: "subject.name.familyName",
// "children[1].dateOfBirth", "referrer.contact.email".
std::string HistoryField(const common::v1::RectifyRequest& request);

// `value` sealed for the history, bound to its row and column:
// "<reference>:<seq>:rectification:<which>" ("old" or "new") as associated
// data. The one place a rectification is sealed.
absl::StatusOr<std::string> SealRectifiedValue(const crypto::KeyRing& keys,
                                               std::string_view value,
                                               std::string_view reference,
                                               int64_t seq,
                                               std::string_view which);

// Appends the change to the service's `rectifications` table (the next
// seq of the reference), the old and new values sealed.
absl::Status RecordRectification(store::Tx& tx, const crypto::KeyRing& keys,
                                 std::string_view reference, absl::Time now,
                                 const std::string& field,
                                 const std::string& old_value,
                                 const std::string& new_value);

// The outbox copies of `reference` on `topics` (queued or delivered events
// still kept), each opened (the event id as associated data), parsed as
// `Event`, corrected through `referral_of` (which may also update what is
// derived from the referral, such as its indexes) and sealed again.
// Returns how many copies were corrected.
template <typename Event>
absl::StatusOr<int> RectifyOutboxCopies(
    store::Tx& tx, const crypto::KeyRing& keys, std::string_view reference,
    const std::vector<std::string>& topics,
    const std::function<absl::Status(Event&)>& correct);

// The part of RectifyOutboxCopies that is not the event's type.
absl::StatusOr<int> RectifyOutboxPayloads(
    store::Tx& tx, const crypto::KeyRing& keys, std::string_view reference,
    const std::vector<std::string>& topics,
    const std::function<absl::StatusOr<std::string>(const std::string& plain)>&
        correct);

template <typename Event>
absl::StatusOr<int> RectifyOutboxCopies(
    store::Tx& tx, const crypto::KeyRing& keys, std::string_view reference,
    const std::vector<std::string>& topics,
    const std::function<absl::Status(Event&)>& correct) {
  return RectifyOutboxPayloads(
      tx, keys, reference, topics,
      [&correct](const std::string& plain) -> absl::StatusOr<std::string> {
        Event event;
        if (!event.ParseFromString(plain)) {
          return absl::DataLossError("an outbox event did not parse");
        }
        if (absl::Status s = correct(event); !s.ok()) return s;
        return event.SerializeAsString();
      });
}

}  // namespace frontdoor::rights
