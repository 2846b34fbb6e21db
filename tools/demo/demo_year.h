#pragma once

// A synthetic year of referrals pushed through the real API (issue 15, "Test
// data"): given a seed and a scale, the generator plans one financial year
// (1 April to 31 March) of referrals across the nine districts, the sources,
// channels and front doors, with DASH assessments of varied scores, repeat
// victims and repeat suspects, and then plays it on a FakeClock: each
// referral is submitted by its referring agency's certificate (or keyed by
// the service's staff), assessed by a practitioner when it came without a
// complete assessment (or left waiting in triage's queue), and followed
// through allocation's staff methods (first contact within target or late,
// carers' consent, failures with a reason, places released when a case
// closes).
//
// Everything random comes from one std::mt19937_64 seeded with
// Options::seed, and the plan is made before any call, so the same seed
// and scale give the same year (the same referrals, by district, source and
// front door, in the same order) whatever the services answer.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "grpcpp/channel.h"

namespace frontdoor::demo {

// The seed of the demo year when none is given.
inline constexpr uint64_t kDefaultSeed = 20230401;

// Referrals in a full year (scale 1.0): DOMAIN.md's about 7,700 victim
// referrals a year (adults and children) and about 340 perpetrator
// referrals (1,200 over 3.5 years).
inline constexpr int kFullYearReferrals = 8040;

// ---------------------------------------------------------------------------
// THE proportions. Volumes from ../shared/DOMAIN.md ("Places and money":
// about 7,700 victim referrals a year, far fewer perpetrator referrals, about
// 340 a year); the districts are DOMAIN.md's nine, weighted by population
// (Census 2021, rounded to thousands: Stoke-on-Trent the largest). DOMAIN.md
// gives no split by source, risk or channel: the weights below are
// illustrative assumptions for a demo (police the majority of referrals, as
// DOMAIN.md's "partner API (the main path)" says; about a fifth high risk,
// so MARAC's share is about a fifth), not figures of the real service.
// ---------------------------------------------------------------------------

// A district of DOMAIN.md, its weight (population in thousands) and one of
// its postcodes' outward codes (config/districts.json).
struct DistrictWeight {
  const char* code;
  double weight;
  const char* outward_code;
  const char* town;
};
inline constexpr DistrictWeight kDistricts[] = {
    {"stoke-on-trent", 258, "ST4", "Stoke-on-Trent"},
    {"stafford", 137, "ST16", "Stafford"},
    {"east-staffordshire", 124, "DE14", "Burton upon Trent"},
    {"newcastle-under-lyme", 123, "ST5", "Newcastle-under-Lyme"},
    {"south-staffordshire", 110, "WV8", "Codsall"},
    {"lichfield", 106, "WS13", "Lichfield"},
    {"cannock-chase", 101, "WS11", "Cannock"},
    {"staffordshire-moorlands", 96, "ST13", "Leek"},
    {"tamworth", 79, "B77", "Tamworth"},
};

// The front doors a referral asks for, by weight: adult victims and
// children (victim referrals, about 7,700), adult behaviour change (about
// 340), and a few children referred straight to behaviour change, which
// intake returns (DOMAIN.md: "returned to the referring agency").
inline constexpr char kDoorAdultVictim[] = "adult_victim";
inline constexpr char kDoorAdultBehaviourChange[] = "adult_behaviour_change";
inline constexpr char kDoorChildren[] = "children";
inline constexpr char kDoorChildToBehaviourChange[] =
    "child_to_behaviour_change";
struct DoorWeight {
  const char* door;
  double weight;
};
inline constexpr DoorWeight kDoors[] = {
    {kDoorAdultVictim, 6860},
    {kDoorChildren, 800},
    {kDoorAdultBehaviourChange, 340},
    {kDoorChildToBehaviourChange, 40},
};

// Sources (the report's codes: common/report/report_codes.h) by weight for
// each front door; a child sent to behaviour change uses the children's.
struct SourceWeight {
  const char* source;
  double adult_victim;
  double adult_behaviour_change;
  double children;
};
inline constexpr SourceWeight kSources[] = {
    {"police", 55, 25, 30}, {"health", 10, 5, 10},   {"social_care", 8, 10, 28},
    {"self", 12, 20, 2},    {"education", 2, 0, 20}, {"probation", 3, 35, 0},
    {"housing", 5, 2, 3},   {"other", 5, 3, 7},
};

// How a self-referral arrives (victims only by phone and chat; a person
// causing harm refers themselves on the web form).
inline constexpr double kSelfByPhone = 0.55;
inline constexpr double kSelfByLiveChat = 0.25;  // the rest by web form
// An agency's referral keyed by staff from secure email instead of its API.
inline constexpr double kAgencyBySecureEmail = 0.08;

// Adults' DASH score bands (local bands of DOMAIN.md: 0-9 standard, 10-13
// medium, 14+ high), by weight.
inline constexpr double kStandardRisk = 0.55;
inline constexpr double kMediumRisk = 0.25;  // the rest high (MARAC)
// A medium-risk DASH with the practitioner's judgement that risk is high.
inline constexpr double kProfessionalJudgement = 0.05;
// Police referrals state the call-outs of the past 12 months (0 to
// kMaxCallouts, uniformly); three or more is MARAC's escalation flag.
inline constexpr int kMaxCallouts = 4;

// Adults' referrals that come without a complete assessment, and of those
// (and of every child's, which a practitioner always assesses) the share a
// practitioner assesses within the year; the rest wait in triage's queue.
inline constexpr double kAdultWithoutAssessment = 0.12;
inline constexpr double kAssessedByPractitioner = 0.85;

// Repeats: an adult victim referred again within 12 months, and a suspect
// referred against a second victim (MATAC).
inline constexpr double kRepeatVictim = 0.08;
inline constexpr double kRepeatSuspect = 0.03;
// Adult victims with children in the household.
inline constexpr double kWithChildren = 0.40;
// Children under 17 referred without a carer's consent, and of those the
// share whose carer later consents.
inline constexpr double kWithoutCarerConsent = 0.30;
inline constexpr double kCarerConsentsLater = 0.85;
// Behaviour change referrals after an out-of-court disposal.
inline constexpr double kOutOfCourtDisposal = 0.15;

// After a placement: first contact recorded within target, late, or never;
// allocation failed (no contact or declined).
inline constexpr double kFirstContactInTarget = 0.72;
inline constexpr double kFirstContactLate = 0.18;  // the rest none
inline constexpr double kFailure = 0.06;
// A case held in a place closes (the place released) after this many days.
inline constexpr int kMinCaseDays = 42;
inline constexpr int kMaxCaseDays = 112;

// ---------------------------------------------------------------------------

// The services the generator calls.
enum class Service { kIntake, kTriage, kAllocation };

// A channel to `service` presenting the certificate of `identity`: an
// agency's registry id (for example "staffs-police") or "web-svc" (the
// console and the web forms).
using ChannelFor = std::function<absl::StatusOr<std::shared_ptr<grpc::Channel>>(
    Service service, const std::string& identity)>;

struct Options {
  uint64_t seed = kDefaultSeed;
  // 1.0 is a full year (kFullYearReferrals); at least one referral.
  double scale = 1.0;
  // The financial year starting on 1 April of this year.
  int year = 2023;
  // The longest wait (real time) for one hand-off to settle: a referral to
  // reach triage, a decision to reach allocation.
  absl::Duration settle = absl::Seconds(30);
};

// The first day of the financial year `year` (1 April), at midnight UK
// time (Europe/London), and the day after its last (1 April of the next).
absl::Time YearStart(int year);
absl::Time YearEnd(int year);

// The last whole financial year before `today`'s: the one that ended on the
// 31 March before (or on) it.
int LastWholeYear(absl::CivilDay today);

// What the year made.
struct Summary {
  int submitted = 0;
  int accepted = 0;
  int returned = 0;
  // Submissions that ended without a receipt, and hand-offs that did not
  // settle in time, each described (with the plan's index); empty when
  // nothing was lost.
  std::vector<std::string> errors;
  // Of the plan, counted at submission: by district code, by source code
  // (report_codes.h), by requested door (kDoor*), by channel code.
  std::map<std::string, int> by_district;
  std::map<std::string, int> by_source;
  std::map<std::string, int> by_door;
  std::map<std::string, int> by_channel;
  // Of the receipts: accepted referrals by front door ("adult_victim",
  // "adult_behaviour_change", "children").
  std::map<std::string, int> accepted_by_front_door;
  // Of the plan: repeat victims, repeat suspects (against a new victim).
  int repeat_victims = 0;
  int repeat_suspects = 0;
  // Triage: decided at once, by a practitioner, left in the queue.
  int auto_triaged = 0;
  int assessed = 0;
  int left_in_queue = 0;
  // Allocation's staff calls that succeeded.
  int first_contacts = 0;
  int consents = 0;
  int failures = 0;
  int releases = 0;
  // Every placement's state at the end (PlacementState names, e.g.
  // "PLACEMENT_STATE_ALLOCATED").
  std::map<std::string, int> placements_by_state;
};

// Plans the year of `options` and plays it: `clock` is set to the year's
// start and advanced referral by referral (it ends at the year's end);
// `channel_for` gives the channels (mTLS, each identity its own
// certificate). Returns INVALID_ARGUMENT for a scale that is not positive
// or a year out of range; FAILED_PRECONDITION when a channel cannot be
// made. A call that fails is recorded in Summary::errors and the year goes
// on.
absl::StatusOr<Summary> GenerateYear(const Options& options, FakeClock& clock,
                                     const ChannelFor& channel_for);

}  // namespace frontdoor::demo
