#pragma once

// The data-protection officer's pages of the console, pure: which page a
// path is, reading their forms into DataRights requests, and rendering
// each service's answers (Mustache, every value escaped). No HTTP, no
// calls: console_data_rights.cc does those.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "frontdoor/common/v1/data_rights.pb.h"
#include "web-svc/console_pages.h"
#include "web-svc/service_answer.h"
#include "web-svc/subject_access.h"

namespace frontdoor::web {

inline constexpr char kDataRightsPath[] = "/console/data-rights";
// Longest value a rectification may carry, in characters (address lines,
// several lines).
inline constexpr size_t kMaxRectifiedValueChars = 2000;
// Children a referral may have (intake's kMaxChildren): the child number
// the forms take is 1 to this.
inline constexpr int kMaxChildNumber = 20;

enum class DataRightsPage {
  // /console/data-rights: GET the find form; POST finds.
  kFind,
  // /console/data-rights/REF: each service's state, and the forms.
  kReferral,
  // POST /console/data-rights/REF/restriction: restrict or lift.
  kRestriction,
  // POST /console/data-rights/REF/hold: hold or lift.
  kHold,
  // POST /console/data-rights/REF/rectify: correct one field.
  kRectify,
  // /console/data-rights/REF/erase: GET the warning; POST erases.
  kErase,
  // POST /console/data-rights/REF/export: prepare a subject access export.
  kPrepareExport,
  // /console/data-rights/exports/ID: the export's review page.
  kExport,
  // POST /console/data-rights/exports/ID/review: decisions on records.
  kReview,
  // POST /console/data-rights/exports/ID/release.
  kRelease,
  // GET /console/data-rights/exports/ID/download?format=json|html.
  kDownload,
};

struct DataRightsPath {
  DataRightsPage page;
  // For the referral's pages: a well-formed reference.
  std::string reference;
  // For an export's pages: a well-formed export id.
  std::string export_id;
};

// The data-rights page `path` is; nullopt for any other path.
std::optional<DataRightsPath> ParseDataRightsPath(std::string_view path);

std::string ReferralRightsPath(const std::string& reference);
std::string ErasePath(const std::string& reference);
std::string ExportPath(const std::string& id);

// Plain words for a rights reason code ("accuracy_contested"), the code
// itself when unknown.
std::string ReasonLabel(std::string_view code);
// Plain words for a rectifiable field ("name.givenNames": "Given names").
std::string FieldLabel(std::string_view field);

// --- forms. Each reads the form's fields into the request, or the form's
// own errors (field ids as the page's inputs).

// The find form: radios "by" ("reference" or "name"); "reference";
// "given-names", "family-name" and the date input "dob".
struct FindInput {
  std::map<std::string, std::string> values;
  std::vector<ConsoleError> errors;
  common::v1::FindPersonRequest request;
};
FindInput ReadFindForm(const std::map<std::string, std::string>& form);

// The restriction and hold forms: "action" ("set" or "lift") and, when
// setting, radios "reason" (that request's codes).
struct RestrictionInput {
  std::map<std::string, std::string> values;
  std::vector<ConsoleError> errors;
  common::v1::SetRestrictionRequest request;
};
RestrictionInput ReadRestrictionForm(
    const std::string& reference, const std::map<std::string, std::string>& form);
struct HoldInput {
  std::map<std::string, std::string> values;
  std::vector<ConsoleError> errors;
  common::v1::SetLegalHoldRequest request;
};
HoldInput ReadHoldForm(const std::string& reference,
                       const std::map<std::string, std::string>& form);

// The person of a form: radios "party" and, for a child, "child-number"
// (1 for the first child).
// The rectify form: the person, select "field" (rights::kRectifiableFields),
// "value" and radios "rectify-reason".
struct RectifyInput {
  std::map<std::string, std::string> values;
  std::vector<ConsoleError> errors;
  common::v1::RectifyRequest request;
};
RectifyInput ReadRectifyForm(const std::string& reference,
                             const std::map<std::string, std::string>& form);

// The erase form: radios "erase-reason".
struct EraseInput {
  std::map<std::string, std::string> values;
  std::vector<ConsoleError> errors;
  common::v1::EraseRequest request;
};
EraseInput ReadEraseForm(const std::string& reference,
                         const std::map<std::string, std::string>& form);

// The export form: the person ("export-party", "export-child-number").
struct ExportInput {
  std::map<std::string, std::string> values;
  std::vector<ConsoleError> errors;
  common::v1::PersonInReferral person;
};
ExportInput ReadExportForm(const std::string& reference,
                           const std::map<std::string, std::string>& form);

// The review form: radios "item-<key>" with "release" or "withhold", for
// the items of `e` needing review; an item left unanswered is left
// undecided. Errors for any other value.
struct ReviewInput {
  std::map<std::string, bool> decisions;
  std::vector<ConsoleError> errors;
};
ReviewInput ReadReviewForm(const SubjectAccessExport& e,
                           const std::map<std::string, std::string>& form);

// --- pages

// The find form (errors from ReadFindForm, 422).
std::string RenderFindPage(const SignedInBar& bar,
                           const std::map<std::string, std::string>& values,
                           const std::vector<ConsoleError>& errors);

// What the four services found: each referral (by reference and person)
// with each service's state, a service that could not answer named
// plainly; a search by reference links to the referral's page whatever
// was found.
std::string RenderFoundPage(
    const SignedInBar& bar, const common::v1::FindPersonRequest& request,
    const std::vector<ServiceAnswer<common::v1::FindPersonResponse>>& answers);

// What one action did in each service (after a post): a heading and each
// service's answer in words.
struct ActionOutcome {
  std::string heading;
  // (service, what it said); `ok` false for a refusal or no answer.
  struct Line {
    std::string service;
    std::string text;
    bool ok = false;
  };
  std::vector<Line> lines;
};
// The outcome of SetRestriction, SetLegalHold or Erase (RightsState
// answers), and of Rectify.
ActionOutcome OutcomeOf(
    const std::string& heading,
    const std::vector<ServiceAnswer<common::v1::RightsState>>& answers);
ActionOutcome OutcomeOf(
    const std::string& heading,
    const std::vector<ServiceAnswer<common::v1::RectifyResponse>>& answers);

// The referral's data-rights page: each service's state (a service that
// did not answer said plainly), the outcome of the action just taken, and
// the forms (restrict, lift, hold, lift, rectify, prepare an export, and a
// link to erase). `errors` belong to the form that was posted; `values`
// are what it carried. `show_staff_names`: whether exports name staff
// (configuration), said beside the export form.
std::string RenderReferralRightsPage(
    const SignedInBar& bar, const std::string& reference,
    const std::vector<ServiceAnswer<common::v1::RightsState>>& states,
    const ActionOutcome* outcome,
    const std::map<std::string, std::string>& values,
    const std::vector<ConsoleError>& errors, bool show_staff_names);

// The erase page: the warning that erasure cannot be undone, the reason
// and the button; after a post the outcome. `states` as above.
std::string RenderErasePage(
    const SignedInBar& bar, const std::string& reference,
    const std::vector<ServiceAnswer<common::v1::RightsState>>& states,
    const std::map<std::string, std::string>& values,
    const std::vector<ConsoleError>& errors);

// Why an export could not be prepared: each service's answer.
std::string RenderExportNotPreparedPage(
    const SignedInBar& bar, const std::string& reference,
    const std::vector<ServiceAnswer<common::v1::ExportSubjectResponse>>&
        answers);

// An export's page: who it is for, each service's count of records, the
// records needing review with the release / withhold radios, the release
// button (when everything is reviewed and not yet released) and the
// downloads (once released). `notice` is a success banner's text ("" for
// none).
std::string RenderExportPage(const SignedInBar& bar,
                             const SubjectAccessExport& e,
                             const std::string& notice,
                             const std::vector<ConsoleError>& errors);

}  // namespace frontdoor::web
