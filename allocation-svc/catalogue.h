#pragma once

// The programme catalogue and funders, checked at start-up, and the rules
// that choose a programme for a triaged referral. Pure: no storage, no gRPC.

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "frontdoor/common/v1/referral.pb.h"
#include "frontdoor/common/v1/risk.pb.h"
#include "frontdoor/config/v1/catalogue.pb.h"

namespace frontdoor::allocation {

inline constexpr int kMinProgrammeTier = 2;
inline constexpr int kMaxProgrammeTier = 4;
inline constexpr int kMaxChildAge = 17;
inline constexpr int kMaxAge = 130;
// Programmes longer than this many sessions are a typing error.
inline constexpr int kMaxSessions = 200;

// Validated catalogue. Immutable once built; safe to share.
class Catalogue {
 public:
  // Checks every entry; INVALID_ARGUMENT carries a field violation per
  // problem, naming the entry by index and id (for example
  // `programmes[12] "dating-detox".min_age`).
  static absl::StatusOr<Catalogue> FromProto(config::v1::Catalogue proto);

  const config::v1::Catalogue& proto() const { return proto_; }
  const std::string& version() const { return proto_.version(); }
  // The programme with this id, or nullptr.
  const config::v1::Programme* Find(absl::string_view id) const;

 private:
  Catalogue() = default;
  config::v1::Catalogue proto_;
  absl::flat_hash_map<std::string, int> by_id_;
};

// What the choice of a programme depends on.
struct Need {
  config::v1::Door door = config::v1::DOOR_UNSPECIFIED;
  common::v1::Side side = common::v1::SIDE_UNSPECIFIED;
  int tier = 0;
  int age = 0;
  std::vector<config::v1::CaseFact> facts;
};

// What a triaged referral needs: the door from the front door, the side and
// tier triage decided, the age, and the case facts the referral states.
Need NeedFor(common::v1::FrontDoor front_door, common::v1::Side side, int tier,
             int age, const common::v1::Referral& referral);

// The case facts a referral states: an out-of-court disposal; children in
// the household; for a child, harm to a parent (the other party is family)
// or abuse in their own relationship (a current or ex-partner).
std::vector<config::v1::CaseFact> CaseFactsOf(const common::v1::Referral& r,
                                              int age);

// The programme for `need`: among those of the same door, side and tier
// whose ages take the person and whose case facts all hold, the one
// matching most facts, then the first in the catalogue. FAILED_PRECONDITION
// "not eligible" naming, for each programme at that door, side and tier, why
// it does not fit; tier 1 has no individual programme.
absl::StatusOr<const config::v1::Programme*> ChooseProgramme(
    const Catalogue& catalogue, const Need& need);

// Why allocation must wait for consent, or empty when it need not: the
// subject's consent for behaviour change; a parent's or carer's consent for
// children aged 16 and under.
std::string ConsentMissing(const common::v1::ConsentRecord& consent,
                           common::v1::Side side, int age);

// The funders whose money may pay for a place in a district of
// `funding_area` ("county" or "city"), in catalogue order.
std::vector<std::string> FundersFor(const Catalogue& catalogue,
                                    absl::string_view funding_area);

// A place on a waiting list.
struct Waiting {
  common::v1::RiskLevel risk = common::v1::RISK_LEVEL_UNSPECIFIED;
  int64_t waiting_since_us = 0;
  std::string reference;
};

// Waiting-list order: higher risk first, then longer waiting, then
// reference (so the order is total).
bool ComesBefore(const Waiting& a, const Waiting& b);

}  // namespace frontdoor::allocation
