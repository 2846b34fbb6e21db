#include "web-svc/console.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging/logging.h"
#include "web-svc/credentials.h"

namespace frontdoor::web {
namespace {

constexpr char kService[] = "web-svc";
constexpr char kSignInPath[] = "/console/sign-in";
constexpr char kCodePath[] = "/console/sign-in/code";
constexpr char kEnrolPath[] = "/console/enrol";
constexpr char kAuthenticatorPath[] = "/console/enrol/authenticator";
constexpr char kHomePath[] = "/console";
constexpr char kQueuePath[] = "/console/queue";
constexpr char kReportsPath[] = "/console/reports";
constexpr char kSignOutPath[] = "/console/sign-out";
constexpr char kSignOutEverywherePath[] = "/console/sign-out-everywhere";
constexpr char kSignedOutPath[] = "/console/signed-out";
constexpr char kSignedOutEverywherePath[] = "/console/signed-out-everywhere";

// One answer for an unknown name, a wrong password, a locked, disabled or
// not yet enrolled account: nothing tells them apart.
std::string SignInRefused(const SignInPolicy& policy) {
  return absl::StrCat("Enter a correct username and password. After ",
                      policy.max_failures,
                      " wrong tries in a row an account is locked for a "
                      "while");
}
constexpr char kCodeRefused[] =
    "Enter the code your authenticator app shows now";
// One answer for a wrong password and a wrong code when confirming.
std::string ReauthenticationRefused(const SignInPolicy& policy) {
  return absl::StrCat(
      "Enter your password and the code your authenticator app shows now. "
      "After ",
      policy.max_failures,
      " wrong tries in a row your account is locked for a while");
}
// The query parameter and hidden field naming the page to go back to.
constexpr char kReturnToField[] = "return-to";
// The longest path SafeReturnPath lets through.
constexpr size_t kMaxReturnPathBytes = 200;
std::string EnrolmentRefused() {
  return absl::StrCat(
      "Enter the username and enrolment code an operator gave you. A code "
      "works once and for ",
      absl::ToInt64Hours(kEnrolmentCodeLifetime) / 24, " days");
}

std::string SessionCookieHeader(const std::string& value) {
  return absl::StrCat(kSessionCookie, "=", value,
                      "; Path=/; Secure; HttpOnly; SameSite=Strict");
}

std::string ClearedSessionCookieHeader() {
  return absl::StrCat(kSessionCookie,
                      "=; Path=/; Max-Age=0; Secure; HttpOnly; "
                      "SameSite=Strict");
}

std::string Field(const ConsoleRequest& req, const std::string& name) {
  auto it = req.form.find(name);
  return it == req.form.end() ? "" : it->second;
}

}  // namespace

bool IsConsolePath(std::string_view path) {
  return path == kHomePath ||
         absl::StartsWith(absl::string_view(path.data(), path.size()),
                          "/console/");
}

std::string SafeReturnPath(std::string_view path) {
  const absl::string_view p(path.data(), path.size());
  bool ok = absl::StartsWith(p, "/console/") &&
            p.size() <= kMaxReturnPathBytes && p != kConfirmIdentityPath &&
            !absl::StrContains(p, "//") && !absl::EndsWith(p, "/");
  for (char ch : p) {
    ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(ch)) ||
                ch == '-' || ch == '/');
  }
  return ok ? std::string(p) : std::string(kHomePath);
}

std::string ConfirmIdentityPath(std::string_view return_to) {
  // SafeReturnPath's characters need no escaping in a query.
  return absl::StrCat(kConfirmIdentityPath, "?", kReturnToField, "=",
                      SafeReturnPath(return_to));
}

ConsoleResponse ConfirmIdentityResponse(const StaffRequest& r,
                                        std::string route) {
  return RedirectResponse(ConfirmIdentityPath(r.req.path), std::move(route));
}

ConsoleResponse PageResponse(int status, std::string body, std::string route) {
  ConsoleResponse r;
  r.status = status;
  r.body = std::move(body);
  r.route = std::move(route);
  return r;
}

ConsoleResponse RedirectResponse(const std::string& to, std::string route) {
  ConsoleResponse r = PageResponse(303, "", std::move(route));
  r.headers.push_back({"Location", to});
  return r;
}

ConsoleResponse ForbiddenResponse(const StaffRequest& r, std::string route) {
  Log(Level::kInfo, "web.console_refused",
      {{"service", kService}, {"account", r.account_id}, {"route", route}});
  return PageResponse(403, RenderConsoleForbidden(r.bar), std::move(route));
}

ConsoleResponse MethodNotAllowedResponse(const char* allowed,
                                         std::string route) {
  ConsoleResponse r = PageResponse(
      405, RenderConsoleMessage("Page not found", {}), std::move(route));
  r.headers.push_back({"Allow", allowed});
  return r;
}

ConsoleResponse NotFoundResponse(std::string route) {
  return PageResponse(
      404,
      RenderConsoleMessage(
          "Page not found",
          {"If you typed the web address, check it is correct."}),
      std::move(route));
}

ConsoleResponse ServiceProblemResponse(const absl::Status& status,
                                       std::string route) {
  Log(Level::kError, "web.console_call_failed",
      {{"service", kService},
       {"route", route},
       {"code", absl::StatusCodeToString(status.code())}});
  return PageResponse(
      503,
      RenderConsoleMessage("Sorry, there is a problem with the service",
                           {"Try again later. Nothing you entered on this "
                            "page has been saved unless the page said so."}),
      std::move(route));
}

std::string PermissionPage(Permission p) {
  switch (p) {
    case Permission::kViewQueue:
      return kQueuePath;
    case Permission::kViewReports:
      return kReportsPath;
    case Permission::kViewWaitingLists:
      return "/console/waiting-lists";
    case Permission::kKeyReferral:
      return "/console/new-referral";
    case Permission::kDataRights:
      return "/console/data-rights";
    default:
      return "";
  }
}

struct Console::Context {
  explicit Context(const ConsoleRequest& r) : req(r) {}
  const ConsoleRequest& req;
  // The CSRF cookie's value (made now, with its Set-Cookie, if absent).
  std::string csrf_cookie;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<SessionRecord> session;
  bool store_failed = false;

  ConsoleResponse Page(int status, std::string body, std::string route) {
    ConsoleResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = headers;
    r.route = std::move(route);
    return r;
  }
  // A section's answer, with this request's headers (the CSRF cookie made
  // for it, a cleared session cookie) first.
  ConsoleResponse With(ConsoleResponse r) const {
    r.headers.insert(r.headers.begin(), headers.begin(), headers.end());
    return r;
  }
  ConsoleResponse Redirect(const std::string& to, std::string route) {
    ConsoleResponse r = Page(303, "", std::move(route));
    r.headers.push_back({"Location", to});
    return r;
  }
  bool SignedIn() const {
    return session.has_value() && session->stage == SessionStage::kSignedIn;
  }
  SignedInBar Bar(const CsrfTokens& csrf) const {
    const RoleInfo* role = FindRole(session->account.role);
    return {session->account.display_name,
            role == nullptr ? "" : std::string(role->title),
            csrf.TokenFor(csrf_cookie)};
  }
};

ConsoleResponse Console::Handle(const ConsoleRequest& req) {
  Context c(req);
  c.csrf_cookie = CookieValue(req.cookie_header, kCsrfCookie);
  if (!IsWellFormedToken(c.csrf_cookie)) {
    c.csrf_cookie = NewToken();
    c.headers.push_back(
        {"Set-Cookie", absl::StrCat(kCsrfCookie, "=", c.csrf_cookie,
                                    "; Path=/; Secure; HttpOnly; "
                                    "SameSite=Strict")});
  }
  const std::string cookie = CookieValue(req.cookie_header, kSessionCookie);
  if (!cookie.empty()) {
    absl::StatusOr<std::optional<SessionRecord>> s =
        accounts_.Session(cookie, policy_);
    if (!s.ok()) {
      Log(Level::kError, "web.session_lookup_failed",
          {{"service", kService},
           {"code", absl::StatusCodeToString(s.status().code())}});
      return c.Page(
          503,
          RenderConsoleMessage("Sorry, there is a problem with the service",
                               {"Try again later."}),
          "console_error");
    }
    c.session = *std::move(s);
    // A cookie naming no live session is cleared.
    if (!c.session.has_value()) {
      c.headers.push_back({"Set-Cookie", ClearedSessionCookieHeader()});
    }
  }

  // Posts: the CSRF token first, whatever the page.
  if (req.post && !csrf_.Check(c.csrf_cookie, Field(req, kCsrfField))) {
    return c.Page(403,
                  RenderConsoleMessage(
                      "Sorry, this form has expired",
                      {"For your security, forms only work in the browser "
                       "window they were opened in. Start again."}),
                  "console_csrf");
  }

  const std::string& p = req.path;
  auto only = [&](bool post_wanted) -> std::optional<ConsoleResponse> {
    if (req.post == post_wanted) return std::nullopt;
    return c.With(
        MethodNotAllowedResponse(post_wanted ? "POST" : "GET", "console_method"));
  };
  if (p == kSignInPath) return req.post ? SignInPost(c) : SignInForm(c);
  if (p == kCodePath) return req.post ? CodePost(c) : CodeForm(c);
  if (p == kEnrolPath) return req.post ? EnrolPost(c) : EnrolForm(c);
  if (p == kAuthenticatorPath) {
    return req.post ? AuthenticatorPost(c) : AuthenticatorPage(c, {}, 200);
  }
  if (p == kSignOutPath || p == kSignOutEverywherePath) {
    if (auto r = only(true)) return *r;
    return SignOut(c, p == kSignOutEverywherePath);
  }
  if (p == kSignedOutPath || p == kSignedOutEverywherePath) {
    if (auto r = only(false)) return *r;
    return c.Page(200, RenderSignedOutPage(p == kSignedOutEverywherePath),
                  "console_signed_out");
  }
  if (p == kConfirmIdentityPath) {
    if (!c.SignedIn()) return c.Redirect(kSignInPath, "console_signed_out");
    return req.post ? ConfirmIdentityPost(c) : ConfirmIdentityForm(c);
  }
  for (const auto& section : sections_) {
    if (!section->Owns(p)) continue;
    if (!c.SignedIn()) return c.Redirect(kSignInPath, "console_signed_out");
    StaffRequest staff{req, *c.session, c.Bar(csrf_), c.session->account.id,
                       c.session->account.role};
    staff.reauthentication_due = ReauthenticationDue(
        c.session->authenticated_at, clock_.Now(), policy_);
    return c.With(section->Handle(staff));
  }
  // The signed-in pages.
  if (p == kHomePath) {
    if (auto r = only(false)) return *r;
    if (!c.SignedIn()) return c.Redirect(kSignInPath, "console_signed_out");
    return Home(c);
  }
  return c.With(NotFoundResponse("console_not_found"));
}

void Console::Refused(const std::string& account_id, const std::string& outcome,
                      bool* locked_now, std::string_view action) {
  const absl::Status s = accounts_.RecordFailure(account_id, outcome, policy_,
                                                 locked_now, action);
  Log(s.ok() ? Level::kInfo : Level::kError, std::string(action),
      {{"service", kService},
       {"outcome", outcome},
       {"audited", s.ok()},
       {"locked", *locked_now}});
  Tell(outcome);
  if (*locked_now) Tell("locked_out");
}

ConsoleResponse Console::SignInForm(Context& c) {
  if (c.SignedIn()) return c.Redirect(kHomePath, "console_sign_in");
  return c.Page(200,
                RenderSignInPage(csrf_.TokenFor(c.csrf_cookie), "", {}, ""),
                "console_sign_in");
}

ConsoleResponse Console::SignInPost(Context& c) {
  absl::Duration retry_after;
  if (!limiter_.TryAcquire(c.req.client, &retry_after)) {
    ConsoleResponse r =
        c.Page(429,
               RenderConsoleMessage("Sorry, there have been too many attempts",
                                    {"Wait a minute, then try again."}),
               "console_sign_in");
    r.headers.push_back(
        {"Retry-After", std::to_string(std::max<int64_t>(
                            1, absl::ToInt64Seconds(absl::Ceil(
                                   retry_after, absl::Seconds(1)))))});
    return r;
  }
  const std::string username = Field(c.req, "username");
  const std::string password = Field(c.req, "password");
  const std::string token = csrf_.TokenFor(c.csrf_cookie);
  std::vector<ConsoleError> errors;
  if (NormaliseUsername(username).empty()) {
    errors.push_back({"username", "Enter your username"});
  }
  if (password.empty()) errors.push_back({"password", "Enter your password"});
  if (!errors.empty()) {
    return c.Page(422, RenderSignInPage(token, username, errors, ""),
                  "console_sign_in");
  }
  absl::StatusOr<std::optional<AccountRecord>> account =
      accounts_.FindByUsername(username);
  if (!account.ok()) {
    Log(Level::kError, "web.sign_in_lookup_failed",
        {{"service", kService},
         {"code", absl::StatusCodeToString(account.status().code())}});
    return c.Page(
        503,
        RenderConsoleMessage("Sorry, there is a problem with the service",
                             {"Try again later."}),
        "console_sign_in");
  }
  // The same work whatever the account: one Argon2id verification, then
  // one audited write.
  const AccountRecord* a = account->has_value() ? &**account : nullptr;
  const bool has_password = a != nullptr && !a->password_hash.empty();
  const bool password_ok = VerifyPassword(
      has_password ? a->password_hash : DecoyPasswordHash(), password);
  std::string outcome;
  if (a == nullptr) {
    outcome = "unknown_account";
  } else if (a->disabled) {
    outcome = "disabled";
  } else if (IsLocked(a->attempts, clock_.Now())) {
    outcome = "locked";
  } else if (!has_password) {
    outcome = "not_enrolled";
  } else if (!password_ok) {
    outcome = "wrong_password";
  }
  if (!outcome.empty()) {
    bool locked_now = false;
    Refused(a == nullptr ? "" : a->id, outcome, &locked_now);
    return c.Page(422,
                  RenderSignInPage(token, username,
                                   {{"username", SignInRefused(policy_)}}, ""),
                  "console_sign_in");
  }
  const SessionStage stage = a->totp_confirmed
                                 ? SessionStage::kAwaitingCode
                                 : SessionStage::kEnrollingAuthenticator;
  absl::StatusOr<std::string> cookie = accounts_.StartSession(
      a->id, stage, c.session.has_value() ? c.session->hash : "");
  if (!cookie.ok()) {
    return c.Page(
        503,
        RenderConsoleMessage("Sorry, there is a problem with the service",
                             {"Try again later."}),
        "console_sign_in");
  }
  c.headers.push_back({"Set-Cookie", SessionCookieHeader(*cookie)});
  return c.Redirect(
      stage == SessionStage::kAwaitingCode ? kCodePath : kAuthenticatorPath,
      "console_sign_in");
}

ConsoleResponse Console::CodeForm(Context& c) {
  if (c.SignedIn()) return c.Redirect(kHomePath, "console_code");
  if (!c.session.has_value() ||
      c.session->stage != SessionStage::kAwaitingCode) {
    return c.Redirect(kSignInPath, "console_code");
  }
  return c.Page(200, RenderCodePage(csrf_.TokenFor(c.csrf_cookie), {}),
                "console_code");
}

ConsoleResponse Console::CodePost(Context& c) {
  if (!c.session.has_value() ||
      c.session->stage != SessionStage::kAwaitingCode) {
    return c.Redirect(kSignInPath, "console_code");
  }
  absl::Duration retry_after;
  if (!limiter_.TryAcquire(c.req.client, &retry_after)) {
    return c.Page(
        429,
        RenderConsoleMessage("Sorry, there have been too many attempts",
                             {"Wait a minute, then try again."}),
        "console_code");
  }
  const AccountRecord& a = c.session->account;
  const absl::Time now = clock_.Now();
  absl::StatusOr<int64_t> step =
      IsLocked(a.attempts, now) ? absl::PermissionDeniedError("locked")
                                : CheckTotp(a.totp_secret, Field(c.req, "code"),
                                            now, a.totp_last_step);
  if (step.ok()) {
    absl::StatusOr<std::string> cookie =
        accounts_.CompleteSignIn(c.session->hash, a.id, *step);
    if (cookie.ok()) {
      Log(Level::kInfo, "web.signed_in",
          {{"service", kService}, {"account", a.id}});
      Tell("signed_in");
      c.headers.push_back({"Set-Cookie", SessionCookieHeader(*cookie)});
      return c.Redirect(kHomePath, "console_code");
    }
    step = cookie.status();
  }
  bool locked_now = false;
  const bool locked = IsLocked(a.attempts, now);
  Refused(a.id, locked ? "locked" : "wrong_code", &locked_now);
  if (locked || locked_now) {
    // Start again from the password, which now says no for a while.
    (void)accounts_.SignOut(*c.session, false);
    c.headers.push_back({"Set-Cookie", ClearedSessionCookieHeader()});
    return c.Redirect(kSignInPath, "console_code");
  }
  return c.Page(
      422,
      RenderCodePage(csrf_.TokenFor(c.csrf_cookie), {{"code", kCodeRefused}}),
      "console_code");
}

ConsoleResponse Console::EnrolForm(Context& c) {
  if (c.SignedIn()) return c.Redirect(kHomePath, "console_enrol");
  return c.Page(200, RenderEnrolPage(csrf_.TokenFor(c.csrf_cookie), "", {}),
                "console_enrol");
}

ConsoleResponse Console::EnrolPost(Context& c) {
  absl::Duration retry_after;
  if (!limiter_.TryAcquire(c.req.client, &retry_after)) {
    return c.Page(
        429,
        RenderConsoleMessage("Sorry, there have been too many attempts",
                             {"Wait a minute, then try again."}),
        "console_enrol");
  }
  const std::string token = csrf_.TokenFor(c.csrf_cookie);
  const std::string username = Field(c.req, "username");
  const std::string code = Field(c.req, "enrolment-code");
  const std::string password = Field(c.req, "new-password");
  const std::string confirm = Field(c.req, "confirm-password");
  std::vector<ConsoleError> errors;
  if (NormaliseUsername(username).empty()) {
    errors.push_back({"username", "Enter your username"});
  }
  if (code.empty()) {
    errors.push_back({"enrolment-code", "Enter your enrolment code"});
  }
  if (const std::string problem = PasswordProblem(password); !problem.empty()) {
    errors.push_back({"new-password", problem});
  } else if (confirm != password) {
    errors.push_back({"confirm-password", "The passwords do not match"});
  }
  if (!errors.empty()) {
    return c.Page(422, RenderEnrolPage(token, username, errors),
                  "console_enrol");
  }
  absl::StatusOr<std::optional<AccountRecord>> account =
      accounts_.FindByUsername(username);
  const std::string code_hash =
      SecretHash(std::string(absl::StripAsciiWhitespace(code)));
  const bool code_ok =
      account.ok() && account->has_value() && !(*account)->disabled &&
      !(*account)->enrolment_code_hash.empty() &&
      (*account)->enrolment_expires > clock_.Now() &&
      // Both are SHA-256 hex of secrets: comparing them leaks nothing.
      (*account)->enrolment_code_hash == code_hash;
  absl::StatusOr<std::string> cookie = absl::PermissionDeniedError("code");
  if (code_ok) {
    absl::StatusOr<std::string> hash = HashPassword(password);
    if (!hash.ok())
      return c.Page(
          503,
          RenderConsoleMessage("Sorry, there is a problem with the service",
                               {"Try again later."}),
          "console_enrol");
    cookie = accounts_.Enrol((*account)->id, code_hash, *hash, NewTotpSecret());
  }
  if (!cookie.ok()) {
    bool locked_now = false;
    Refused("", "bad_enrolment_code", &locked_now);
    return c.Page(422,
                  RenderEnrolPage(token, username,
                                  {{"enrolment-code", EnrolmentRefused()}}),
                  "console_enrol");
  }
  c.headers.push_back({"Set-Cookie", SessionCookieHeader(*cookie)});
  return c.Redirect(kAuthenticatorPath, "console_enrol");
}

ConsoleResponse Console::AuthenticatorPage(
    Context& c, const std::vector<ConsoleError>& errors, int status) {
  if (c.SignedIn()) return c.Redirect(kHomePath, "console_authenticator");
  if (!c.session.has_value() ||
      c.session->stage != SessionStage::kEnrollingAuthenticator) {
    return c.Redirect(kSignInPath, "console_authenticator");
  }
  const AccountRecord& a = c.session->account;
  absl::StatusOr<std::string> qr =
      QrSvg(TotpUri(kTotpIssuer, a.username, a.totp_secret),
            "QR code to scan with your authenticator app");
  if (!qr.ok()) {
    return c.Page(
        503,
        RenderConsoleMessage("Sorry, there is a problem with the service",
                             {"Try again later."}),
        "console_authenticator");
  }
  return c.Page(status,
                RenderAuthenticatorPage(csrf_.TokenFor(c.csrf_cookie), *qr,
                                        GroupedBase32(a.totp_secret), errors),
                "console_authenticator");
}

ConsoleResponse Console::AuthenticatorPost(Context& c) {
  if (!c.session.has_value() ||
      c.session->stage != SessionStage::kEnrollingAuthenticator) {
    return c.Redirect(kSignInPath, "console_authenticator");
  }
  absl::Duration retry_after;
  if (!limiter_.TryAcquire(c.req.client, &retry_after)) {
    return c.Page(
        429,
        RenderConsoleMessage("Sorry, there have been too many attempts",
                             {"Wait a minute, then try again."}),
        "console_authenticator");
  }
  const AccountRecord& a = c.session->account;
  const absl::Time now = clock_.Now();
  absl::StatusOr<int64_t> step =
      CheckTotp(a.totp_secret, Field(c.req, "code"), now, a.totp_last_step);
  if (step.ok()) {
    absl::StatusOr<std::string> cookie =
        accounts_.CompleteSignIn(c.session->hash, a.id, *step);
    if (cookie.ok()) {
      Log(Level::kInfo, "web.signed_in",
          {{"service", kService}, {"account", a.id}, {"enrolled", true}});
      Tell("signed_in");
      c.headers.push_back({"Set-Cookie", SessionCookieHeader(*cookie)});
      return c.Redirect(kHomePath, "console_authenticator");
    }
  }
  bool locked_now = false;
  Refused(a.id, "wrong_code", &locked_now);
  if (locked_now) {
    (void)accounts_.SignOut(*c.session, false);
    c.headers.push_back({"Set-Cookie", ClearedSessionCookieHeader()});
    return c.Redirect(kSignInPath, "console_authenticator");
  }
  return AuthenticatorPage(c, {{"code", kCodeRefused}}, 422);
}

ConsoleResponse Console::Home(Context& c) {
  std::vector<ConsoleLink> may;
  for (const PermissionInfo& p : kPermissions) {
    if (May(c.session->account.role, p.permission)) {
      may.push_back({std::string(p.description), PermissionPage(p.permission)});
    }
  }
  return c.Page(200, RenderConsoleHome(c.Bar(csrf_), may), "console_home");
}

ConsoleResponse Console::SignOut(Context& c, bool everywhere) {
  if (c.session.has_value() && (!everywhere || c.SignedIn())) {
    const absl::Status s = accounts_.SignOut(*c.session, everywhere);
    if (!s.ok()) {
      return c.Page(
          503,
          RenderConsoleMessage("Sorry, there is a problem with the service",
                               {"Try again later."}),
          "console_sign_out");
    }
    Log(Level::kInfo,
        everywhere ? "web.signed_out_everywhere" : "web.signed_out",
        {{"service", kService}, {"account", c.session->account.id}});
  }
  c.headers.push_back({"Set-Cookie", ClearedSessionCookieHeader()});
  return c.Redirect(everywhere ? kSignedOutEverywherePath : kSignedOutPath,
                    "console_sign_out");
}

ConsoleResponse Console::ConfirmIdentityForm(Context& c) {
  auto it = c.req.query.find(kReturnToField);
  const std::string return_to =
      SafeReturnPath(it == c.req.query.end() ? "" : it->second);
  return c.Page(200, RenderConfirmIdentityPage(c.Bar(csrf_), return_to, {}),
                "console_confirm_identity");
}

ConsoleResponse Console::ConfirmIdentityPost(Context& c) {
  constexpr char kRoute[] = "console_confirm_identity";
  absl::Duration retry_after;
  if (!limiter_.TryAcquire(c.req.client, &retry_after)) {
    return c.Page(
        429,
        RenderConsoleMessage("Sorry, there have been too many attempts",
                             {"Wait a minute, then try again."}),
        kRoute);
  }
  const std::string return_to = SafeReturnPath(Field(c.req, kReturnToField));
  const std::string password = Field(c.req, "password");
  const std::string code = Field(c.req, "code");
  std::vector<ConsoleError> errors;
  if (password.empty()) errors.push_back({"password", "Enter your password"});
  if (code.empty()) errors.push_back({"code", kCodeRefused});
  if (!errors.empty()) {
    return c.Page(422,
                  RenderConfirmIdentityPage(c.Bar(csrf_), return_to, errors),
                  kRoute);
  }
  const AccountRecord& a = c.session->account;
  const absl::Time now = clock_.Now();
  // One Argon2id verification whatever happens next.
  const bool password_ok = VerifyPassword(
      a.password_hash.empty() ? DecoyPasswordHash() : a.password_hash,
      password);
  const bool locked = IsLocked(a.attempts, now);
  std::string outcome;
  if (locked) {
    outcome = "locked";
  } else if (!password_ok || a.password_hash.empty()) {
    outcome = "wrong_password";
  } else {
    absl::StatusOr<int64_t> step =
        CheckTotp(a.totp_secret, code, now, a.totp_last_step);
    absl::Status done = step.status();
    if (step.ok()) done = accounts_.Reauthenticate(c.session->hash, a.id, *step);
    if (done.code() == absl::StatusCode::kPermissionDenied) {
      outcome = "wrong_code";  // no match, or used before
    } else if (!done.ok()) {
      return c.Page(
          503,
          RenderConsoleMessage("Sorry, there is a problem with the service",
                               {"Try again later."}),
          kRoute);
    }
  }
  if (outcome.empty()) {
    Log(Level::kInfo, "web.reauthenticated",
        {{"service", kService}, {"account", a.id}});
    Tell("reauthenticated");
    return c.Redirect(return_to, kRoute);
  }
  bool locked_now = false;
  Refused(a.id, outcome, &locked_now, kAuditReauthenticationFailed);
  if (locked || locked_now) {
    // Locked: this session ends too; the password says no for a while.
    (void)accounts_.SignOut(*c.session, false);
    c.headers.push_back({"Set-Cookie", ClearedSessionCookieHeader()});
    return c.Redirect(kSignInPath, kRoute);
  }
  return c.Page(422,
                RenderConfirmIdentityPage(
                    c.Bar(csrf_), return_to,
                    {{"password", ReauthenticationRefused(policy_)}}),
                kRoute);
}

}  // namespace frontdoor::web
