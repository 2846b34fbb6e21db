#pragma once

// The console's triage pages (console_triage.h serves them): the queue, a
// referral in full, the DASH and the children's assessment, the decision.
// Pure: rendering from the services' own messages, reading the forms into
// requests and mapping triage-svc's field violations onto the forms'
// fields. No HTTP, no calls.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "common/status/errors.h"
#include "frontdoor/intake/v1/intake.pb.h"
#include "frontdoor/triage/v1/triage.pb.h"
#include "web-svc/console_pages.h"
#include "web-svc/self_referral.h"

namespace frontdoor::web {

// The pages' paths. A reference (FD-...) is an id, never personal data,
// so it may stand in a path.
inline constexpr char kConsoleQueuePath[] = "/console/queue";
inline constexpr char kConsoleReferralsPath[] = "/console/referrals/";
// The queue shows at most this many referrals (the highest risk, longest
// waiting first) and says how many wait in all.
inline constexpr int kQueuePageSize = 100;

// Which triage page of a referral a path names.
enum class TriagePage { kReferral, kAssessment, kDecision };
struct TriagePath {
  // As written in the path (checked by the section, 404 when malformed).
  std::string reference;
  TriagePage page = TriagePage::kReferral;
};
// "/console/referrals/REF", ".../assessment", ".../decision"; nullopt for
// every other path (the history and override pages are not these).
std::optional<TriagePath> ParseTriagePath(std::string_view path);

// The pages of a referral (some served by other sections).
std::string ReferralPath(const std::string& reference);
std::string AssessmentPath(const std::string& reference);
std::string DecisionPath(const std::string& reference);
std::string HistoryPath(const std::string& reference);
std::string OverridePath(const std::string& reference);
std::string PlacementPath(const std::string& reference);

// ---- The queue -----------------------------------------------------------

// The triage queue as triage-svc orders it (highest provisional risk, then
// longest waiting): table id="queue", each reference linking to its
// referral; front door, provisional risk, waiting since and for how long,
// the first-contact target and an "Overdue" tag. No names. Times are shown
// in `zone` (the service's, Europe/London).
// `later_page`: the page was asked for with a token (not the first), so it
// offers the first again; a next page (queue.next_page_token) is offered
// as /console/queue?page=<token>.
std::string RenderQueuePage(const SignedInBar& bar,
                            const triage::v1::ListQueueResponse& queue,
                            absl::TimeZone zone, bool later_page = false);

// The queue's query parameter naming the page after another: triage's
// page token, passed on only when it is made of URL-safe base64
// characters (kMaxQueueTokenChars at most); anything else is no token.
inline constexpr char kQueuePageParameter[] = "page";
inline constexpr size_t kMaxQueueTokenChars = 200;
bool IsQueuePageToken(std::string_view token);

// "3 days 4 hours", "2 hours 5 minutes", "under a minute".
std::string WaitText(absl::Duration d);

// ---- A referral in full --------------------------------------------------

// Why a referral is opened: the radios' values, labels and hints, in order.
struct PurposeOption {
  intake::v1::ReadPurpose purpose;
  const char* value;  // the radio's value, "first-contact"
  const char* label;
  const char* hint;
};
const std::vector<PurposeOption>& ReadPurposes();
// The purpose a radio value names; nullopt for none or an unknown one.
std::optional<intake::v1::ReadPurpose> PurposeFromValue(std::string_view value);
// The purpose's label ("First contact").
std::string PurposeLabel(intake::v1::ReadPurpose purpose);
// The form field of the purpose radios, and its error.
inline constexpr char kPurposeField[] = "purpose";
inline constexpr char kPurposeMissing[] =
    "Select why you are opening this referral";

// GET: why is it being opened (radios `purpose`), posting to the same path.
std::string RenderPurposePage(const SignedInBar& bar,
                              const std::string& reference,
                              const std::vector<ConsoleError>& errors);

// Where the full referral links to, by what the person may do.
struct ReferralLinks {
  bool assessment = false;
  bool decision = false;
  bool history = false;
  bool placement = false;
};
// The referral as intake holds it, in GOV.UK summary lists: the receipt's
// facts, the referrer, the person, the other party, children, consent,
// what is happening, behaviour change details and an attached assessment.
std::string RenderReferralPage(const SignedInBar& bar,
                               const intake::v1::ReadReferralResponse& read,
                               intake::v1::ReadPurpose purpose,
                               const ReferralLinks& links,
                               absl::TimeZone zone);

// ---- Assessments ---------------------------------------------------------

// The question set the console's DASH is (SafeLives, 24 questions; the
// wording is professional_referral.h's DashQuestion, the one table).
inline constexpr char kConsoleDashForm[] = "safelives-dash-24";

// The adult DASH form: per question `dash-N` (yes / no / don't know),
// `dash-N-comment` and `dash-N-source`; `police-callouts`, `judgement`
// (yes / no) and `judgement-reason`.
std::string RenderDashPage(const SignedInBar& bar, const std::string& reference,
                           const FormValues& values,
                           const std::vector<ConsoleError>& errors);
// The children's assessment: per indicator `indicator-ID` and
// `indicator-ID-comment`, `special-needs` (yes / no) when asked, and the
// young people's checklist `yp-N`, `yp-N-comment`, `yp-N-source` when the
// child is of its ages.
std::string RenderChildAssessmentPage(
    const SignedInBar& bar, const std::string& reference,
    const triage::v1::ChildAssessmentForm& form, const FormValues& values,
    const std::vector<ConsoleError>& errors);

// A form read into SubmitAssessment's request, or the errors the console
// finds itself (a comment without an answer, a count that is not a number,
// an unanswered question the form itself requires).
struct BuiltAssessment {
  triage::v1::SubmitAssessmentRequest request;
  std::vector<ConsoleError> errors;
};
// Only answered questions are sent; triage-svc says which are missing.
BuiltAssessment BuildDashAssessment(const std::string& reference,
                                    const FormValues& form, absl::Time now);
BuiltAssessment BuildChildAssessment(const std::string& reference,
                                     const triage::v1::ChildAssessmentForm& child,
                                     const FormValues& form);

// triage-svc's field violations of `request` as errors on the form's
// fields, in page order: an answer's index becomes its question number or
// indicator; "N questions not answered" an error on each unanswered one.
// Paths no field stands for (the question set, a rules version that
// changed since the form was shown) go to `unmapped`: the console's fault.
std::vector<ConsoleError> AssessmentErrors(
    const std::vector<FieldViolation>& violations,
    const triage::v1::SubmitAssessmentRequest& request,
    const triage::v1::ChildAssessmentForm* child,
    std::vector<std::string>* unmapped);

// ---- The decision --------------------------------------------------------

// The decision: risk level, the MARAC flags that fired, side, tier (and an
// override's), who will be told; a success banner with `recorded` when not
// empty; for team leaders (`may_override`) the link id="override".
std::string RenderDecisionPage(const SignedInBar& bar,
                               const triage::v1::Decision& decision,
                               const std::string& recorded, bool may_override,
                               const ReferralLinks& links, absl::TimeZone zone);
// The referral is not decided yet (404): a link to assess it when allowed.
std::string RenderNotDecidedPage(const SignedInBar& bar,
                                 const std::string& reference,
                                 bool may_assess);

// What the success banner says after an assessment is recorded.
inline constexpr char kAssessmentRecorded[] =
    "Assessment recorded. The decision below was made from it.";

}  // namespace frontdoor::web
