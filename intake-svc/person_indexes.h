#pragma once

#include <cstdint>
#include <string>

#include "common/crypto/key_ring.h"
#include "frontdoor/common/v1/referral.pb.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "frontdoor/intake/v1/intake.pb.h"

namespace frontdoor::intake {

// The version of the identity keys (identity::kPersonKeyTag) a referrals row
// is indexed under, in its identity_version column. Rows of an older version
// are re-indexed at start-up (reindex.h); migrations/002_identity.sql's
// partial index names the same number.
inline constexpr int64_t kIdentityVersion = 2;

// The blind indexes (crypto::KeyRing::BlindIndex of identity::PersonKey or
// LoosePersonKey) of the people in a referral. The fields of
// ReferralReceived of the same names document each.
struct PersonIndexes {
  std::string subject;        // canonical name and date of birth
  std::string subject_loose;  // the same, accents ignored
  std::string suspect;        // empty: no suspect, or no date of birth
  std::string suspect_name;   // empty: no suspect
  std::string victim;         // empty: no victim, or no date of birth
  std::string victim_name;    // empty: no victim
};

// Indexes `referral` as routed (`status`, `front_door`). Who is who: at
// FRONT_DOOR_ADULT_VICTIM the subject is the victim and the other party (if
// any) the suspect; at FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE the subject is the
// suspect and the other party the victim; children's and returned
// referrals have neither.
PersonIndexes IndexPeople(const crypto::KeyRing& keys,
                          const common::v1::Referral& referral,
                          intake::v1::ReferralStatus status,
                          common::v1::FrontDoor front_door);

// Sets the index fields of `event` (subject_index, subject_loose_index,
// suspect_*, victim_*) to `indexes`.
void SetIndexes(const PersonIndexes& indexes,
                intake::v1::ReferralReceived& event);

}  // namespace frontdoor::intake
