#include "web-svc/console_placements.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/reference/reference.h"
#include "web-svc/web_security.h"

namespace frontdoor::web {
namespace {

constexpr char kPlacementsPrefix[] = "/console/placements/";
constexpr char kWaitingListsPath[] = "/console/waiting-lists";
// Programme ids are lower-case letters, digits and hyphens (the
// catalogue's), at most this long.
constexpr size_t kMaxProgrammeIdChars = 64;

constexpr char kRoutePlacement[] = "console_placement";
constexpr char kRouteWaitingLists[] = "console_waiting_lists";
constexpr char kRouteWaitingList[] = "console_waiting_list";

using Stub = StaffCalls::AllocationStub;

// What a path asks for.
struct Target {
  enum Kind { kNone, kPlacement, kRecord, kWaitingLists } kind = kNone;
  std::string reference;
  PlacementForm form = PlacementForm::kNone;
  // The one programme asked for ("" for every list).
  std::string programme_id;
};

bool IsProgrammeId(std::string_view id) {
  if (id.empty() || id.size() > kMaxProgrammeIdChars) return false;
  for (char c : id) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') {
      return false;
    }
  }
  return true;
}

Target Parse(std::string_view path) {
  Target t;
  const absl::string_view p(path.data(), path.size());
  if (p == kWaitingListsPath) {
    t.kind = Target::kWaitingLists;
    return t;
  }
  const std::string lists_prefix = absl::StrCat(kWaitingListsPath, "/");
  if (absl::StartsWith(p, lists_prefix)) {
    const absl::string_view id = p.substr(lists_prefix.size());
    if (IsProgrammeId(std::string_view(id.data(), id.size()))) {
      t.kind = Target::kWaitingLists;
      t.programme_id = std::string(id);
    }
    return t;
  }
  if (!absl::StartsWith(p, kPlacementsPrefix)) return t;
  const absl::string_view rest = p.substr(sizeof(kPlacementsPrefix) - 1);
  const size_t slash = rest.find('/');
  const absl::string_view reference = rest.substr(0, slash);
  if (!IsWellFormedReference(reference)) return t;
  t.reference = std::string(reference);
  if (slash == absl::string_view::npos) {
    t.kind = Target::kPlacement;
    return t;
  }
  const absl::string_view action = rest.substr(slash + 1);
  t.form = PlacementFormOfPath(std::string_view(action.data(), action.size()));
  if (t.form != PlacementForm::kNone) t.kind = Target::kRecord;
  return t;
}

std::string RecordRoute(PlacementForm form) {
  switch (form) {
    case PlacementForm::kConsent:
      return "console_placement_consent";
    case PlacementForm::kFirstContact:
      return "console_placement_first_contact";
    case PlacementForm::kFailure:
      return "console_placement_failure";
    default:
      return kRoutePlacement;
  }
}

std::string PlacementPath(const std::string& reference) {
  return absl::StrCat(kPlacementsPrefix, reference);
}

std::string RecordedCookieHeader(const std::string& reference,
                                 Recorded recorded) {
  return absl::StrCat(
      kRecordedCookie, "=", reference, ":", std::string(RecordedCode(recorded)),
      "; Path=/; Max-Age=", absl::ToInt64Seconds(kRecordedCookieLifetime),
      "; Secure; HttpOnly; SameSite=Strict");
}

std::string ClearedRecordedCookieHeader() {
  return absl::StrCat(kRecordedCookie,
                      "=; Path=/; Max-Age=0; Secure; HttpOnly; "
                      "SameSite=Strict");
}

Staff StaffOf(const StaffRequest& r) { return Staff{r.account_id, r.role}; }

}  // namespace

bool PlacementsSection::Owns(std::string_view path) const {
  return Parse(path).kind != Target::kNone;
}

ConsoleResponse PlacementsSection::Handle(const StaffRequest& r) {
  const Target t = Parse(r.req.path);
  switch (t.kind) {
    case Target::kPlacement:
      if (!May(r.role, Permission::kRecordPlacement) &&
          !May(r.role, Permission::kViewWaitingLists)) {
        return ForbiddenResponse(r, kRoutePlacement);
      }
      if (r.req.post) return MethodNotAllowedResponse("GET", kRoutePlacement);
      return ShowPlacement(r, t.reference);
    case Target::kRecord:
      if (!May(r.role, Permission::kRecordPlacement)) {
        return ForbiddenResponse(r, RecordRoute(t.form));
      }
      if (!r.req.post)
        return MethodNotAllowedResponse("POST", RecordRoute(t.form));
      return Record(r, t.reference, t.form);
    case Target::kWaitingLists: {
      const char* route =
          t.programme_id.empty() ? kRouteWaitingLists : kRouteWaitingList;
      if (!May(r.role, Permission::kViewWaitingLists)) {
        return ForbiddenResponse(r, route);
      }
      if (r.req.post) return MethodNotAllowedResponse("GET", route);
      return WaitingLists(r, t.programme_id);
    }
    case Target::kNone:
      break;
  }
  return NotFoundResponse("console_not_found");
}

ConsoleResponse PlacementsSection::ShowPlacement(const StaffRequest& r,
                                                 const std::string& reference) {
  PlacementPageView view;
  // What the post before this view recorded, if it was on this placement.
  const std::string recorded =
      CookieValue(r.req.cookie_header, kRecordedCookie);
  const size_t colon = recorded.find(':');
  const bool ours =
      colon != std::string::npos && recorded.substr(0, colon) == reference;
  if (ours) view.recorded = RecordedFromCode(recorded.substr(colon + 1));
  ConsoleResponse page =
      PlacementPage(r, reference, std::move(view), 200, kRoutePlacement);
  if (ours)
    page.headers.push_back({"Set-Cookie", ClearedRecordedCookieHeader()});
  return page;
}

ConsoleResponse PlacementsSection::PlacementPage(const StaffRequest& r,
                                                 const std::string& reference,
                                                 PlacementPageView view,
                                                 int status,
                                                 const std::string& route) {
  const Staff staff = StaffOf(r);
  allocation::v1::GetPlacementRequest get;
  get.set_reference(reference);
  absl::StatusOr<allocation::v1::Placement> placement =
      calls_.Allocation(&Stub::GetPlacement, staff, get);
  if (!placement.ok()) {
    if (absl::IsNotFound(placement.status())) {
      return PageResponse(404, RenderNoPlacementPage(r.bar, reference), route);
    }
    if (absl::IsPermissionDenied(placement.status())) {
      return ForbiddenResponse(r, route);
    }
    return ServiceProblemResponse(placement.status(), route);
  }
  view.placement = *std::move(placement);
  const std::string& programme_id = view.placement.programme_id();
  if (!programme_id.empty()) {
    // The programme's name and the place on its list help, but the page
    // stands without them: a failure here only leaves them out.
    absl::StatusOr<allocation::v1::ListProgrammesResponse> programmes =
        calls_.Allocation(&Stub::ListProgrammes, staff,
                          allocation::v1::ListProgrammesRequest());
    if (programmes.ok()) {
      for (const config::v1::Programme& p : programmes->programmes()) {
        if (p.id() == programme_id) view.programme_name = p.name();
      }
    }
    if (view.placement.state() == allocation::v1::PLACEMENT_STATE_WAITING) {
      allocation::v1::ListWaitingRequest list_request;
      list_request.set_programme_id(programme_id);
      absl::StatusOr<allocation::v1::ListWaitingResponse> list =
          calls_.Allocation(&Stub::ListWaiting, staff, list_request);
      if (list.ok()) {
        view.waiting = list->waiting_size();
        for (int i = 0; i < list->waiting_size(); ++i) {
          if (list->waiting(i).reference() == reference) view.position = i + 1;
        }
      }
    }
  }
  view.may_record = May(r.role, Permission::kRecordPlacement);
  view.may_release = May(r.role, Permission::kReleasePlace);
  view.may_view_waiting_lists = May(r.role, Permission::kViewWaitingLists);
  view.may_view_referral = May(r.role, Permission::kViewReferral);
  view.now = clock_.Now();
  view.zone = zone_;
  return PageResponse(status, RenderPlacementPage(r.bar, view), route);
}

ConsoleResponse PlacementsSection::Record(const StaffRequest& r,
                                          const std::string& reference,
                                          PlacementForm form) {
  const std::string route = RecordRoute(form);
  const Staff staff = StaffOf(r);
  const PostedFields& posted = r.req.form;
  // What web-svc itself could not read is not sent.
  std::vector<ConsoleError> unread;
  absl::Status status;
  Recorded recorded = Recorded::kFailure;
  switch (form) {
    case PlacementForm::kConsent: {
      auto parsed = ParseConsentForm(reference, posted, zone_);
      unread = std::move(parsed.errors);
      if (unread.empty()) {
        status = calls_.Allocation(&Stub::RecordConsent, staff, parsed.request)
                     .status();
      }
      recorded = RecordedOfConsent(posted);
      break;
    }
    case PlacementForm::kFirstContact: {
      auto parsed = ParseFirstContactForm(reference, posted, zone_);
      unread = std::move(parsed.errors);
      if (unread.empty()) {
        status =
            calls_.Allocation(&Stub::RecordFirstContact, staff, parsed.request)
                .status();
      }
      recorded = Recorded::kFirstContact;
      break;
    }
    case PlacementForm::kFailure: {
      auto parsed = ParseFailureForm(reference, posted);
      unread = std::move(parsed.errors);
      if (unread.empty()) {
        status = calls_.Allocation(&Stub::RecordFailure, staff, parsed.request)
                     .status();
      }
      recorded = Recorded::kFailure;
      break;
    }
    case PlacementForm::kNone:
      return NotFoundResponse(route);
  }
  if (unread.empty() && status.ok()) {
    ConsoleResponse done = RedirectResponse(PlacementPath(reference), route);
    done.headers.push_back(
        {"Set-Cookie", RecordedCookieHeader(reference, recorded)});
    return done;
  }
  if (unread.empty()) {
    if (absl::IsNotFound(status)) {
      return PageResponse(404, RenderNoPlacementPage(r.bar, reference), route);
    }
    if (absl::IsPermissionDenied(status)) return ForbiddenResponse(r, route);
  }
  std::vector<ConsoleError> errors =
      unread.empty() ? PlacementFormErrors(form, status) : std::move(unread);
  if (errors.empty()) return ServiceProblemResponse(status, route);
  PlacementPageView view;
  view.form = form;
  view.values = posted;
  view.errors = std::move(errors);
  return PlacementPage(r, reference, std::move(view),
                       absl::IsFailedPrecondition(status) ? 409 : 422, route);
}

ConsoleResponse PlacementsSection::WaitingLists(
    const StaffRequest& r, const std::string& programme_id) {
  const std::string route =
      programme_id.empty() ? kRouteWaitingLists : kRouteWaitingList;
  const Staff staff = StaffOf(r);
  absl::StatusOr<allocation::v1::ListProgrammesResponse> programmes =
      calls_.Allocation(&Stub::ListProgrammes, staff,
                        allocation::v1::ListProgrammesRequest());
  if (!programmes.ok()) {
    if (absl::IsPermissionDenied(programmes.status())) {
      return ForbiddenResponse(r, route);
    }
    return ServiceProblemResponse(programmes.status(), route);
  }
  std::vector<WaitingListView> lists;
  for (const config::v1::Programme& p : programmes->programmes()) {
    if (!programme_id.empty() && p.id() != programme_id) continue;
    allocation::v1::ListWaitingRequest request;
    request.set_programme_id(p.id());
    absl::StatusOr<allocation::v1::ListWaitingResponse> list =
        calls_.Allocation(&Stub::ListWaiting, staff, request);
    if (!list.ok()) {
      if (absl::IsPermissionDenied(list.status())) {
        return ForbiddenResponse(r, route);
      }
      return ServiceProblemResponse(list.status(), route);
    }
    lists.push_back({p, *std::move(list)});
  }
  if (!programme_id.empty() && lists.empty()) return NotFoundResponse(route);
  return PageResponse(
      200, RenderWaitingListsPage(r.bar, lists, !programme_id.empty(), zone_),
      route);
}

}  // namespace frontdoor::web
