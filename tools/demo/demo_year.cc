#include "tools/demo/demo_year.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/common/v1/referral.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"

namespace frontdoor::demo {
namespace {

using allocation::v1::AllocationService;
using allocation::v1::Placement;
using common::v1::Referral;
using intake::v1::IntakeService;
using triage::v1::TriageService;

// Who the calls name in "frontdoor-actor", and the console's staff roles
// the generator acts in (common/tls/staff_roles.h).
constexpr char kActor[] = "demo-year";
constexpr char kStaffRoleKey[] = "frontdoor-staff-role";
constexpr char kCallHandler[] = "call_handler";
constexpr char kPractitioner[] = "practitioner";
constexpr char kTeamLeader[] = "team_leader";
// web-svc's certificate: the console and the web forms.
constexpr char kConsole[] = "web-svc";

// Each call's deadline, and the pause between polls of a hand-off.
constexpr absl::Duration kCallDeadline = absl::Seconds(10);
constexpr absl::Duration kPoll = absl::Milliseconds(2);

// Question sets (referral.proto): the adult DASH and the police variant.
constexpr char kDash24[] = "safelives-dash-24";
constexpr int kDash24Questions = 24;
constexpr char kPoliceDash27[] = "police-dash-27";
constexpr int kPoliceDash27Questions = 27;
// Local bands (DOMAIN.md): the scores each band's DASH is drawn from.
constexpr int kMediumScore = 10;
constexpr int kHighScore = 14;

constexpr int kAdultMinAge = 18;
constexpr int kAdultMaxAge = 78;
constexpr int kOlderVictimAge = 65;
constexpr int kChildMinAge = 4;
constexpr int kChildMaxAge = 17;
// Carers consent for children aged 16 and under (referral.proto).
constexpr int kCarerConsentMaxAge = 16;
constexpr int kMaxChildrenInHousehold = 3;
// Repeats look back within MARAC's repeat window (DOMAIN.md).
constexpr int kRepeatWindowMonths = 12;

// Agencies' working day for their own referrals; self-referrals come at
// any hour (the phone line and chat are 24/7).
constexpr absl::Duration kWorkingDayStart = absl::Hours(8);
constexpr absl::Duration kWorkingDayLength = absl::Hours(10);

// When staff act, after the referral (or the assessment, for one that
// waited): practitioners assess a waiting referral within days; first
// contact within target is 1 to 40 hours (every target is 24 hours or
// more, IDVAs' 2 working days), late 50 to 160 hours; carers consent, and
// failures are recorded, after days.
constexpr int kMinAssessHours = 2;
constexpr int kMaxAssessHours = 96;
constexpr int kMinInTargetHours = 1;
constexpr int kMaxInTargetHours = 22;
constexpr int kMinLateHours = 50;
constexpr int kMaxLateHours = 160;
constexpr int kMinConsentHours = 12;
constexpr int kMaxConsentHours = 168;
constexpr int kMinFailureDays = 3;
constexpr int kMaxFailureDays = 21;
// A place that is not held yet when its case would close is looked at
// again this much later.
constexpr absl::Duration kReleaseRecheck = absl::Hours(24 * 14);

// Names for synthetic people (no real person is meant).
constexpr const char* kFemaleNames[] = {
    "Amelia", "Olivia", "Isla",   "Ava",     "Mia",    "Grace",
    "Sophie", "Emily",  "Chloe",  "Jessica", "Lucy",   "Hannah",
    "Aisha",  "Priya",  "Zainab", "Megan",   "Holly",  "Ellie",
    "Katie",  "Laura",  "Rachel", "Nicola",  "Joanne", "Sarah",
    "Gemma",  "Leanne", "Tracey", "Donna",   "Fatima", "Agnieszka"};
constexpr const char* kMaleNames[] = {
    "Oliver", "Jack",  "Harry",  "George", "Noah",  "Charlie", "Jacob",
    "Thomas", "James", "Daniel", "Liam",   "Ryan",  "Kyle",    "Dean",
    "Wayne",  "Lee",   "Craig",  "Imran",  "Tariq", "Mark",    "Paul",
    "Steven", "Gary",  "Shaun",  "Marek",  "Adam",  "Connor",  "Jordan"};
constexpr const char* kFamilyNames[] = {
    "Smith",    "Jones",    "Williams", "Taylor",  "Brown",   "Davies",
    "Evans",    "Wilson",   "Thomas",   "Johnson", "Roberts", "Robinson",
    "Thompson", "Wright",   "Walker",   "White",   "Edwards", "Hughes",
    "Green",    "Hall",     "Lewis",    "Harris",  "Clarke",  "Patel",
    "Jackson",  "Wood",     "Turner",   "Martin",  "Cooper",  "Hill",
    "Ward",     "Morris",   "Moore",    "Clark",   "Lee",     "King",
    "Baker",    "Harrison", "Morgan",   "Allen",   "Khan",    "Hussain",
    "Begum",    "Kowalski", "Okafor",   "Mensah",  "Shah",    "Ali"};
constexpr const char* kStreets[] = {
    "Station Road", "Church Street", "Mill Lane",    "Victoria Road",
    "Park View",    "High Street",   "Queen Street", "Meadow Close"};

// The registry's agencies for each source (config/agencies.json's sector).
constexpr char kPolice[] = "staffs-police";
constexpr char kProbation[] = "staffs-probation";
constexpr char kCountySocialCare[] = "staffs-childrens-social-care";
constexpr char kCitySocialCare[] = "stoke-childrens-social-care";
constexpr char kCityDistrict[] = "stoke-on-trent";
constexpr const char* kHealth[] = {"uhnm-health", "hillside-medical-practice"};
constexpr char kEducation[] = "oakfield-academy";
constexpr char kHousing[] = "moorlands-housing";
// Small organisations on the web form name themselves (source "other").
constexpr const char* kOtherOrganisations[] = {
    "Hope Community Trust", "Northfield Family Centre",
    "Moorlands Citizens Advice", "St Mark's Food Bank"};

// Children's indicators (config/triage-rules.json, roots-to-support-2) a
// practitioner answers yes, by side.
constexpr const char* kChildVictimIndicators[] = {
    "witnessed-violence", "emotional-impact", "frightened-at-home",
    "used-as-leverage", "injured"};
constexpr const char* kChildHarmingIndicators[] = {
    "harm-to-parent", "harm-in-own-relationship", "harm-to-siblings"};
constexpr double kChildHarming = 0.2;

// One std::mt19937_64 and what the plan draws from it, with no
// implementation-defined distribution (the same seed gives the same year
// with any standard library).
class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  // In [0, 1).
  double Unit() {
    constexpr int kMantissaBits = 53;
    return static_cast<double>(engine_() >> (64 - kMantissaBits)) /
           static_cast<double>(uint64_t{1} << kMantissaBits);
  }
  bool Chance(double p) { return Unit() < p; }
  // In [lo, hi].
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Unit() * (hi - lo + 1));
  }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[static_cast<size_t>(Unit() * N)];
  }
  // An index drawn by `weights`.
  size_t Weighted(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Unit() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  std::mt19937_64 engine_;
};

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(t));
}

absl::TimeZone UkTime() {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone("Europe/London", &tz)) return absl::UTCTimeZone();
  return tz;
}

// A person: name and date of birth (what repeats are matched on).
struct Person {
  std::string given;
  std::string family;
  absl::CivilDay born;
};

// What a practitioner answers for a child.
struct ChildAnswer {
  std::string yes;  // the indicator answered yes
};

// One referral of the plan, and what staff will do with it.
struct Planned {
  int index = 0;
  absl::Time at;
  std::string door;  // kDoor*
  std::string district;
  std::string source;
  std::string channel;  // report code
  // Who submits: an agency's certificate or web-svc's, and for the
  // console the staff role.
  std::string identity;
  std::string staff_role;
  Referral referral;
  bool repeat_victim = false;
  bool repeat_suspect = false;
  // Triage: complete assessment attached (decided at once); otherwise a
  // practitioner assesses it after `assess_after`, or never.
  bool complete_assessment = false;
  std::optional<absl::Duration> assess_after;
  common::v1::RiskAssessment practitioner_dash;
  ChildAnswer child;
  // Allocation.
  std::optional<absl::Duration> first_contact_after;
  std::optional<absl::Duration> consent_after;
  std::optional<absl::Duration> failure_after;
  allocation::v1::FailureReason failure =
      allocation::v1::FAILURE_REASON_UNSPECIFIED;
  absl::Duration case_length;
};

Person NewPerson(Random& rng, bool female, int age, absl::CivilDay on) {
  Person p;
  p.given = female ? rng.Pick(kFemaleNames) : rng.Pick(kMaleNames);
  p.family = rng.Pick(kFamilyNames);
  // Born on a day of the 364 up to `age` years before `on`: exactly `age`
  // on `on` (a subject of 17 is a child, one of 18 an adult).
  absl::CivilDay latest(on.year() - age, on.month(), on.day());
  if (latest.month() != on.month()) latest -= 1;  // 29 February: the 28th
  p.born = latest - rng.Between(0, 364);
  return p;
}

common::v1::PersonName NameOf(const Person& p) {
  common::v1::PersonName n;
  n.set_given_names(p.given);
  n.set_family_name(p.family);
  return n;
}

google::type::Date DateOf(absl::CivilDay d) {
  google::type::Date date;
  date.set_year(static_cast<int32_t>(d.year()));
  date.set_month(d.month());
  date.set_day(d.day());
  return date;
}

// A complete DASH of `questions` answers with `yes` of them yes, chosen at
// random, and the rest no or don't know.
common::v1::RiskAssessment Dash(Random& rng, const char* form, int questions,
                                int yes) {
  std::vector<int> order(questions);
  for (int q = 0; q < questions; ++q) order[q] = q + 1;
  for (int i = questions - 1; i > 0; --i) {  // Fisher-Yates
    std::swap(order[i], order[rng.Between(0, i)]);
  }
  std::vector<bool> is_yes(questions + 1, false);
  for (int i = 0; i < yes; ++i) is_yes[order[i]] = true;
  common::v1::RiskAssessment a;
  a.set_form_version(form);
  for (int q = 1; q <= questions; ++q) {
    auto* answer = a.add_answers();
    answer->set_question(q);
    answer->set_answer(is_yes[q]         ? common::v1::ANSWER_YES
                       : rng.Chance(0.7) ? common::v1::ANSWER_NO
                                         : common::v1::ANSWER_DONT_KNOW);
  }
  return a;
}

// An adult's DASH by the risk bands' weights.
common::v1::RiskAssessment AdultDash(Random& rng, bool police) {
  const char* form = police ? kPoliceDash27 : kDash24;
  const int questions = police ? kPoliceDash27Questions : kDash24Questions;
  const double band = rng.Unit();
  int yes;
  bool judgement = false;
  if (band < kStandardRisk) {
    yes = rng.Between(0, kMediumScore - 1);
  } else if (band < kStandardRisk + kMediumRisk) {
    yes = rng.Between(kMediumScore, kHighScore - 1);
    judgement = rng.Chance(kProfessionalJudgement);
  } else {
    yes = rng.Between(kHighScore, kHighScore + 6);
  }
  common::v1::RiskAssessment a = Dash(rng, form, questions, yes);
  if (police)
    a.set_police_callouts_past_12_months(rng.Between(0, kMaxCallouts));
  if (judgement) {
    a.set_professional_judgement_high_risk(true);
    a.set_professional_judgement_reason(
        "Escalating controlling behaviour disclosed since the last incident.");
  }
  return a;
}

std::string Postcode(Random& rng, const DistrictWeight& d) {
  constexpr char kLetters[] = "ABDEFGHJLNPQRSTUWXYZ";  // inward code letters
  const size_t n = sizeof(kLetters) - 1;
  return absl::StrCat(d.outward_code, " ", rng.Between(1, 9),
                      std::string(1, kLetters[rng.Between(0, n - 1)]),
                      std::string(1, kLetters[rng.Between(0, n - 1)]));
}

common::v1::SafeContact Contact(Random& rng) {
  common::v1::SafeContact c;
  c.set_phone(absl::StrCat("07700 9", rng.Between(10000, 99999)));
  c.set_safe_to_call(rng.Chance(0.85));
  c.set_safe_to_leave_message(rng.Chance(0.4));
  return c;
}

// The referrer's details and submitting identity for `source`.
void SetReferrer(Random& rng, Planned& p, bool behaviour_change) {
  common::v1::Referrer& r = *p.referral.mutable_referrer();
  r.set_phone(absl::StrCat("01785 ", rng.Between(200000, 299999)));
  r.set_agency_case_reference(absl::StrCat("DEMO-", p.index));
  std::string agency;
  if (p.source == "police") {
    agency = kPolice;
    r.set_name("PC Demo Officer");
    r.set_role("Domestic abuse officer");
  } else if (p.source == "health") {
    agency = rng.Pick(kHealth);
    r.set_name("Demo Health Practitioner");
    r.set_role("Safeguarding nurse");
  } else if (p.source == "social_care") {
    agency = p.district == kCityDistrict ? kCitySocialCare : kCountySocialCare;
    r.set_name("Demo Social Worker");
    r.set_role("Social worker");
  } else if (p.source == "probation") {
    agency = kProbation;
    r.set_name("Demo Probation Officer");
    r.set_role("Probation officer");
  } else if (p.source == "education") {
    agency = kEducation;
    r.set_name("Demo Safeguarding Lead");
    r.set_role("Designated safeguarding lead");
  } else if (p.source == "housing") {
    agency = kHousing;
    r.set_name("Demo Housing Officer");
    r.set_role("Tenancy officer");
  }
  if (p.source == "self") {
    r.set_name(absl::StrCat(p.referral.subject().name().given_names(), " ",
                            p.referral.subject().name().family_name()));
    r.set_self_referral(true);
    p.identity = kConsole;
    const double how = rng.Unit();
    if (!behaviour_change && how < kSelfByPhone) {
      p.channel = "phone";
      p.staff_role = kCallHandler;
      p.referral.set_channel(common::v1::CHANNEL_PHONE);
    } else if (!behaviour_change && how < kSelfByPhone + kSelfByLiveChat) {
      p.channel = "live_chat";
      p.staff_role = kCallHandler;
      p.referral.set_channel(common::v1::CHANNEL_LIVE_CHAT);
    } else {
      p.channel = "web_form";
      p.referral.set_channel(common::v1::CHANNEL_WEB_FORM);
    }
    return;
  }
  if (p.source == "other") {
    r.set_name("Demo Support Worker");
    r.set_role("Support worker");
    r.set_organisation(rng.Pick(kOtherOrganisations));
    p.identity = kConsole;
    p.channel = "web_form";
    p.referral.set_channel(common::v1::CHANNEL_WEB_FORM);
    return;
  }
  if (rng.Chance(kAgencyBySecureEmail)) {
    // Keyed by a call handler from the agency's secure email.
    r.set_on_behalf_of_agency(agency);
    p.identity = kConsole;
    p.staff_role = kCallHandler;
    p.channel = "secure_email";
    p.referral.set_channel(common::v1::CHANNEL_SECURE_EMAIL);
    return;
  }
  p.identity = agency;
  p.channel = "partner_api";
  p.referral.set_channel(common::v1::CHANNEL_PARTNER_API);
}

// The earlier adults (victims, or suspects) of the plan that a new
// referral at `at` may repeat: within the repeat window.
template <typename T>
const T* EarlierWithin(Random& rng,
                       const std::vector<std::pair<absl::Time, T>>& pool,
                       absl::Time at) {
  const absl::Time from = MonthsBefore(at, kRepeatWindowMonths);
  std::vector<const T*> candidates;
  for (const auto& [when, who] : pool) {
    if (when >= from && when < at) candidates.push_back(&who);
  }
  if (candidates.empty()) return nullptr;
  return candidates[static_cast<size_t>(rng.Unit() * candidates.size())];
}

// What happens after a placement: first contact, consent, failure, the
// case's length.
void PlanAllocation(Random& rng, Planned& p, bool awaiting_carer) {
  const double contact = rng.Unit();
  if (contact < kFirstContactInTarget) {
    p.first_contact_after =
        absl::Hours(rng.Between(kMinInTargetHours, kMaxInTargetHours));
  } else if (contact < kFirstContactInTarget + kFirstContactLate) {
    p.first_contact_after =
        absl::Hours(rng.Between(kMinLateHours, kMaxLateHours));
  }
  if (awaiting_carer && rng.Chance(kCarerConsentsLater)) {
    p.consent_after =
        absl::Hours(rng.Between(kMinConsentHours, kMaxConsentHours));
  }
  if (rng.Chance(kFailure)) {
    p.failure_after =
        absl::Hours(24 * rng.Between(kMinFailureDays, kMaxFailureDays));
    p.failure = p.first_contact_after.has_value()
                    ? allocation::v1::FAILURE_REASON_DECLINED
                    : allocation::v1::FAILURE_REASON_NO_CONTACT;
  }
  p.case_length = absl::Hours(24 * rng.Between(kMinCaseDays, kMaxCaseDays));
}

// The whole year's referrals, in time order.
std::vector<Planned> Plan(const Options& options) {
  Random rng(options.seed);
  const absl::Time start = YearStart(options.year);
  const int days = static_cast<int>(
      absl::ToInt64Hours(YearEnd(options.year) - start + absl::Hours(12)) / 24);
  const int total = std::max(
      1, static_cast<int>(std::lround(kFullYearReferrals * options.scale)));

  std::vector<double> district_weights, door_weights;
  for (const DistrictWeight& d : kDistricts)
    district_weights.push_back(d.weight);
  for (const DoorWeight& d : kDoors) door_weights.push_back(d.weight);

  // Times first, so repeats look back in time order.
  std::vector<std::pair<absl::Time, bool>> times;  // when, self-referral hour
  std::vector<Planned> plan(total);
  for (Planned& p : plan) {
    p.door = kDoors[rng.Weighted(door_weights)].door;
    std::vector<double> source_weights;
    for (const SourceWeight& s : kSources) {
      source_weights.push_back(p.door == kDoorAdultVictim ? s.adult_victim
                               : p.door == kDoorAdultBehaviourChange
                                   ? s.adult_behaviour_change
                                   : s.children);
    }
    p.source = kSources[rng.Weighted(source_weights)].source;
    p.district = kDistricts[rng.Weighted(district_weights)].code;
    const absl::Time day = start + absl::Hours(24 * rng.Between(0, days - 1));
    p.at = p.source == "self"
               ? day + absl::Minutes(rng.Between(0, 24 * 60 - 1))
               : day + kWorkingDayStart +
                     absl::Minutes(rng.Between(
                         0, absl::ToInt64Minutes(kWorkingDayLength) - 1));
  }
  std::stable_sort(
      plan.begin(), plan.end(),
      [](const Planned& a, const Planned& b) { return a.at < b.at; });

  std::vector<std::pair<absl::Time, Person>> victims, suspects;
  const absl::TimeZone uk = UkTime();
  for (size_t i = 0; i < plan.size(); ++i) {
    Planned& p = plan[i];
    p.index = static_cast<int>(i);
    const absl::CivilDay today = absl::ToCivilDay(p.at, uk);
    const bool adult =
        p.door == kDoorAdultVictim || p.door == kDoorAdultBehaviourChange;
    const bool behaviour_change = p.door == kDoorAdultBehaviourChange ||
                                  p.door == kDoorChildToBehaviourChange;
    Referral& r = p.referral;
    r.set_requested_service(
        behaviour_change ? common::v1::REQUESTED_SERVICE_BEHAVIOUR_CHANGE
        : adult          ? common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT
                         : common::v1::REQUESTED_SERVICE_CHILDRENS_FRONT_DOOR);

    // The subject: a victim (mostly women), a person causing harm (mostly
    // men), or a child; an adult victim may be one referred before.
    const int age = adult ? rng.Between(kAdultMinAge, kAdultMaxAge)
                    : p.door == kDoorChildToBehaviourChange
                        ? rng.Between(14, kChildMaxAge)
                        : rng.Between(kChildMinAge, kChildMaxAge);
    const bool female =
        p.door == kDoorAdultBehaviourChange ? rng.Chance(0.1) : rng.Chance(0.8);
    Person subject = NewPerson(rng, female, age, today);
    if (p.door == kDoorAdultVictim && rng.Chance(kRepeatVictim)) {
      if (const Person* again = EarlierWithin(rng, victims, p.at)) {
        subject = *again;
        p.repeat_victim = true;
      }
    }
    common::v1::Subject& s = *r.mutable_subject();
    *s.mutable_name() = NameOf(subject);
    *s.mutable_date_of_birth() = DateOf(subject.born);
    *s.mutable_contact() = Contact(rng);
    const DistrictWeight* district = &kDistricts[0];
    for (const DistrictWeight& d : kDistricts) {
      if (p.district == d.code) district = &d;
    }
    common::v1::Address& address = *s.mutable_address();
    address.add_lines(
        absl::StrCat(rng.Between(1, 180), " ", rng.Pick(kStreets)));
    address.set_town(district->town);
    address.set_postcode(Postcode(rng, *district));
    if (p.door == kDoorAdultVictim) {
      if (!female && rng.Chance(0.3)) {
        s.add_specialist_needs(common::v1::SPECIALIST_NEED_MALE_VICTIM);
      } else if (age >= kOlderVictimAge && rng.Chance(0.5)) {
        s.add_specialist_needs(common::v1::SPECIALIST_NEED_OLDER_VICTIM);
      } else if (rng.Chance(0.06)) {
        s.add_specialist_needs(
            common::v1::SPECIALIST_NEED_RACIALLY_MINORITISED);
      }
    }

    // Consent: adults give it (behaviour change requires it); a carer's
    // for most children under 17.
    r.mutable_consent()->set_subject(common::v1::CONSENT_GIVEN);
    bool awaiting_carer = false;
    if (!adult && age <= kCarerConsentMaxAge) {
      awaiting_carer = rng.Chance(kWithoutCarerConsent);
      r.mutable_consent()->set_parent_or_carer(
          awaiting_carer ? common::v1::CONSENT_UNSPECIFIED
                         : common::v1::CONSENT_GIVEN);
    }

    // The other party: the suspect of a victim's referral (perhaps one
    // referred before against another victim: MATAC), the victim of a
    // behaviour change referral.
    if (p.door != kDoorChildren) {
      Person other =
          NewPerson(rng,
                    p.door == kDoorAdultBehaviourChange ? rng.Chance(0.9)
                                                        : rng.Chance(0.1),
                    rng.Between(kAdultMinAge, kAdultMaxAge - 10), today);
      if (p.door == kDoorAdultVictim && rng.Chance(kRepeatSuspect)) {
        if (const Person* again = EarlierWithin(rng, suspects, p.at)) {
          other = *again;
          p.repeat_suspect = true;
        }
      }
      common::v1::OtherParty& o = *r.mutable_other_party();
      *o.mutable_name() = NameOf(other);
      *o.mutable_date_of_birth() = DateOf(other.born);
      o.set_relationship(rng.Chance(0.5)
                             ? common::v1::RELATIONSHIP_EX_PARTNER
                             : common::v1::RELATIONSHIP_CURRENT_PARTNER);
      if (p.door == kDoorAdultVictim) suspects.emplace_back(p.at, other);
    }
    if (p.door == kDoorAdultVictim && !p.repeat_victim) {
      victims.emplace_back(p.at, subject);
    }
    if (p.door == kDoorAdultVictim && rng.Chance(kWithChildren)) {
      const int children = rng.Between(1, kMaxChildrenInHousehold);
      for (int c = 0; c < children; ++c) {
        Person child =
            NewPerson(rng, rng.Chance(0.5), rng.Between(0, 15), today);
        child.family = subject.family;
        common::v1::Child& k = *r.add_children();
        *k.mutable_name() = NameOf(child);
        *k.mutable_date_of_birth() = DateOf(child.born);
      }
    }
    if (behaviour_change) {
      common::v1::BehaviourChangeDetails& b = *r.mutable_behaviour_change();
      b.set_known_to_probation(p.source == "probation" || rng.Chance(0.3)
                                   ? common::v1::ANSWER_YES
                                   : common::v1::ANSWER_NO);
      b.set_previous_programme(rng.Chance(0.1) ? common::v1::ANSWER_YES
                                               : common::v1::ANSWER_NO);
      b.set_out_of_court_disposal(rng.Chance(kOutOfCourtDisposal));
    }
    r.set_concerns(
        p.door == kDoorAdultVictim ? "Synthetic demo referral: domestic abuse "
                                     "disclosed; support asked for."
        : behaviour_change ? "Synthetic demo referral: controlling behaviour "
                             "acknowledged; wants to change."
                           : "Synthetic demo referral: child affected by "
                             "domestic abuse at home.");
    SetReferrer(rng, p, behaviour_change);

    // Triage: adults mostly come with a complete DASH; a practitioner
    // assesses the rest, and every child.
    if (adult) {
      const bool police = p.source == "police" && p.channel == "partner_api";
      if (rng.Chance(kAdultWithoutAssessment)) {
        p.practitioner_dash = AdultDash(rng, false);
      } else {
        p.complete_assessment = true;
        *r.mutable_risk_assessment() = AdultDash(rng, police);
      }
    } else {
      const bool harming = rng.Chance(kChildHarming);
      p.child.yes = harming ? rng.Pick(kChildHarmingIndicators)
                            : rng.Pick(kChildVictimIndicators);
    }
    if (!p.complete_assessment && rng.Chance(kAssessedByPractitioner)) {
      p.assess_after =
          absl::Hours(rng.Between(kMinAssessHours, kMaxAssessHours));
    }
    PlanAllocation(rng, p, awaiting_carer);
  }
  return plan;
}

// What the generator does next, in time order.
enum class Kind {
  kSubmit,
  kAssess,
  kFirstContact,
  kConsent,
  kFailure,
  kRelease
};
struct Event {
  absl::Time at;
  int64_t seq;  // ties in the order they were scheduled
  Kind kind;
  int plan;
  bool operator>(const Event& o) const {
    return std::tie(at, seq) > std::tie(o.at, o.seq);
  }
};

class Player {
 public:
  Player(const Options& options, FakeClock& clock, std::vector<Planned> plan)
      : options_(options),
        clock_(clock),
        plan_(std::move(plan)),
        references_(plan_.size()),
        end_(YearEnd(options.year)) {}

  absl::Status Connect(const ChannelFor& channel_for) {
    std::vector<std::string> identities = {kConsole};
    for (const Planned& p : plan_) {
      if (std::find(identities.begin(), identities.end(), p.identity) ==
          identities.end()) {
        identities.push_back(p.identity);
      }
    }
    for (const std::string& id : identities) {
      auto channel = channel_for(Service::kIntake, id);
      if (!channel.ok()) return Unconnected(channel.status(), id);
      intake_[id] = IntakeService::NewStub(*channel);
    }
    auto triage = channel_for(Service::kTriage, kConsole);
    if (!triage.ok()) return Unconnected(triage.status(), kConsole);
    triage_ = TriageService::NewStub(*triage);
    auto allocation = channel_for(Service::kAllocation, kConsole);
    if (!allocation.ok()) return Unconnected(allocation.status(), kConsole);
    allocation_ = AllocationService::NewStub(*allocation);
    return absl::OkStatus();
  }

  Summary Play() {
    for (const Planned& p : plan_) {
      Schedule(p.at, Kind::kSubmit, p.index);
      ++summary_.submitted;
      ++summary_.by_district[p.district];
      ++summary_.by_source[p.source];
      ++summary_.by_door[p.door];
      ++summary_.by_channel[p.channel];
      if (p.repeat_victim) ++summary_.repeat_victims;
      if (p.repeat_suspect) ++summary_.repeat_suspects;
    }
    while (!events_.empty()) {
      const Event e = events_.top();
      events_.pop();
      if (e.at >= end_) {
        // After the year: left as it stands (a referral not assessed by
        // then still waits in triage's queue).
        if (e.kind == Kind::kAssess) ++summary_.left_in_queue;
        continue;
      }
      if (clock_.Now() < e.at) clock_.Set(e.at);
      Run(e);
    }
    clock_.Set(std::max(clock_.Now(), end_ - absl::Seconds(1)));
    for (size_t i = 0; i < plan_.size(); ++i) {
      if (!placed_.count(static_cast<int>(i))) continue;
      auto placement = GetPlacement(references_[i]);
      ++summary_.placements_by_state[placement.ok()
                                         ? allocation::v1::PlacementState_Name(
                                               placement->state())
                                         : "unknown"];
    }
    return std::move(summary_);
  }

 private:
  static absl::Status Unconnected(const absl::Status& s,
                                  const std::string& id) {
    return absl::FailedPreconditionError(
        absl::StrCat("no channel as ", id, ": ", s.message()));
  }

  void Schedule(absl::Time at, Kind kind, int plan) {
    events_.push(Event{at, next_seq_++, kind, plan});
  }

  void Prepare(grpc::ClientContext& ctx, const std::string& role) {
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    ctx.AddMetadata("frontdoor-actor", kActor);
    if (!role.empty()) ctx.AddMetadata(kStaffRoleKey, role);
  }

  void Error(const Planned& p, absl::string_view what, const grpc::Status& s) {
    summary_.errors.push_back(absl::StrCat(
        "referral ", p.index, " (", references_[p.index], "): ", what, ": ",
        s.error_code(), " ", s.error_message()));
  }

  void Run(const Event& e) {
    Planned& p = plan_[e.plan];
    switch (e.kind) {
      case Kind::kSubmit:
        return Submit(p);
      case Kind::kAssess:
        return Assess(p);
      case Kind::kFirstContact:
        return FirstContact(p);
      case Kind::kConsent:
        return Consent(p);
      case Kind::kFailure:
        return Failure(p);
      case Kind::kRelease:
        return Release(p);
    }
  }

  void Submit(Planned& p) {
    grpc::ClientContext ctx;
    Prepare(ctx, p.staff_role);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(
        absl::StrCat("demo-", options_.year, "-", options_.seed, "-", p.index));
    *req.mutable_referral() = p.referral;
    intake::v1::SubmitReferralResponse resp;
    const grpc::Status s =
        intake_[p.identity]->SubmitReferral(&ctx, req, &resp);
    if (!s.ok()) return Error(p, "submit", s);
    references_[p.index] = resp.receipt().reference();
    if (resp.receipt().status() == intake::v1::REFERRAL_STATUS_RETURNED) {
      ++summary_.returned;
      return;
    }
    ++summary_.accepted;
    ++summary_
          .accepted_by_front_door[FrontDoorCode(resp.receipt().front_door())];
    if (p.complete_assessment) {
      ++summary_.auto_triaged;
      Placed(p);
    } else if (p.assess_after.has_value()) {
      Schedule(clock_.Now() + *p.assess_after, Kind::kAssess, p.index);
    } else {
      ++summary_.left_in_queue;
    }
  }

  static std::string FrontDoorCode(common::v1::FrontDoor door) {
    switch (door) {
      case common::v1::FRONT_DOOR_ADULT_VICTIM:
        return kDoorAdultVictim;
      case common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE:
        return kDoorAdultBehaviourChange;
      case common::v1::FRONT_DOOR_CHILDREN:
        return kDoorChildren;
      default:
        return "none";
    }
  }

  // Polls `call` (real time, every kPoll, at most options_.settle) while it
  // answers NOT_FOUND: the hand-off has not arrived yet.
  template <typename Call>
  grpc::Status WhenHandedOver(Call call) {
    const absl::Time give_up = absl::Now() + options_.settle;
    grpc::Status s;
    do {
      s = call();
      if (s.error_code() != grpc::StatusCode::NOT_FOUND) return s;
      absl::SleepFor(kPoll);
    } while (absl::Now() < give_up);
    return s;
  }

  void Assess(Planned& p) {
    triage::v1::SubmitAssessmentRequest req;
    req.set_reference(references_[p.index]);
    if (p.door == kDoorChildren) {
      // The form that applies at the child's age: its indicators and
      // whether the young people's checklist is asked.
      triage::v1::AssessmentForm form;
      const grpc::Status got = WhenHandedOver([&] {
        grpc::ClientContext ctx;
        Prepare(ctx, kPractitioner);
        triage::v1::GetAssessmentFormRequest get;
        get.set_reference(references_[p.index]);
        form.Clear();
        return triage_->GetAssessmentForm(&ctx, get, &form);
      });
      if (!got.ok()) return Error(p, "assessment form", got);
      *req.mutable_child() = ChildAssessmentFor(form, p.child.yes);
    } else {
      *req.mutable_dash() = p.practitioner_dash;
    }
    triage::v1::Decision decision;
    const grpc::Status s = WhenHandedOver([&] {
      grpc::ClientContext ctx;
      Prepare(ctx, kPractitioner);
      return triage_->SubmitAssessment(&ctx, req, &decision);
    });
    if (!s.ok()) return Error(p, "assessment", s);
    ++summary_.assessed;
    Placed(p);
  }

  // Every applicable indicator answered, `yes` (or, when it does not apply
  // at this age, the first victim indicator) yes; the young people's
  // checklist when the form asks it.
  static triage::v1::ChildAssessment ChildAssessmentFor(
      const triage::v1::AssessmentForm& form, const std::string& yes) {
    const triage::v1::ChildAssessmentForm& child = form.child();
    bool applies = false;
    for (const auto& q : child.indicators()) applies |= q.indicator() == yes;
    const std::string answer_yes = applies ? yes : kChildVictimIndicators[0];
    triage::v1::ChildAssessment a;
    a.set_rules_version(child.rules_version());
    for (const auto& q : child.indicators()) {
      auto* i = a.add_indicators();
      i->set_indicator(q.indicator());
      i->set_answer(q.indicator() == answer_yes ? common::v1::ANSWER_YES
                                                : common::v1::ANSWER_NO);
    }
    for (int q = 1; q <= child.young_people_checklist_questions(); ++q) {
      auto* d = a.add_young_people_checklist();
      d->set_question(q);
      d->set_answer(q <= 2 ? common::v1::ANSWER_YES : common::v1::ANSWER_NO);
    }
    return a;
  }

  absl::StatusOr<Placement> GetPlacement(const std::string& reference) {
    grpc::ClientContext ctx;
    Prepare(ctx, kPractitioner);
    allocation::v1::GetPlacementRequest req;
    req.set_reference(reference);
    Placement placement;
    const grpc::Status s = allocation_->GetPlacement(&ctx, req, &placement);
    if (!s.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                          s.error_message());
    }
    return placement;
  }

  // The referral was decided now: waits for its placement (so allocation
  // places it at this moment of the year, not later), then schedules what
  // staff do with it.
  void Placed(Planned& p) {
    Placement placement;
    const grpc::Status s = WhenHandedOver([&] {
      auto got = GetPlacement(references_[p.index]);
      if (!got.ok()) {
        return grpc::Status(static_cast<grpc::StatusCode>(got.status().code()),
                            std::string(got.status().message()));
      }
      placement = *std::move(got);
      return grpc::Status::OK;
    });
    if (!s.ok()) return Error(p, "placement", s);
    placed_.insert(p.index);
    const absl::Time now = clock_.Now();
    if (p.first_contact_after.has_value()) {
      Schedule(now + *p.first_contact_after, Kind::kFirstContact, p.index);
    }
    if (p.consent_after.has_value() &&
        placement.state() == allocation::v1::PLACEMENT_STATE_AWAITING_CONSENT) {
      Schedule(now + *p.consent_after, Kind::kConsent, p.index);
    }
    if (p.failure_after.has_value()) {
      Schedule(now + *p.failure_after, Kind::kFailure, p.index);
    }
    Schedule(now + p.case_length, Kind::kRelease, p.index);
  }

  void FirstContact(Planned& p) {
    grpc::ClientContext ctx;
    Prepare(ctx, kPractitioner);
    allocation::v1::RecordFirstContactRequest req;
    req.set_reference(references_[p.index]);
    req.set_method(p.source == "self"
                       ? allocation::v1::CONTACT_METHOD_PHONE
                       : allocation::v1::CONTACT_METHOD_IN_PERSON);
    *req.mutable_made_at() = ToTimestamp(clock_.Now());
    Placement placement;
    const grpc::Status s =
        allocation_->RecordFirstContact(&ctx, req, &placement);
    // A placement failed or closed before contact was made is no error.
    if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) return;
    if (!s.ok()) return Error(p, "first contact", s);
    ++summary_.first_contacts;
  }

  void Consent(Planned& p) {
    grpc::ClientContext ctx;
    Prepare(ctx, kPractitioner);
    allocation::v1::RecordConsentRequest req;
    req.set_reference(references_[p.index]);
    req.set_who(allocation::v1::RecordConsentRequest::WHO_PARENT_OR_CARER);
    req.set_consent(common::v1::CONSENT_GIVEN);
    req.set_how("by phone to the CYP practitioner");
    *req.mutable_given_at() = ToTimestamp(clock_.Now());
    Placement placement;
    const grpc::Status s = allocation_->RecordConsent(&ctx, req, &placement);
    if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) return;
    if (!s.ok()) return Error(p, "consent", s);
    ++summary_.consents;
  }

  void Failure(Planned& p) {
    grpc::ClientContext ctx;
    Prepare(ctx, kPractitioner);
    allocation::v1::RecordFailureRequest req;
    req.set_reference(references_[p.index]);
    req.set_failure(p.failure);
    req.set_note(p.failure == allocation::v1::FAILURE_REASON_NO_CONTACT
                     ? "three calls at safe times, no answer"
                     : "declined support after first contact");
    allocation::v1::RecordFailureResponse resp;
    const grpc::Status s = allocation_->RecordFailure(&ctx, req, &resp);
    if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) return;
    if (!s.ok()) return Error(p, "failure", s);
    ++summary_.failures;
  }

  // The case closes: its place is released (and goes to the head of the
  // waiting list). A placement not holding a place yet is looked at again
  // later; one closed otherwise is left.
  void Release(Planned& p) {
    auto placement = GetPlacement(references_[p.index]);
    if (!placement.ok()) {
      return Error(p, "release",
                   grpc::Status(grpc::StatusCode::UNKNOWN,
                                std::string(placement.status().message())));
    }
    switch (placement->state()) {
      case allocation::v1::PLACEMENT_STATE_ALLOCATED:
        break;
      case allocation::v1::PLACEMENT_STATE_WAITING:
      case allocation::v1::PLACEMENT_STATE_AWAITING_CONSENT:
        Schedule(clock_.Now() + kReleaseRecheck, Kind::kRelease, p.index);
        return;
      default:
        return;
    }
    grpc::ClientContext ctx;
    Prepare(ctx, kTeamLeader);
    allocation::v1::ReleasePlaceRequest req;
    req.set_reference(references_[p.index]);
    req.set_reason("case closed");
    allocation::v1::ReleasePlaceResponse resp;
    const grpc::Status s = allocation_->ReleasePlace(&ctx, req, &resp);
    if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) return;
    if (!s.ok()) return Error(p, "release", s);
    ++summary_.releases;
  }

  const Options options_;
  FakeClock& clock_;
  std::vector<Planned> plan_;
  std::vector<std::string> references_;
  const absl::Time end_;
  std::map<std::string, std::unique_ptr<IntakeService::Stub>> intake_;
  std::unique_ptr<TriageService::Stub> triage_;
  std::unique_ptr<AllocationService::Stub> allocation_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  int64_t next_seq_ = 0;
  std::set<int> placed_;
  Summary summary_;
};

}  // namespace

absl::Time YearStart(int year) {
  return absl::FromCivil(absl::CivilDay(year, 4, 1), UkTime());
}

absl::Time YearEnd(int year) { return YearStart(year + 1); }

int LastWholeYear(absl::CivilDay today) {
  constexpr int kApril = 4;
  return today.month() >= kApril ? static_cast<int>(today.year()) - 1
                                 : static_cast<int>(today.year()) - 2;
}

absl::StatusOr<Summary> GenerateYear(const Options& options, FakeClock& clock,
                                     const ChannelFor& channel_for) {
  constexpr int kFirstYear = 2000;
  constexpr int kLastYear = 2100;
  if (!(options.scale > 0) || options.scale > 100) {
    return absl::InvalidArgumentError("scale: must be above 0 and at most 100");
  }
  if (options.year < kFirstYear || options.year > kLastYear) {
    return absl::InvalidArgumentError(
        absl::StrCat("year: must be from ", kFirstYear, " to ", kLastYear));
  }
  clock.Set(YearStart(options.year));
  Player player(options, clock, Plan(options));
  if (absl::Status s = player.Connect(channel_for); !s.ok()) return s;
  return player.Play();
}

}  // namespace frontdoor::demo
