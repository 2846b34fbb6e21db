#pragma once

// The practitioners' console: sign-in (password, then an authenticator
// code), enrolment with an operator's one-time code, sessions, sign-out
// (here or everywhere) and the signed-in pages' role checks. HTTP-shaped
// but library-free: web_server.cc hands each /console request over as a
// ConsoleRequest and sends the ConsoleResponse.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock/clock.h"
#include "web-svc/accounts.h"
#include "web-svc/console_pages.h"
#include "web-svc/credentials.h"
#include "web-svc/roles.h"
#include "web-svc/sessions.h"
#include "web-svc/web_security.h"

namespace frontdoor::web {

// The session cookie: a random value (kSessionCookieBytes of randomness)
// kept server-side only as its SHA-256. "__Host-": Secure, Path=/, no
// Domain. A session cookie (no expiry): the server ends sessions.
inline constexpr char kSessionCookie[] = "__Host-frontdoor-session";
// The issuer an authenticator app shows beside the account.
inline constexpr char kTotpIssuer[] = "Frontdoor";

struct ConsoleRequest {
  bool post = false;
  // The path without the query, "/console/sign-in".
  std::string path;
  std::string cookie_header;
  // A post's form fields (first value of each).
  std::map<std::string, std::string> form;
  // The query's parameters (first value of each), for the few pages that
  // take one (re-authentication's return-to; a banner's done=). Never
  // personal data: console URLs hold references and codes only.
  std::map<std::string, std::string> query;
  // The client's address, for the per-address limit on sign-in posts.
  std::string client;
};

struct ConsoleResponse {
  int status = 200;
  std::string body;
  // The body's media type; empty for an HTML page. A download (a report's
  // CSV or spreadsheet) names its own, with a Content-Disposition header.
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  // The metrics label of the page ("console_sign_in", ...).
  std::string route;
};

// Whether `path` is the console's.
bool IsConsolePath(std::string_view path);

// A signed-in person's request, as a section of the console sees it: the
// CSRF token of a post has been checked, the session is live.
struct StaffRequest {
  const ConsoleRequest& req;
  const SessionRecord& session;
  // For the page's signed-in bar (holds the CSRF token for its forms).
  SignedInBar bar;
  // The person's account id and role, as named to the services.
  std::string account_id;
  Role role = Role::kUnspecified;
  // Whether an action that needs a recent sign-in (an override, a release)
  // must first send the person to confirm their identity
  // (ReauthenticationDue with the console's policy, now).
  bool reauthentication_due = true;
};

// A group of signed-in pages (the triage queue and assessments, the
// placements, keying a referral...), each in its own file. A section checks
// its own permissions with May() and answers ForbiddenResponse when the
// role may not.
class ConsoleSection {
 public:
  virtual ~ConsoleSection() = default;
  // Whether `path` (without query) is one of this section's pages.
  virtual bool Owns(std::string_view path) const = 0;
  virtual ConsoleResponse Handle(const StaffRequest& r) = 0;
};

// The answers a section gives.
ConsoleResponse PageResponse(int status, std::string body, std::string route);
ConsoleResponse RedirectResponse(const std::string& to, std::string route);
// 403 for a role that may not see `route`'s page; logged with the account
// id and route (never what was asked for).
ConsoleResponse ForbiddenResponse(const StaffRequest& r, std::string route);
// 405 naming the method the page takes ("GET" or "POST").
ConsoleResponse MethodNotAllowedResponse(const char* allowed,
                                         std::string route);
// 404, for a page or a referral that does not exist (or may not be seen).
ConsoleResponse NotFoundResponse(std::string route);
// 503 when a service cannot answer: logged with the route and the status
// code (never the message, which may quote what was sent).
ConsoleResponse ServiceProblemResponse(const absl::Status& status,
                                       std::string route);

// Re-authentication: the page where a signed-in person gives their
// password and authenticator code again, then goes back to the page that
// sent them (named in its return-to query parameter and hidden field).
inline constexpr char kConfirmIdentityPath[] = "/console/confirm-identity";
// `path` when it is one of the console's own pages, a path of the shape
// they have ("/console/" then letters, digits, hyphens and single slashes;
// no query, no dots, not the confirm page itself), else "/console": never a
// way out of the console (no open redirect).
std::string SafeReturnPath(std::string_view path);
// The confirm page's address, coming back to `return_to` (SafeReturnPath).
std::string ConfirmIdentityPath(std::string_view return_to);
// 303 to the confirm page, coming back to this request's page. What a post
// carried is not kept: the page says so.
ConsoleResponse ConfirmIdentityResponse(const StaffRequest& r,
                                        std::string route);

// Where each permission's page is ("" while it is still to come).
std::string PermissionPage(Permission p);

// Told the outcome code of each sign-in step that ends: "signed_in", or a
// refusal's code (the audit's sign_in_failed outcomes), and "locked_out"
// when a failure locks an account; "reauthenticated" when a signed-in
// person confirms their identity (whose refusals count as sign-in's do).
// For metrics: codes only.
using SignInOutcomeSink = std::function<void(const std::string& outcome)>;

class Console {
 public:
  // `limiter` is shared with the forms: sign-in, code and enrolment posts
  // each take a token for the client's address.
  Console(AccountStore& accounts, const CsrfTokens& csrf,
          ClientRateLimiter& limiter, const Clock& clock, SignInPolicy policy,
          SignInOutcomeSink outcomes = nullptr)
      : accounts_(accounts),
        csrf_(csrf),
        limiter_(limiter),
        clock_(clock),
        policy_(policy),
        outcomes_(std::move(outcomes)) {
    // Made now, not on the first unknown name (whose answer would then
    // take longer than a wrong password's).
    (void)DecoyPasswordHash();
  }

  ConsoleResponse Handle(const ConsoleRequest& req);

  // Adds a section of signed-in pages; the first that Owns a path answers
  // it. Before serving.
  void AddSection(std::unique_ptr<ConsoleSection> section) {
    sections_.push_back(std::move(section));
  }

 private:
  struct Context;
  ConsoleResponse SignInForm(Context& c);
  ConsoleResponse SignInPost(Context& c);
  ConsoleResponse CodeForm(Context& c);
  ConsoleResponse CodePost(Context& c);
  ConsoleResponse EnrolForm(Context& c);
  ConsoleResponse EnrolPost(Context& c);
  ConsoleResponse AuthenticatorPage(Context& c,
                                    const std::vector<ConsoleError>& errors,
                                    int status);
  ConsoleResponse AuthenticatorPost(Context& c);
  ConsoleResponse Home(Context& c);
  ConsoleResponse SignOut(Context& c, bool everywhere);
  ConsoleResponse ConfirmIdentityForm(Context& c);
  ConsoleResponse ConfirmIdentityPost(Context& c);

  AccountStore& accounts_;
  const CsrfTokens& csrf_;
  ClientRateLimiter& limiter_;
  const Clock& clock_;
  // Records a refused step (audited as `action`) and tells outcomes_.
  void Refused(const std::string& account_id, const std::string& outcome,
               bool* locked_now,
               std::string_view action = kAuditSignInFailed);
  void Tell(const std::string& outcome) {
    if (outcomes_) outcomes_(outcome);
  }

  const SignInPolicy policy_;
  const SignInOutcomeSink outcomes_;
  std::vector<std::unique_ptr<ConsoleSection>> sections_;
};

}  // namespace frontdoor::web
