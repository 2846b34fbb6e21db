#include "web-svc/console_triage.h"

#include <utility>
#include <vector>

#include "common/logging/logging.h"
#include "common/reference/reference.h"
#include "common/status/errors.h"
#include "web-svc/console_triage_pages.h"

namespace frontdoor::web {
namespace {

constexpr char kService[] = "web-svc";
constexpr char kQueueRoute[] = "console_queue";
constexpr char kReferralRoute[] = "console_referral";
constexpr char kAssessmentRoute[] = "console_assessment";
constexpr char kDecisionRoute[] = "console_decision";

Staff StaffOf(const StaffRequest& r) { return {r.account_id, r.role}; }

std::string Field(const StaffRequest& r, const std::string& name) {
  auto it = r.req.form.find(name);
  return it == r.req.form.end() ? "" : it->second;
}

// The answer to a failed call that is not the form's to show: 404 for an
// unknown reference, 403 when the service refuses the person's role, the
// problem page otherwise.
ConsoleResponse CallFailed(const StaffRequest& r, const absl::Status& s,
                           const char* route) {
  if (absl::IsNotFound(s)) return NotFoundResponse(route);
  if (absl::IsPermissionDenied(s)) return ForbiddenResponse(r, route);
  return ServiceProblemResponse(s, route);
}

ReferralLinks LinksFor(Role role) {
  ReferralLinks l;
  l.assessment = May(role, Permission::kAssess);
  l.decision = May(role, Permission::kAssess) ||
               May(role, Permission::kViewReferral);
  l.history = May(role, Permission::kViewReferral);
  l.placement = May(role, Permission::kRecordPlacement);
  return l;
}

}  // namespace

void OneTimeNotices::Put(const std::string& session, const std::string& page,
                         std::string text) {
  absl::MutexLock lock(&mu_);
  const auto key = std::make_pair(session, page);
  if (auto it = notices_.find(key); it != notices_.end()) {
    order_.erase(it->second.first);
    notices_.erase(it);
  }
  while (notices_.size() >= kMaxNotices && !order_.empty()) {
    notices_.erase(order_.begin()->second);
    order_.erase(order_.begin());
  }
  const uint64_t seq = next_++;
  notices_[key] = {seq, std::move(text)};
  order_[seq] = key;
}

std::string OneTimeNotices::Take(const std::string& session,
                                 const std::string& page) {
  absl::MutexLock lock(&mu_);
  auto it = notices_.find(std::make_pair(session, page));
  if (it == notices_.end()) return "";
  std::string text = std::move(it->second.second);
  order_.erase(it->second.first);
  notices_.erase(it);
  return text;
}

bool TriageSection::Owns(std::string_view path) const {
  return path == kConsoleQueuePath || ParseTriagePath(path).has_value();
}

ConsoleResponse TriageSection::Handle(const StaffRequest& r) {
  if (r.req.path == kConsoleQueuePath) {
    if (r.req.post) return MethodNotAllowedResponse("GET", kQueueRoute);
    return Queue(r);
  }
  const std::optional<TriagePath> p = ParseTriagePath(r.req.path);
  const char* route = p->page == TriagePage::kAssessment ? kAssessmentRoute
                      : p->page == TriagePage::kDecision ? kDecisionRoute
                                                         : kReferralRoute;
  if (!IsWellFormedReference(p->reference)) return NotFoundResponse(route);
  switch (p->page) {
    case TriagePage::kReferral:
      return Referral(r, p->reference);
    case TriagePage::kAssessment:
      return Assessment(r, p->reference);
    case TriagePage::kDecision:
      return Decision(r, p->reference);
  }
  return NotFoundResponse(route);
}

ConsoleResponse TriageSection::Queue(const StaffRequest& r) {
  if (!May(r.role, Permission::kViewQueue)) {
    return ForbiddenResponse(r, kQueueRoute);
  }
  triage::v1::ListQueueRequest request;
  request.set_page_size(kQueuePageSize);
  // A later page: triage's token, when it looks like one; a token triage
  // no longer knows (or never made) starts again at the first page.
  auto page = r.req.query.find(kQueuePageParameter);
  const bool later_page =
      page != r.req.query.end() && IsQueuePageToken(page->second);
  if (later_page) request.set_page_token(page->second);
  absl::StatusOr<triage::v1::ListQueueResponse> queue =
      calls_.Triage(&StaffCalls::TriageStub::ListQueue, StaffOf(r), request);
  if (later_page && absl::IsInvalidArgument(queue.status())) {
    return RedirectResponse(kConsoleQueuePath, kQueueRoute);
  }
  if (!queue.ok()) return CallFailed(r, queue.status(), kQueueRoute);
  return PageResponse(200, RenderQueuePage(r.bar, *queue, zone_, later_page),
                      kQueueRoute);
}

ConsoleResponse TriageSection::Referral(const StaffRequest& r,
                                        const std::string& reference) {
  if (!May(r.role, Permission::kViewReferral)) {
    return ForbiddenResponse(r, kReferralRoute);
  }
  if (!r.req.post) {
    return PageResponse(200, RenderPurposePage(r.bar, reference, {}),
                        kReferralRoute);
  }
  const std::optional<intake::v1::ReadPurpose> purpose =
      PurposeFromValue(Field(r, kPurposeField));
  const std::vector<ConsoleError> missing = {{kPurposeField, kPurposeMissing}};
  if (!purpose.has_value()) {
    return PageResponse(422, RenderPurposePage(r.bar, reference, missing),
                        kReferralRoute);
  }
  intake::v1::ReadReferralRequest request;
  request.set_reference(reference);
  request.set_purpose(*purpose);
  absl::StatusOr<intake::v1::ReadReferralResponse> read = calls_.Intake(
      &StaffCalls::IntakeStub::ReadReferral, StaffOf(r), request);
  if (!read.ok()) {
    if (absl::IsInvalidArgument(read.status())) {
      for (const FieldViolation& v : GetFieldViolations(read.status())) {
        if (v.field == kPurposeField) {
          return PageResponse(422, RenderPurposePage(r.bar, reference, missing),
                              kReferralRoute);
        }
      }
    }
    return CallFailed(r, read.status(), kReferralRoute);
  }
  return PageResponse(
      200,
      RenderReferralPage(r.bar, *read, *purpose, LinksFor(r.role), zone_),
      kReferralRoute);
}

ConsoleResponse TriageSection::Assessment(const StaffRequest& r,
                                          const std::string& reference) {
  if (!May(r.role, Permission::kAssess)) {
    return ForbiddenResponse(r, kAssessmentRoute);
  }
  triage::v1::GetAssessmentFormRequest form_request;
  form_request.set_reference(reference);
  absl::StatusOr<triage::v1::AssessmentForm> form =
      calls_.Triage(&StaffCalls::TriageStub::GetAssessmentForm, StaffOf(r),
                    form_request);
  if (!form.ok()) return CallFailed(r, form.status(), kAssessmentRoute);
  const bool child = form->front_door() == common::v1::FRONT_DOOR_CHILDREN;
  auto page = [&](int status, const std::vector<ConsoleError>& errors) {
    return PageResponse(
        status,
        child ? RenderChildAssessmentPage(r.bar, reference, form->child(),
                                          r.req.form, errors)
              : RenderDashPage(r.bar, reference, r.req.form, errors),
        kAssessmentRoute);
  };
  if (!r.req.post) return page(200, {});

  const BuiltAssessment built =
      child ? BuildChildAssessment(reference, form->child(), r.req.form)
            : BuildDashAssessment(reference, r.req.form, clock_.Now());
  if (!built.errors.empty()) return page(422, built.errors);
  absl::StatusOr<triage::v1::Decision> decided =
      calls_.Triage(&StaffCalls::TriageStub::SubmitAssessment, StaffOf(r),
                    built.request);
  if (decided.ok()) {
    notices_.Put(r.session.hash, DecisionPath(reference), kAssessmentRecorded);
    return RedirectResponse(DecisionPath(reference), kAssessmentRoute);
  }
  if (absl::IsInvalidArgument(decided.status())) {
    std::vector<std::string> unmapped;
    const std::vector<ConsoleError> errors =
        AssessmentErrors(GetFieldViolations(decided.status()), built.request,
                         child ? &form->child() : nullptr, &unmapped);
    for (const std::string& path : unmapped) {
      // A path, never a value: no personal data.
      Log(Level::kError, "web.unmapped_violation",
          {{"service", kService}, {"route", kAssessmentRoute},
           {"field", path}});
    }
    if (unmapped.empty() && !errors.empty()) return page(422, errors);
  }
  return CallFailed(r, decided.status(), kAssessmentRoute);
}

ConsoleResponse TriageSection::Decision(const StaffRequest& r,
                                        const std::string& reference) {
  const bool may_assess = May(r.role, Permission::kAssess);
  if (!may_assess && !May(r.role, Permission::kViewReferral)) {
    return ForbiddenResponse(r, kDecisionRoute);
  }
  if (r.req.post) return MethodNotAllowedResponse("GET", kDecisionRoute);
  triage::v1::GetDecisionRequest request;
  request.set_reference(reference);
  absl::StatusOr<triage::v1::Decision> decision =
      calls_.Triage(&StaffCalls::TriageStub::GetDecision, StaffOf(r), request);
  if (absl::IsNotFound(decision.status())) {
    return PageResponse(404, RenderNotDecidedPage(r.bar, reference, may_assess),
                        kDecisionRoute);
  }
  if (!decision.ok()) return CallFailed(r, decision.status(), kDecisionRoute);
  return PageResponse(
      200,
      RenderDecisionPage(r.bar, *decision,
                         notices_.Take(r.session.hash, DecisionPath(reference)),
                         May(r.role, Permission::kOverrideDecision),
                         LinksFor(r.role), zone_),
      kDecisionRoute);
}

}  // namespace frontdoor::web
