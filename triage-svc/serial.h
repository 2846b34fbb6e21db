#pragma once

// Serial perpetrators (MATAC): the rule that decides, over blind indexes
// only, when one person suspected of abuse has crossed the threshold of
// distinct victims within the window. Pure: no storage, no gRPC.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "triage-svc/rules.h"

namespace frontdoor::triage {

// Audit action of MATAC's notification: a referral brought a new victim
// that crossed the threshold (subject: that referral's reference). The
// record reports count MATAC notifications from (triage_report.h).
inline constexpr char kAuditSerialPerpetrator[] = "triage.serial_perpetrator";

// One referral's suspect and victim, by blind index. The *_index of a
// person is of their name and date of birth, empty when the date is not
// known; the *_name_index is of the name alone.
struct SuspectLink {
  std::string reference;
  std::string suspect_index;
  std::string suspect_name_index;
  std::string victim_index;
  std::string victim_name_index;
  absl::Time received_at;
};

// Whether two people's indexes name the same person: equal name and date of
// birth when both dates are known; otherwise equal names.
bool SamePerson(const std::string& index_a, const std::string& name_index_a,
                const std::string& index_b, const std::string& name_index_b);

struct SerialOutcome {
  // MATAC must be told: this referral brings a victim new to this suspect
  // and the distinct victims reach the threshold.
  bool raise = false;
  // Distinct victims within the window, this referral's included, or the
  // number the referrer stated, whichever is greater.
  int distinct_victims = 0;
  // The suspect's referrals within the window, oldest first, this one last.
  std::vector<std::string> related_references;
};

// Decides for `current` against `earlier` (any referrals; those of another
// suspect, outside the window before current.received_at, or later than it
// are ignored). `stated_victims` is Referral.suspect_known_victims.
SerialOutcome DecideSerial(const SuspectLink& current,
                           const std::vector<SuspectLink>& earlier,
                           std::optional<int> stated_victims,
                           const Rules& rules);

}  // namespace frontdoor::triage
