#pragma once

// The console's placement and waiting-list pages (console_placements.h
// serves them): a placement as allocation-svc tells it, with the forms that
// record consent, first contact and a failure; every programme's waiting
// list. Pure: rendering from allocation's messages, parsing the forms into
// allocation's requests, and the one mapping of allocation's field
// violations to the forms' fields. No HTTP, no calls.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "frontdoor/allocation/v1/allocation.pb.h"
#include "frontdoor/config/v1/catalogue.pb.h"
#include "web-svc/console_pages.h"

namespace frontdoor::web {

// Where times are shown and typed: UK time (Europe/London) when the
// machine has its rules (Debian's tzdata), otherwise UTC.
absl::TimeZone ConsoleTimeZone();
// How the pages name `zone` beside a time ("UK time", or its name).
std::string ZoneLabel(absl::TimeZone zone);
// "2 December 2026 at 9:05am".
std::string ConsoleTime(absl::Time t, absl::TimeZone zone);

// Longest text allocation takes for how consent was given and for a
// failure's note (allocation-svc's kMaxHowChars, kMaxReleaseReasonChars).
inline constexpr int kPlacementTextChars = 500;

// The forms of a placement's page, each posting to
// /console/placements/REF/<path>.
enum class PlacementForm { kNone, kConsent, kFirstContact, kFailure };
// "consent", "first-contact", "failure" ("" for kNone).
std::string_view PlacementFormPath(PlacementForm form);
// The form posted to `path` ("consent"...), or kNone.
PlacementForm PlacementFormOfPath(std::string_view path);

// A post's fields by name (the first value of each).
using PostedFields = std::map<std::string, std::string>;

// A form read into allocation's request, or what web-svc itself could not
// read (a date or time that is not one), which is not sent. Radios left
// unanswered and text left blank go as they are: allocation-svc validates
// the request and names those fields.
template <typename Request>
struct ParsedForm {
  Request request;
  std::vector<ConsoleError> errors;
};

// Consent: who (subject, parent-or-carer), consent (given, refused,
// withdrawn: a withdrawal is a refusal after consent was given), how, and
// when (given-at-day/-month/-year and given-at-time, in `zone`).
ParsedForm<allocation::v1::RecordConsentRequest> ParseConsentForm(
    const std::string& reference, const PostedFields& form,
    absl::TimeZone zone);
// First contact: method (phone, in-person, video, message) and when
// (made-at-day/-month/-year and made-at-time, in `zone`).
ParsedForm<allocation::v1::RecordFirstContactRequest> ParseFirstContactForm(
    const std::string& reference, const PostedFields& form,
    absl::TimeZone zone);
// Failure: failure (no-contact, declined) and a note.
ParsedForm<allocation::v1::RecordFailureRequest> ParseFailureForm(
    const std::string& reference, const PostedFields& form);

// The errors to show on `form` for allocation's refusal `status`:
// INVALID_ARGUMENT's field violations each on the form field that holds
// it, in words for the person; FAILED_PRECONDITION on the form's first
// field. Empty for any other status.
std::vector<ConsoleError> PlacementFormErrors(PlacementForm form,
                                              const absl::Status& status);

// What was recorded, for the success banner after post/redirect/get.
enum class Recorded {
  kConsentGiven,
  kConsentRefused,
  kConsentWithdrawn,
  kFirstContact,
  kFailure,
};
// Its code ("consent-given"...), kept for the next page of the same
// placement (console_placements.cc), and back.
std::string_view RecordedCode(Recorded r);
std::optional<Recorded> RecordedFromCode(std::string_view code);
// What the consent form's post recorded.
Recorded RecordedOfConsent(const PostedFields& form);

// A placement's page.
struct PlacementPageView {
  allocation::v1::Placement placement;
  // The programme's name from the catalogue ("" when none or unknown).
  std::string programme_name;
  // Place on the programme's waiting list (1 = next), and its length;
  // 0 when not waiting or not known.
  int position = 0;
  int waiting = 0;
  // The person may record consent, first contact and failures.
  bool may_record = false;
  // The person may release a place (team leaders): a link id="release".
  bool may_release = false;
  // The person may see the waiting lists: a link to the programme's.
  bool may_view_waiting_lists = false;
  // The person may read referrals: links to the referral and its history.
  bool may_view_referral = false;
  // Shown in a success banner, when the last post recorded something.
  std::optional<Recorded> recorded;
  // The form that was posted and refused: its values and errors. Other
  // forms show their defaults.
  PlacementForm form = PlacementForm::kNone;
  PostedFields values;
  std::vector<ConsoleError> errors;
  absl::Time now;
  absl::TimeZone zone;
};
std::string RenderPlacementPage(const SignedInBar& bar,
                                const PlacementPageView& view);
// 404: allocation has no placement for `reference` (not decided yet).
std::string RenderNoPlacementPage(const SignedInBar& bar,
                                  const std::string& reference);

// One programme's waiting list.
struct WaitingListView {
  config::v1::Programme programme;
  allocation::v1::ListWaitingResponse list;
};
// Every programme's list (`single` false), or one programme's page.
std::string RenderWaitingListsPage(const SignedInBar& bar,
                                   const std::vector<WaitingListView>& lists,
                                   bool single, absl::TimeZone zone);

// "iMatter (adults, victim side, tier 2)".
std::string ProgrammeLabel(const config::v1::Programme& p);

}  // namespace frontdoor::web
