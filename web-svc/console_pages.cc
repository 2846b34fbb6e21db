#include "web-svc/console_pages.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "kainjow/mustache.hpp"

namespace frontdoor::web {
namespace {

using kainjow::mustache::data;
using kainjow::mustache::mustache;

constexpr char kLayout[] = R"(<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
<meta charset="utf-8">
<title>{{#error}}Error: {{/error}}{{heading}} – {{service}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="/assets/images/favicon.ico" sizes="48x48">
<link rel="stylesheet" href="/assets/govuk-frontend.min.css">
<link rel="stylesheet" href="/assets/web.css">
<script type="module" src="/assets/web.js"></script>
</head>
<body class="govuk-template__body">
<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
<header class="govuk-header" data-module="govuk-header">
<div class="govuk-header__container govuk-width-container">
<div class="govuk-header__content">
<a href="/console" class="govuk-header__link govuk-header__service-name">{{service}}</a>
</div>
</div>
</header>
<div class="govuk-width-container">
<main class="govuk-main-wrapper" id="main-content">
{{#bar}}<div class="govuk-grid-row frontdoor-signed-in">
<div class="govuk-grid-column-two-thirds">
<p class="govuk-body-s" id="signed-in-as">Signed in as <strong>{{display_name}}</strong>, {{role_title}}</p>
</div>
<div class="govuk-grid-column-one-third">
<form method="post" action="/console/sign-out" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
<button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-2" data-module="govuk-button" id="sign-out">Sign out</button>
</form>
</div>
</div>
{{/bar}}{{{body}}}
</main>
</div>
<footer class="govuk-footer">
<div class="govuk-width-container">
<div class="govuk-footer__meta">
<div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
<p class="govuk-body-s">For staff of the domestic abuse services only. Every sign-in and every page you use is recorded.</p>
</div>
</div>
</div>
</footer>
</body>
</html>
)";

constexpr char kErrorSummary[] =
    R"({{#has_errors}}<div class="govuk-error-summary" data-module="govuk-error-summary">
<div role="alert">
<h2 class="govuk-error-summary__title">There is a problem</h2>
<div class="govuk-error-summary__body">
<ul class="govuk-list govuk-error-summary__list">
{{#errors}}<li><a href="#{{field}}">{{message}}</a></li>
{{/errors}}</ul>
</div>
</div>
</div>
{{/has_errors}})";

// One text input with its label, hint and error (GOV.UK's pattern).
constexpr char kInput[] =
    R"(<div class="govuk-form-group{{#error}} govuk-form-group--error{{/error}}">
<label class="govuk-label govuk-label--s" for="{{id}}">{{label}}</label>
{{#hint}}<div id="{{id}}-hint" class="govuk-hint">{{hint}}</div>
{{/hint}}{{#error}}<p id="{{id}}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {{error}}</p>
{{/error}}<input class="govuk-input {{width}}{{#error}} govuk-input--error{{/error}}" id="{{id}}" name="{{id}}" type="{{type}}" value="{{value}}" spellcheck="false" autocomplete="{{autocomplete}}"{{#numeric}} inputmode="numeric"{{/numeric}}{{#describedby}} aria-describedby="{{describedby}}"{{/describedby}}>
</div>
)";

constexpr char kSignIn[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{summary}}}{{#notice}}<div class="govuk-inset-text" id="notice">{{notice}}</div>
{{/notice}}<h1 class="govuk-heading-l">Sign in</h1>
<form method="post" action="/console/sign-in" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{username}}}{{{password}}}<button type="submit" class="govuk-button" data-module="govuk-button" id="continue">Continue</button>
</form>
<p class="govuk-body">New to the console? <a class="govuk-link" href="/console/enrol">Set up your account</a> with the code an operator gave you.</p>
</div></div>
)";

constexpr char kCode[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{summary}}}<h1 class="govuk-heading-l">Enter the code from your authenticator app</h1>
<form method="post" action="/console/sign-in/code" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{code}}}<button type="submit" class="govuk-button" data-module="govuk-button" id="continue">Sign in</button>
</form>
<p class="govuk-body">If you have lost your authenticator, ask an operator to reset your account.</p>
</div></div>
)";

constexpr char kEnrol[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{summary}}}<h1 class="govuk-heading-l">Set up your account</h1>
<p class="govuk-body">Use the username and the one-time enrolment code an operator gave you. The code works once.</p>
<form method="post" action="/console/enrol" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{username}}}{{{code}}}{{{password}}}{{{confirm}}}<button type="submit" class="govuk-button" data-module="govuk-button" id="continue">Continue</button>
</form>
</div></div>
)";

constexpr char kAuthenticator[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{summary}}}<h1 class="govuk-heading-l">Set up your authenticator app</h1>
<p class="govuk-body">Each time you sign in, you will also need a code from an authenticator app on your work phone.</p>
<ol class="govuk-list govuk-list--number">
<li>Open your authenticator app and add an account.</li>
<li>Scan this QR code, or type in the key below it.</li>
<li>Enter the 6-digit code the app shows.</li>
</ol>
<div class="govuk-!-margin-bottom-4">{{{qr}}}</div>
<p class="govuk-body">Key: <code class="govuk-!-font-size-24" id="totp-secret">{{secret}}</code></p>
<form method="post" action="/console/enrol/authenticator" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{code}}}<button type="submit" class="govuk-button" data-module="govuk-button" id="continue">Continue</button>
</form>
</div></div>
)";

constexpr char kHome[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">Your work</h1>
<p class="govuk-body">As a <strong id="role">{{role_title}}</strong> you may:</p>
<ul class="govuk-list govuk-list--bullet" id="may">
{{#may}}<li>{{#href}}<a class="govuk-link" href="{{href}}">{{text}}</a>{{/href}}{{^href}}{{text}}{{/href}}</li>
{{/may}}</ul>
<h2 class="govuk-heading-m">Signed in somewhere else?</h2>
<p class="govuk-body">If you left the console open on another computer, or think someone else has used your account, sign out everywhere. Then tell an operator.</p>
<form method="post" action="/console/sign-out-everywhere" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" id="sign-out-everywhere">Sign out everywhere</button>
</form>
</div></div>
)";

constexpr char kConfirmIdentity[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{summary}}}<h1 class="govuk-heading-l">Confirm it is you</h1>
<p class="govuk-body">Overriding a decision and releasing a place need your password and a code from your authenticator app, given in the last few minutes.</p>
<div class="govuk-warning-text">
<span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>Anything you had typed on the page before has not been kept. You will need to enter it again.</strong>
</div>
<form method="post" action="/console/confirm-identity" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
<input type="hidden" name="return-to" value="{{return_to}}">
{{{password}}}{{{code}}}<button type="submit" class="govuk-button" data-module="govuk-button" id="confirm-identity">Continue</button>
</form>
<p class="govuk-body"><a class="govuk-link" href="/console">Cancel and go to your work</a></p>
</div></div>
)";

constexpr char kMessage[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">{{heading}}</h1>
{{#paragraphs}}<p class="govuk-body">{{.}}</p>
{{/paragraphs}}{{#link}}<p class="govuk-body"><a class="govuk-link" href="{{href}}">{{text}}</a></p>
{{/link}}</div></div>
)";

std::string Render(const char* tmpl, const data& d) {
  mustache m{std::string(tmpl)};
  if (!m.is_valid()) std::abort();
  std::string out = m.render(d);
  if (!m.is_valid()) std::abort();
  return out;
}

data Bar(const SignedInBar& bar) {
  data b;
  b.set("display_name", bar.display_name);
  b.set("role_title", bar.role_title);
  b.set("csrf_token", bar.csrf_token);
  return b;
}

std::string Layout(const std::string& heading, const std::string& body,
                   bool error, const SignedInBar* bar) {
  data d;
  d.set("service", std::string(kConsoleName));
  d.set("heading", heading);
  d.set("body", body);
  d.set("error", error);
  if (bar != nullptr) d.set("bar", Bar(*bar));
  return Render(kLayout, d);
}

std::string Summary(const std::vector<ConsoleError>& errors) {
  data d;
  d.set("has_errors", !errors.empty());
  data list{data::type::list};
  for (const ConsoleError& e : errors) {
    data item;
    item.set("field", e.field);
    item.set("message", e.message);
    list.push_back(item);
  }
  d.set("errors", list);
  return Render(kErrorSummary, d);
}

struct Field {
  std::string id;
  std::string label;
  std::string hint;
  std::string type = "text";
  std::string autocomplete;
  std::string width;
  bool numeric = false;
};

std::string Input(const Field& f, const std::string& value,
                  const std::vector<ConsoleError>& errors) {
  std::string error;
  for (const ConsoleError& e : errors) {
    if (e.field == f.id) error = e.message;
  }
  data d;
  d.set("id", f.id);
  d.set("label", f.label);
  d.set("type", f.type);
  d.set("value", value);
  d.set("autocomplete", f.autocomplete);
  d.set("width", f.width);
  d.set("numeric", f.numeric);
  if (!f.hint.empty()) d.set("hint", f.hint);
  if (!error.empty()) d.set("error", error);
  std::string describedby;
  if (!f.hint.empty()) describedby = f.id + "-hint";
  if (!error.empty()) {
    describedby += (describedby.empty() ? "" : " ") + f.id + "-error";
  }
  if (!describedby.empty()) d.set("describedby", describedby);
  return Render(kInput, d);
}

const Field kUsernameField{"username", "Username", "",
                           "text",     "username", "govuk-!-width-two-thirds"};
const Field kCodeField{"code",
                       "Code",
                       "The 6-digit code your authenticator app shows now",
                       "text",
                       "one-time-code",
                       "govuk-input--width-10",
                       true};

}  // namespace

std::string RenderSignInPage(const std::string& csrf_token,
                             const std::string& username,
                             const std::vector<ConsoleError>& errors,
                             const std::string& notice) {
  data d;
  d.set("summary", Summary(errors));
  d.set("csrf_token", csrf_token);
  if (!notice.empty()) d.set("notice", notice);
  d.set("username", Input(kUsernameField, username, errors));
  d.set("password", Input({"password", "Password", "", "password",
                           "current-password", "govuk-!-width-two-thirds"},
                          "", errors));
  return Layout("Sign in", Render(kSignIn, d), !errors.empty(), nullptr);
}

std::string RenderCodePage(const std::string& csrf_token,
                           const std::vector<ConsoleError>& errors) {
  data d;
  d.set("summary", Summary(errors));
  d.set("csrf_token", csrf_token);
  d.set("code", Input(kCodeField, "", errors));
  return Layout("Enter your code", Render(kCode, d), !errors.empty(), nullptr);
}

std::string RenderEnrolPage(const std::string& csrf_token,
                            const std::string& username,
                            const std::vector<ConsoleError>& errors) {
  data d;
  d.set("summary", Summary(errors));
  d.set("csrf_token", csrf_token);
  d.set("username", Input(kUsernameField, username, errors));
  d.set("code", Input({"enrolment-code", "Enrolment code",
                       "The code an operator gave you", "text", "off",
                       "govuk-!-width-two-thirds"},
                      "", errors));
  d.set("password",
        Input({"new-password", "Create a password",
               "12 characters or more. A few unrelated words are easy to "
               "remember and hard to guess.",
               "password", "new-password", "govuk-!-width-two-thirds"},
              "", errors));
  d.set("confirm",
        Input({"confirm-password", "Confirm your password", "", "password",
               "new-password", "govuk-!-width-two-thirds"},
              "", errors));
  return Layout("Set up your account", Render(kEnrol, d), !errors.empty(),
                nullptr);
}

std::string RenderAuthenticatorPage(const std::string& csrf_token,
                                    const std::string& qr_svg,
                                    const std::string& secret,
                                    const std::vector<ConsoleError>& errors) {
  data d;
  d.set("summary", Summary(errors));
  d.set("csrf_token", csrf_token);
  d.set("qr", qr_svg);
  d.set("secret", secret);
  d.set("code", Input(kCodeField, "", errors));
  return Layout("Set up your authenticator app", Render(kAuthenticator, d),
                !errors.empty(), nullptr);
}

std::string RenderConsoleHome(const SignedInBar& bar,
                              const std::vector<ConsoleLink>& may) {
  data d;
  d.set("role_title", bar.role_title);
  d.set("csrf_token", bar.csrf_token);
  data list{data::type::list};
  for (const ConsoleLink& l : may) {
    data item;
    item.set("text", l.text);
    if (!l.href.empty()) item.set("href", l.href);
    list.push_back(item);
  }
  d.set("may", list);
  return Layout("Your work", Render(kHome, d), false, &bar);
}

std::string RenderConsoleForbidden(const SignedInBar& bar) {
  data d;
  d.set("heading", std::string("You cannot see this page"));
  data paragraphs{data::type::list};
  paragraphs.push_back(data(
      "Your role does not allow it. If you need it for your work, ask your "
      "team leader."));
  d.set("paragraphs", paragraphs);
  data link;
  link.set("href", std::string("/console"));
  link.set("text", std::string("Back to your work"));
  d.set("link", link);
  return Layout("You cannot see this page", Render(kMessage, d), false, &bar);
}

std::string RenderSignedOutPage(bool everywhere) {
  data d;
  const std::string heading = everywhere ? "You have been signed out everywhere"
                                         : "You have signed out";
  d.set("heading", heading);
  data paragraphs{data::type::list};
  if (everywhere) {
    paragraphs.push_back(data(std::string(
        "Every browser that was signed in to your account has been signed "
        "out.")));
  }
  d.set("paragraphs", paragraphs);
  data link;
  link.set("href", std::string("/console/sign-in"));
  link.set("text", std::string("Sign in again"));
  d.set("link", link);
  return Layout(heading, Render(kMessage, d), false, nullptr);
}

std::string RenderConsolePage(const SignedInBar& bar,
                              const std::string& heading,
                              const std::string& body, bool error) {
  return Layout(heading, body, error, &bar);
}

std::string RenderConsoleErrorSummary(const std::vector<ConsoleError>& errors) {
  return Summary(errors);
}

std::string RenderConfirmIdentityPage(const SignedInBar& bar,
                                      const std::string& return_to,
                                      const std::vector<ConsoleError>& errors) {
  data d;
  d.set("summary", Summary(errors));
  d.set("csrf_token", bar.csrf_token);
  d.set("return_to", return_to);
  d.set("password", Input({"password", "Password", "", "password",
                           "current-password", "govuk-!-width-two-thirds"},
                          "", errors));
  d.set("code", Input(kCodeField, "", errors));
  return Layout("Confirm it is you", Render(kConfirmIdentity, d),
                !errors.empty(), &bar);
}

std::string RenderConsoleMessage(const std::string& heading,
                                 const std::vector<std::string>& paragraphs) {
  data d;
  d.set("heading", heading);
  data list{data::type::list};
  for (const std::string& p : paragraphs) list.push_back(data(p));
  d.set("paragraphs", list);
  // Shown signed in or out: the console's home is the way on for both (it
  // sends a signed-out person to sign in).
  data link;
  link.set("href", std::string("/console"));
  link.set("text", std::string("Go to the console"));
  d.set("link", link);
  return Layout(heading, Render(kMessage, d), false, nullptr);
}

const char* MonthName(int month) {
  static constexpr const char* kMonths[] = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  return month >= 1 && month <= 12 ? kMonths[month - 1] : "";
}

std::string DayText(absl::CivilDay day) {
  return absl::StrCat(day.day(), " ", MonthName(day.month()), " ", day.year());
}

}  // namespace frontdoor::web
