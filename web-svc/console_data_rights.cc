#include "web-svc/console_data_rights.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/logging/logging.h"
#include "web-svc/subject_access_bundle.h"

namespace frontdoor::web {
namespace {

constexpr char kService[] = "web-svc";
constexpr char kFindRoute[] = "console_data_rights";
constexpr char kReferralRoute[] = "console_data_rights_referral";
constexpr char kRestrictionRoute[] = "console_data_rights_restriction";
constexpr char kHoldRoute[] = "console_data_rights_hold";
constexpr char kRectifyRoute[] = "console_data_rights_rectify";
constexpr char kEraseRoute[] = "console_data_rights_erase";
constexpr char kPrepareRoute[] = "console_data_rights_export";
constexpr char kExportRoute[] = "console_sar";
constexpr char kReviewRoute[] = "console_sar_review";
constexpr char kReleaseRoute[] = "console_sar_release";
constexpr char kDownloadRoute[] = "console_sar_download";
constexpr char kFormatParameter[] = "format";
constexpr char kDoneParameter[] = "done";

const char* RouteOf(DataRightsPage page) {
  switch (page) {
    case DataRightsPage::kFind: return kFindRoute;
    case DataRightsPage::kReferral: return kReferralRoute;
    case DataRightsPage::kRestriction: return kRestrictionRoute;
    case DataRightsPage::kHold: return kHoldRoute;
    case DataRightsPage::kRectify: return kRectifyRoute;
    case DataRightsPage::kErase: return kEraseRoute;
    case DataRightsPage::kPrepareExport: return kPrepareRoute;
    case DataRightsPage::kExport: return kExportRoute;
    case DataRightsPage::kReview: return kReviewRoute;
    case DataRightsPage::kRelease: return kReleaseRoute;
    case DataRightsPage::kDownload: return kDownloadRoute;
  }
  return kFindRoute;
}

// Whether any service answered.
template <typename Response>
bool AnyAnswered(const std::vector<ServiceAnswer<Response>>& answers) {
  for (const auto& a : answers) {
    if (a.answer.ok()) return true;
  }
  return false;
}

// When none answered: 403 when every one refused this person, the problem
// page otherwise (logged with the first status's code).
template <typename Response>
ConsoleResponse NoneAnswered(const StaffRequest& r,
                             const std::vector<ServiceAnswer<Response>>& answers,
                             const char* route) {
  bool all_refused = !answers.empty();
  for (const auto& a : answers) {
    all_refused = all_refused && absl::IsPermissionDenied(a.answer.status());
  }
  if (all_refused) return ForbiddenResponse(r, route);
  return ServiceProblemResponse(
      answers.empty() ? absl::UnavailableError("no service")
                      : answers.front().answer.status(),
      route);
}

template <typename Response>
void LogAction(const StaffRequest& r, const char* event,
               const std::string& reference,
               const std::vector<ServiceAnswer<Response>>& answers) {
  int done = 0;
  for (const auto& a : answers) done += a.answer.ok() ? 1 : 0;
  Log(Level::kInfo, event,
      {{"service", kService},
       {"account", r.account_id},
       {"reference", reference},
       {"services_done", done}});
}

ConsoleResponse Message(int status, const std::string& heading,
                        const std::string& text, const char* route) {
  return PageResponse(status, RenderConsoleMessage(heading, {text}), route);
}

std::string Notice(const std::map<std::string, std::string>& query) {
  auto it = query.find(kDoneParameter);
  if (it == query.end()) return "";
  if (it->second == "prepared") {
    return "The export was prepared. It stays sealed until you release it";
  }
  if (it->second == "reviewed") return "Your review was saved";
  if (it->second == "released") {
    return "The export was released: its downloads are ready";
  }
  return "";
}

}  // namespace

bool DataRightsSection::Owns(std::string_view path) const {
  return ParseDataRightsPath(path).has_value();
}

ConsoleResponse DataRightsSection::Handle(const StaffRequest& r) {
  const std::optional<DataRightsPath> at = ParseDataRightsPath(r.req.path);
  if (!at.has_value()) return NotFoundResponse("console_not_found");
  const char* route = RouteOf(at->page);
  // Before anything is read or asked.
  if (!May(r.role, Permission::kDataRights)) return ForbiddenResponse(r, route);
  switch (at->page) {
    case DataRightsPage::kFind: return Find(r);
    case DataRightsPage::kReferral: return Referral(r, *at);
    case DataRightsPage::kRestriction: return Restriction(r, *at);
    case DataRightsPage::kHold: return Hold(r, *at);
    case DataRightsPage::kRectify: return Rectify(r, *at);
    case DataRightsPage::kErase: return Erase(r, *at);
    case DataRightsPage::kPrepareExport: return PrepareExport(r, *at);
    case DataRightsPage::kExport: return Export(r, *at);
    case DataRightsPage::kReview: return Review(r, *at);
    case DataRightsPage::kRelease: return Release(r, *at);
    case DataRightsPage::kDownload: return Download(r, *at);
  }
  return NotFoundResponse("console_not_found");
}

std::vector<ServiceAnswer<common::v1::RightsState>> DataRightsSection::States(
    const StaffRequest& r, const std::string& reference) const {
  common::v1::GetRightsStateRequest get;
  get.set_reference(reference);
  return calls_.All(&RightsCalls::Stub::GetRightsState,
                    Staff{r.account_id, r.role}, get);
}

ConsoleResponse DataRightsSection::ReferralPage(
    const StaffRequest& r, const std::string& reference, int status,
    const std::vector<ServiceAnswer<common::v1::RightsState>>& states,
    const ActionOutcome* outcome,
    const std::map<std::string, std::string>& values,
    const std::vector<ConsoleError>& errors, const char* route) {
  if (outcome == nullptr && !AnyAnswered(states)) {
    return NoneAnswered(r, states, route);
  }
  return PageResponse(status,
                      RenderReferralRightsPage(r.bar, reference, states,
                                               outcome, values, errors,
                                               show_staff_names_),
                      route);
}

ConsoleResponse DataRightsSection::Find(const StaffRequest& r) {
  if (!r.req.post) return PageResponse(200, RenderFindPage(r.bar, {}, {}), kFindRoute);
  const FindInput in = ReadFindForm(r.req.form);
  if (!in.errors.empty()) {
    return PageResponse(422, RenderFindPage(r.bar, in.values, in.errors),
                        kFindRoute);
  }
  const auto answers = calls_.All(&RightsCalls::Stub::FindPerson,
                                  Staff{r.account_id, r.role}, in.request);
  Log(Level::kInfo, "web.data_rights_find",
      {{"service", kService},
       {"account", r.account_id},
       {"by", in.request.has_name_and_birth() ? "name" : "reference"}});
  return PageResponse(200, RenderFoundPage(r.bar, in.request, answers),
                      kFindRoute);
}

ConsoleResponse DataRightsSection::Referral(const StaffRequest& r,
                                            const DataRightsPath& at) {
  if (r.req.post) return MethodNotAllowedResponse("GET", kReferralRoute);
  return ReferralPage(r, at.reference, 200, States(r, at.reference), nullptr,
                      {}, {}, kReferralRoute);
}

ConsoleResponse DataRightsSection::Restriction(const StaffRequest& r,
                                               const DataRightsPath& at) {
  if (!r.req.post) return MethodNotAllowedResponse("POST", kRestrictionRoute);
  const RestrictionInput in = ReadRestrictionForm(at.reference, r.req.form);
  if (!in.errors.empty()) {
    return ReferralPage(r, at.reference, 422, States(r, at.reference), nullptr,
                        in.values, in.errors, kRestrictionRoute);
  }
  const auto answers = calls_.All(&RightsCalls::Stub::SetRestriction,
                                  Staff{r.account_id, r.role}, in.request);
  LogAction(r, in.request.restricted() ? "web.data_rights_restricted"
                                       : "web.data_rights_restriction_lifted",
            at.reference, answers);
  const ActionOutcome outcome = OutcomeOf(
      in.request.restricted() ? "Restriction of processing"
                              : "Lifting the restriction",
      answers);
  return ReferralPage(r, at.reference, 200, answers, &outcome, {}, {},
                      kRestrictionRoute);
}

ConsoleResponse DataRightsSection::Hold(const StaffRequest& r,
                                        const DataRightsPath& at) {
  if (!r.req.post) return MethodNotAllowedResponse("POST", kHoldRoute);
  const HoldInput in = ReadHoldForm(at.reference, r.req.form);
  if (!in.errors.empty()) {
    return ReferralPage(r, at.reference, 422, States(r, at.reference), nullptr,
                        in.values, in.errors, kHoldRoute);
  }
  const auto answers = calls_.All(&RightsCalls::Stub::SetLegalHold,
                                  Staff{r.account_id, r.role}, in.request);
  LogAction(r, in.request.held() ? "web.data_rights_held"
                                 : "web.data_rights_hold_lifted",
            at.reference, answers);
  const ActionOutcome outcome = OutcomeOf(
      in.request.held() ? "Legal hold" : "Lifting the legal hold", answers);
  return ReferralPage(r, at.reference, 200, answers, &outcome, {}, {},
                      kHoldRoute);
}

ConsoleResponse DataRightsSection::Rectify(const StaffRequest& r,
                                           const DataRightsPath& at) {
  if (!r.req.post) return MethodNotAllowedResponse("POST", kRectifyRoute);
  const RectifyInput in = ReadRectifyForm(at.reference, r.req.form);
  if (!in.errors.empty()) {
    return ReferralPage(r, at.reference, 422, States(r, at.reference), nullptr,
                        in.values, in.errors, kRectifyRoute);
  }
  const auto answers = calls_.All(&RightsCalls::Stub::Rectify,
                                  Staff{r.account_id, r.role}, in.request);
  LogAction(r, "web.data_rights_rectified", at.reference, answers);
  const ActionOutcome outcome = OutcomeOf(
      absl::StrCat("Correcting the field: ", FieldLabel(in.request.field())),
      answers);
  return ReferralPage(r, at.reference, 200, States(r, at.reference), &outcome,
                      {}, {}, kRectifyRoute);
}

ConsoleResponse DataRightsSection::Erase(const StaffRequest& r,
                                         const DataRightsPath& at) {
  // Before anything is shown or sent, as for a team leader's override.
  if (r.reauthentication_due) return ConfirmIdentityResponse(r, kEraseRoute);
  if (!r.req.post) {
    const auto states = States(r, at.reference);
    if (!AnyAnswered(states)) return NoneAnswered(r, states, kEraseRoute);
    return PageResponse(
        200, RenderErasePage(r.bar, at.reference, states, {}, {}), kEraseRoute);
  }
  const EraseInput in = ReadEraseForm(at.reference, r.req.form);
  if (!in.errors.empty()) {
    const auto states = States(r, at.reference);
    if (!AnyAnswered(states)) return NoneAnswered(r, states, kEraseRoute);
    return PageResponse(
        422, RenderErasePage(r.bar, at.reference, states, in.values, in.errors),
        kEraseRoute);
  }
  const auto answers = calls_.All(&RightsCalls::Stub::Erase,
                                  Staff{r.account_id, r.role}, in.request);
  LogAction(r, "web.data_rights_erased", at.reference, answers);
  const ActionOutcome outcome = OutcomeOf("Erasure", answers);
  return ReferralPage(r, at.reference, 200, States(r, at.reference), &outcome,
                      {}, {}, kEraseRoute);
}

ConsoleResponse DataRightsSection::PrepareExport(const StaffRequest& r,
                                                 const DataRightsPath& at) {
  if (!r.req.post) return MethodNotAllowedResponse("POST", kPrepareRoute);
  const ExportInput in = ReadExportForm(at.reference, r.req.form);
  if (!in.errors.empty()) {
    return ReferralPage(r, at.reference, 422, States(r, at.reference), nullptr,
                        in.values, in.errors, kPrepareRoute);
  }
  common::v1::ExportSubjectRequest request;
  *request.mutable_person() = in.person;
  request.set_show_staff_names(show_staff_names_);
  const auto answers = calls_.All(&RightsCalls::Stub::ExportSubject,
                                  Staff{r.account_id, r.role}, request);
  std::vector<common::v1::ExportSubjectResponse> responses;
  for (const auto& a : answers) {
    if (a.answer.ok()) responses.push_back(*a.answer);
  }
  if (responses.size() != answers.size()) {
    // Nothing is kept: an export must hold what every service holds.
    LogAction(r, "web.sar_not_prepared", at.reference, answers);
    return PageResponse(
        503, RenderExportNotPreparedPage(r.bar, at.reference, answers),
        kPrepareRoute);
  }
  absl::StatusOr<std::string> id =
      exports_.Prepare(at.reference, in.person.party(), in.person.child_index(),
                       responses, r.account_id);
  if (!id.ok()) return ServiceProblemResponse(id.status(), kPrepareRoute);
  return RedirectResponse(absl::StrCat(ExportPath(*id), "?", kDoneParameter,
                                       "=prepared"),
                          kPrepareRoute);
}

ConsoleResponse DataRightsSection::Export(const StaffRequest& r,
                                          const DataRightsPath& at) {
  if (r.req.post) return MethodNotAllowedResponse("GET", kExportRoute);
  absl::StatusOr<std::optional<SubjectAccessExport>> e =
      exports_.Load(at.export_id);
  if (!e.ok()) return ServiceProblemResponse(e.status(), kExportRoute);
  if (!e->has_value()) return NotFoundResponse(kExportRoute);
  return PageResponse(200, RenderExportPage(r.bar, **e, Notice(r.req.query), {}),
                      kExportRoute);
}

ConsoleResponse DataRightsSection::Review(const StaffRequest& r,
                                          const DataRightsPath& at) {
  if (!r.req.post) return MethodNotAllowedResponse("POST", kReviewRoute);
  absl::StatusOr<std::optional<SubjectAccessExport>> e =
      exports_.Load(at.export_id);
  if (!e.ok()) return ServiceProblemResponse(e.status(), kReviewRoute);
  if (!e->has_value()) return NotFoundResponse(kReviewRoute);
  const ReviewInput in = ReadReviewForm(**e, r.req.form);
  if (!in.errors.empty()) {
    return PageResponse(422, RenderExportPage(r.bar, **e, "", in.errors),
                        kReviewRoute);
  }
  const absl::Status s = exports_.Review(at.export_id, in.decisions, r.account_id);
  if (absl::IsFailedPrecondition(s)) {
    return Message(409, "This export is already released",
                   "Its review cannot change now.", kReviewRoute);
  }
  if (!s.ok()) return ServiceProblemResponse(s, kReviewRoute);
  return RedirectResponse(
      absl::StrCat(ExportPath(at.export_id), "?", kDoneParameter, "=reviewed"),
      kReviewRoute);
}

ConsoleResponse DataRightsSection::Release(const StaffRequest& r,
                                           const DataRightsPath& at) {
  if (!r.req.post) return MethodNotAllowedResponse("POST", kReleaseRoute);
  const absl::Status s = exports_.Release(at.export_id, r.account_id);
  if (absl::IsNotFound(s)) return NotFoundResponse(kReleaseRoute);
  if (absl::IsFailedPrecondition(s)) {
    absl::StatusOr<std::optional<SubjectAccessExport>> e =
        exports_.Load(at.export_id);
    if (!e.ok() || !e->has_value()) {
      return ServiceProblemResponse(s, kReleaseRoute);
    }
    if ((*e)->released_at.has_value()) {
      return Message(409, "This export is already released",
                     "Its downloads are on its page.", kReleaseRoute);
    }
    return PageResponse(
        409,
        RenderExportPage(
            r.bar, **e, "",
            {{"save-review", "Review every record marked for review before "
                             "you release the export"}}),
        kReleaseRoute);
  }
  if (!s.ok()) return ServiceProblemResponse(s, kReleaseRoute);
  return RedirectResponse(
      absl::StrCat(ExportPath(at.export_id), "?", kDoneParameter, "=released"),
      kReleaseRoute);
}

ConsoleResponse DataRightsSection::Download(const StaffRequest& r,
                                            const DataRightsPath& at) {
  if (r.req.post) return MethodNotAllowedResponse("GET", kDownloadRoute);
  auto it = r.req.query.find(kFormatParameter);
  const std::string format = it == r.req.query.end() ? "" : it->second;
  if (format != kBundleJson && format != kBundleHtml) {
    return Message(400, "Sorry, that download does not exist",
                   "Go back to the export and choose JSON or the readable "
                   "page.",
                   kDownloadRoute);
  }
  absl::StatusOr<std::optional<SubjectAccessExport>> e =
      exports_.Load(at.export_id);
  if (!e.ok()) return ServiceProblemResponse(e.status(), kDownloadRoute);
  if (!e->has_value()) return NotFoundResponse(kDownloadRoute);
  if (!(*e)->released_at.has_value()) {
    if (absl::Status s =
            exports_.RecordDownload(at.export_id, format, true, r.account_id);
        !s.ok()) {
      return ServiceProblemResponse(s, kDownloadRoute);
    }
    return Message(409, "This export is not released",
                   "Review it and release it first: until then it stays "
                   "sealed and cannot be downloaded.",
                   kDownloadRoute);
  }
  absl::StatusOr<std::string> file = WriteSubjectAccessBundle(**e, format);
  if (!file.ok()) return ServiceProblemResponse(file.status(), kDownloadRoute);
  if (absl::Status s =
          exports_.RecordDownload(at.export_id, format, false, r.account_id);
      !s.ok()) {
    return ServiceProblemResponse(s, kDownloadRoute);
  }
  ConsoleResponse out = PageResponse(200, *std::move(file), kDownloadRoute);
  out.content_type = format == kBundleJson ? "application/json"
                                           : "text/html; charset=utf-8";
  out.headers.push_back(
      {"Content-Disposition",
       absl::StrCat("attachment; filename=\"frontdoor-", at.export_id, ".",
                    format, "\"")});
  return out;
}

}  // namespace frontdoor::web
