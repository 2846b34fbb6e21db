#pragma once

// Capacity and first-contact targets, checked against the catalogue at
// start-up. Pure: no storage, no gRPC.

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "allocation-svc/catalogue.h"
#include "frontdoor/config/v1/allocation_settings.pb.h"

namespace frontdoor::allocation {

inline constexpr int kMaxWorkingDays = 30;
inline constexpr int kMaxCaseload = 500;
inline constexpr int kMaxSeats = 500;

// Validated settings. Immutable once built; safe to share.
class Settings {
 public:
  // Checks every entry against `catalogue`: cohort seats only for known
  // programmes, practitioners only for known programmes, every programme
  // with some capacity (seats or a practitioner), unique ids, and
  // first-contact rules whose last matches everything. INVALID_ARGUMENT
  // names each bad entry.
  static absl::StatusOr<Settings> FromProto(
      config::v1::AllocationSettings proto, const Catalogue& catalogue);

  // Seats of a group programme's cohort; 0 when its places are caseload
  // slots.
  int SeatsFor(absl::string_view programme_id) const;
  // The practitioners delivering a programme, in settings order.
  std::vector<const config::v1::Practitioner*> PractitionersFor(
      absl::string_view programme_id) const;
  // When first contact is due for a referral received at `received`.
  absl::Time FirstContactDue(absl::Time received,
                             const config::v1::Programme& programme,
                             bool self_referral) const;

  const config::v1::AllocationSettings& proto() const { return proto_; }

 private:
  Settings() = default;
  config::v1::AllocationSettings proto_;
  absl::flat_hash_map<std::string, int> seats_;
};

// `t` plus `days` working days (Monday to Friday, in UTC; bank holidays are
// not counted out), keeping the time of day.
absl::Time AddWorkingDays(absl::Time t, int days);

}  // namespace frontdoor::allocation
