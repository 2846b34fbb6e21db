#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/tls/agency_registry.h"
#include "frontdoor/intake/v1/intake.pb.h"
#include "intake-svc/districts.h"

namespace frontdoor::intake {

// Limits of the referral contract (documented on each field in the protos).
inline constexpr size_t kMaxIdempotencyKeyChars = 128;
inline constexpr size_t kMaxNameChars = 200;
inline constexpr size_t kMaxPhoneChars = 40;
inline constexpr size_t kMaxEmailChars = 254;
inline constexpr size_t kMaxSafeTimesChars = 500;
inline constexpr int kMaxAddressLines = 4;
inline constexpr size_t kMaxAddressLineChars = 200;
inline constexpr size_t kMaxTownChars = 100;
inline constexpr size_t kMaxPostcodeChars = 10;
inline constexpr size_t kMaxDistrictChars = 64;
inline constexpr size_t kMaxRoleChars = 200;
inline constexpr size_t kMaxOrganisationChars = 200;
inline constexpr size_t kMaxCaseReferenceChars = 100;
inline constexpr size_t kMaxAgencyIdChars = 64;
inline constexpr size_t kMaxGenderChars = 100;
inline constexpr size_t kMaxConcernsChars = 10000;
inline constexpr int kMaxChildren = 20;
// Each known specialist need at most once: the list can never grow past the
// number of needs the contract defines, so no accepted referral is larger
// than its text limits allow (and fits every later hop, see
// common/server/server_options.h).
inline constexpr int kMaxSpecialistNeeds =
    common::v1::SpecialistNeed_ARRAYSIZE - 1;  // without UNSPECIFIED
inline constexpr size_t kMaxCommentChars = 2000;
inline constexpr size_t kMaxSourceChars = 200;
inline constexpr size_t kMaxJudgementReasonChars = 2000;
inline constexpr size_t kMaxProgrammeNameChars = 200;
inline constexpr int kMaxPoliceCallouts = 1000;
inline constexpr int kOldestPlausibleAge = 120;

// DASH question sets intake accepts, by declared form version.
inline constexpr char kFormSafeLivesDash24[] = "safelives-dash-24";
inline constexpr int kSafeLivesDashQuestions = 24;
inline constexpr char kFormPoliceDash27[] = "police-dash-27";
inline constexpr int kPoliceDashQuestions = 27;
// The young people's DASH, for subjects aged kYoungPeoplesDashMinAge to
// kYoungPeoplesDashMaxAge only.
inline constexpr char kFormYoungPeoplesDash24[] = "safelives-yp-dash-24";
inline constexpr int kYoungPeoplesDashQuestions = 24;
inline constexpr int kYoungPeoplesDashMinAge = 13;
inline constexpr int kYoungPeoplesDashMaxAge = 17;
// Referral.suspect_known_victims, when given.
inline constexpr int kMaxSuspectKnownVictims = 1000;

struct ValidationContext {
  absl::Time now;
  // Today's date in the service's time zone; ages are taken on this day.
  absl::CivilDay today;
  const DistrictDirectory* districts = nullptr;
  // Staff may record referrals taken by phone, chat, secure email or web
  // form; partner systems submit only as CHANNEL_PARTNER_API.
  bool caller_is_staff = false;
  // The suite's web front door (ROLE_WEB_FORM) submits as CHANNEL_WEB_FORM
  // and only so.
  bool caller_is_web_form = false;
  // The accredited agencies, for referrer.on_behalf_of_agency.
  const tls::AgencyRegistry* agencies = nullptr;
};

struct ValidatedReferral {
  // Age of the subject today.
  int age = 0;
  // District code: as given, or derived from the postcode.
  std::string district;
};

// Checks a submission field by field against the minimum data set of its
// front door. On failure returns INVALID_ARGUMENT carrying every violation
// (google.rpc.BadRequest), each naming the field by its proto path.
absl::StatusOr<ValidatedReferral> ValidateSubmission(
    const intake::v1::SubmitReferralRequest& request,
    const ValidationContext& context);

}  // namespace frontdoor::intake
