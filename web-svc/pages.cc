#include "web-svc/pages.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "kainjow/mustache.hpp"
#include "web-svc/page_parts.h"

namespace frontdoor::web {
namespace {

using kainjow::mustache::data;
using kainjow::mustache::mustache;

// The tab's title is neutral on every page: someone glancing at the screen
// or the browser's tabs learns nothing.
constexpr char kNeutralTitle[] = "Get support";

constexpr char kLayout[] = R"(<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
<meta charset="utf-8">
<title>{{#error}}Error: {{/error}}{{title}}</title>
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
<a href="/" class="govuk-header__link govuk-header__service-name">{{title}}</a>
</div>
</div>
</header>
<div class="govuk-width-container">
<div class="govuk-exit-this-page" data-module="govuk-exit-this-page">
<a href="{{exit_url}}" role="button" draggable="false" class="govuk-button govuk-button--warning govuk-exit-this-page__button govuk-js-exit-this-page-button" data-module="govuk-button" rel="nofollow noreferrer" id="quick-exit"><span class="govuk-visually-hidden">Emergency</span> Exit this page</a>
</div>
<main class="govuk-main-wrapper" id="main-content">
{{{body}}}
</main>
</div>
<footer class="govuk-footer">
<div class="govuk-width-container">
<div class="govuk-footer__meta">
<div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
<p class="govuk-body-s">If you are in danger now, call 999. If you cannot speak, call 999 and press 55 when asked.</p>
<p class="govuk-body-s">To leave this site quickly, use the Exit this page button or press the Shift key 3 times.</p>
</div>
</div>
</div>
</footer>
</body>
</html>
)";

constexpr char kErrorSummary[] = R"({{#has_errors}}<div class="govuk-error-summary" data-module="govuk-error-summary">
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

// A component's error message, inside its form group.
constexpr char kErrorMessage[] =
    R"({{#error}}<p id="{{id}}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {{error}}</p>
{{/error}})";

constexpr char kInput[] = R"(<div class="govuk-form-group{{#error}} govuk-form-group--error{{/error}}">
<label class="govuk-label" for="{{id}}">{{label}}</label>
{{#hint}}<div id="{{id}}-hint" class="govuk-hint">{{hint}}</div>
{{/hint}}{{> error_message}}<input class="govuk-input{{#width}} {{width}}{{/width}}{{#error}} govuk-input--error{{/error}}" id="{{id}}" name="{{id}}" type="{{type}}" value="{{value}}" maxlength="{{maxlength}}" spellcheck="false"{{#autocomplete}} autocomplete="{{autocomplete}}"{{/autocomplete}}{{#describedby}} aria-describedby="{{describedby}}"{{/describedby}}>
</div>
)";

constexpr char kTextarea[] = R"(<div class="govuk-form-group{{#error}} govuk-form-group--error{{/error}}">
<h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--m" for="{{id}}">{{label}}</label></h2>
{{#hint}}<div id="{{id}}-hint" class="govuk-hint">{{hint}}</div>
{{/hint}}{{> error_message}}<textarea class="govuk-textarea{{#error}} govuk-textarea--error{{/error}}" id="{{id}}" name="{{id}}" rows="8" maxlength="{{maxlength}}"{{#describedby}} aria-describedby="{{describedby}}"{{/describedby}}>{{value}}</textarea>
</div>
)";

constexpr char kYesNo[] = R"(<div class="govuk-form-group{{#error}} govuk-form-group--error{{/error}}">
<fieldset class="govuk-fieldset"{{#describedby}} aria-describedby="{{describedby}}"{{/describedby}}>
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{{label}}</legend>
{{#hint}}<div id="{{id}}-hint" class="govuk-hint">{{hint}}</div>
{{/hint}}{{> error_message}}<div class="govuk-radios govuk-radios--inline" data-module="govuk-radios">
<div class="govuk-radios__item">
<input class="govuk-radios__input" id="{{id}}" name="{{id}}" type="radio" value="yes"{{#yes}} checked{{/yes}}>
<label class="govuk-label govuk-radios__label" for="{{id}}">Yes</label>
</div>
<div class="govuk-radios__item">
<input class="govuk-radios__input" id="{{id}}-no" name="{{id}}" type="radio" value="no"{{#no}} checked{{/no}}>
<label class="govuk-label govuk-radios__label" for="{{id}}-no">No</label>
</div>
</div>
</fieldset>
</div>
)";

constexpr char kDate[] = R"(<div class="govuk-form-group{{#error}} govuk-form-group--error{{/error}}">
<fieldset class="govuk-fieldset" role="group" aria-describedby="{{prefix}}-hint{{#error}} {{id}}-error{{/error}}">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{{label}}</legend>
<div id="{{prefix}}-hint" class="govuk-hint">For example, 27 3 1990</div>
{{> error_message}}<div class="govuk-date-input" id="{{prefix}}">
<div class="govuk-date-input__item"><div class="govuk-form-group">
<label class="govuk-label govuk-date-input__label" for="{{prefix}}-day">Day</label>
<input class="govuk-input govuk-date-input__input govuk-input--width-2{{#error}} govuk-input--error{{/error}}" id="{{prefix}}-day" name="{{prefix}}-day" type="text" inputmode="numeric" maxlength="2" value="{{day}}"{{#autocomplete}} autocomplete="{{autocomplete}}-day"{{/autocomplete}}>
</div></div>
<div class="govuk-date-input__item"><div class="govuk-form-group">
<label class="govuk-label govuk-date-input__label" for="{{prefix}}-month">Month</label>
<input class="govuk-input govuk-date-input__input govuk-input--width-2{{#error}} govuk-input--error{{/error}}" id="{{prefix}}-month" name="{{prefix}}-month" type="text" inputmode="numeric" maxlength="2" value="{{month}}"{{#autocomplete}} autocomplete="{{autocomplete}}-month"{{/autocomplete}}>
</div></div>
<div class="govuk-date-input__item"><div class="govuk-form-group">
<label class="govuk-label govuk-date-input__label" for="{{prefix}}-year">Year</label>
<input class="govuk-input govuk-date-input__input govuk-input--width-4{{#error}} govuk-input--error{{/error}}" id="{{prefix}}-year" name="{{prefix}}-year" type="text" inputmode="numeric" maxlength="4" value="{{year}}"{{#autocomplete}} autocomplete="{{autocomplete}}-year"{{/autocomplete}}>
</div></div>
</div>
</fieldset>
</div>
)";

constexpr char kCheckboxes[] = R"(<div class="govuk-form-group{{#error}} govuk-form-group--error{{/error}}">
<fieldset class="govuk-fieldset" aria-describedby="needs-hint{{#error}} {{id}}-error{{/error}}">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">{{legend}}</h2></legend>
<div id="needs-hint" class="govuk-hint">Select all that apply. You do not have to answer.</div>
{{> error_message}}<div class="govuk-checkboxes" data-module="govuk-checkboxes">
{{#boxes}}<div class="govuk-checkboxes__item">
<input class="govuk-checkboxes__input" id="{{name}}" name="{{name}}" type="checkbox" value="yes"{{#checked}} checked{{/checked}}>
<label class="govuk-label govuk-checkboxes__label" for="{{name}}">{{label}}</label>
</div>
{{/boxes}}</div>
</fieldset>
</div>
)";

constexpr char kStart[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">Get support</h1>
<p class="govuk-body">You can ask for support for yourself if someone close to you is hurting, frightening or controlling you. This can be a partner, an ex-partner or a family member.</p>
<p class="govuk-body">We will ask how to contact you safely. We will only call or leave a message if you tell us it is safe.</p>
<p class="govuk-body">It takes about 10 minutes. Nothing you type is kept in your browser.</p>
<div class="govuk-warning-text">
<span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> If you are in danger now, call 999.</strong>
</div>
<a href="/self-referral" role="button" draggable="false" class="govuk-button govuk-button--start" data-module="govuk-button">Start now
<svg class="govuk-button__start-icon" xmlns="http://www.w3.org/2000/svg" width="17.5" height="19" viewBox="0 0 33 40" aria-hidden="true" focusable="false"><path fill="currentColor" d="M0 0h13l20 20-20 20H0l20-20z"/></svg></a>
{{#professional}}<h2 class="govuk-heading-m">If you are a professional</h2>
<p class="govuk-body">If you work for a school, GP practice, housing provider, charity, the police, the NHS or a council, <a class="govuk-link" href="/professional">make a referral as a professional</a>.</p>
{{/professional}}</div></div>
)";

constexpr char kSelfReferral[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{error_summary}}}<h1 class="govuk-heading-l">Ask for support for yourself</h1>
<p class="govuk-body">Answer what you can. Questions marked optional can be left blank.</p>
<form method="post" action="/self-referral" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
<input type="hidden" name="form-token" value="{{form_token}}">
<div class="frontdoor-honeypot" aria-hidden="true">
<label for="website">Leave this blank</label>
<input id="website" name="website" type="text" tabindex="-1" autocomplete="off">
</div>
<h2 class="govuk-heading-m">About you</h2>
{{{given_names}}}{{{family_name}}}{{{dob}}}
<h2 class="govuk-heading-m">Where you live</h2>
{{{address_line_1}}}{{{address_line_2}}}{{{address_town}}}{{{address_postcode}}}
<h2 class="govuk-heading-m">How to contact you safely</h2>
<p class="govuk-body">Give a phone number or an email address, or both. Only give an email address that nobody else can read.</p>
{{{phone}}}{{{email}}}{{{safe_to_call}}}{{{safe_to_leave_message}}}{{{safe_times}}}
{{{concerns}}}
<h2 class="govuk-heading-m">Children</h2>
{{{children}}}
<p class="govuk-body">If children live with you, tell us about each of them.</p>
{{{child_blocks}}}{{{needs}}}
<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true">Send</button>
</form>
</div></div>
)";

constexpr char kReceipt[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<div class="govuk-panel govuk-panel--confirmation">
<h1 class="govuk-panel__title">Your request has been sent</h1>
<div class="govuk-panel__body">Your reference<br><strong id="reference">{{reference}}</strong></div>
</div>
<h2 class="govuk-heading-m">What happens next</h2>
<p class="govuk-body">Someone from the support service will contact you, only in the ways and at the times you told us are safe.</p>
<p class="govuk-body">If you need to talk to us about this request, give the reference above. You do not need to write it down if that is not safe for you.</p>
<p class="govuk-body">If you are in danger now, call 999.</p>
</div></div>
)";

constexpr char kMessagePage[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">{{heading}}</h1>
{{#paragraphs}}<p class="govuk-body">{{.}}</p>
{{/paragraphs}}<p class="govuk-body"><a class="govuk-link" href="/">Go to the start</a></p>
</div></div>
)";

// Renders `tmpl` (with the shared partials) or aborts: the templates are
// constants of this file, so a broken one is a programming error that every
// test of the pages finds.
std::string Render(const char* tmpl, data d) {
  d.set("error_message", kainjow::mustache::partial([] {
          return std::string(kErrorMessage);
        }));
  mustache m{std::string(tmpl)};
  if (!m.is_valid()) std::abort();
  std::string out = m.render(d);
  if (!m.is_valid()) std::abort();
  return out;
}

std::string Layout(const PageContext& ctx, const std::string& body,
                   bool error) {
  data d;
  d.set("title", std::string(kNeutralTitle));
  d.set("exit_url", ctx.quick_exit_url);
  d.set("body", body);
  d.set("error", error);
  return Render(kLayout, d);
}

std::string MessagePage(const PageContext& ctx, const std::string& heading,
                        std::vector<std::string> paragraphs) {
  data d;
  d.set("heading", heading);
  data list{data::type::list};
  for (auto& p : paragraphs) list.push_back(data(p));
  d.set("paragraphs", list);
  return Layout(ctx, Render(kMessagePage, d), false);
}

std::string Value(const FormValues& values, const std::string& name) {
  auto it = values.find(name);
  return it == values.end() ? std::string() : it->second;
}

std::string ErrorFor(const std::vector<FormError>& errors,
                     const std::string& field) {
  for (const FormError& e : errors) {
    if (e.field == field) return e.message;
  }
  return "";
}

std::string Input(const SelfReferralView& v, const InputSpec& s) {
  data d;
  d.set("id", s.id);
  d.set("label", s.label);
  if (!s.hint.empty()) d.set("hint", s.hint);
  if (!s.autocomplete.empty()) d.set("autocomplete", s.autocomplete);
  if (!s.width.empty()) d.set("width", s.width);
  d.set("type", s.type);
  d.set("maxlength", std::to_string(s.maxlength));
  d.set("value", Value(v.values, s.id));
  const std::string error = ErrorFor(v.errors, s.id);
  std::string describedby = s.hint.empty() ? "" : s.id + "-hint";
  if (!error.empty()) {
    d.set("error", error);
    describedby = absl::StrCat(describedby, describedby.empty() ? "" : " ",
                               s.id, "-error");
  }
  if (!describedby.empty()) d.set("describedby", describedby);
  return Render(kInput, d);
}

std::string Textarea(const SelfReferralView& v, const std::string& id,
                     const std::string& label, const std::string& hint,
                     int maxlength) {
  data d;
  d.set("id", id);
  d.set("label", label);
  d.set("hint", hint);
  d.set("maxlength", std::to_string(maxlength));
  d.set("value", Value(v.values, id));
  const std::string error = ErrorFor(v.errors, id);
  std::string describedby = id + "-hint";
  if (!error.empty()) {
    d.set("error", error);
    describedby += " " + id + "-error";
  }
  d.set("describedby", describedby);
  return Render(kTextarea, d);
}

std::string YesNo(const SelfReferralView& v, const std::string& id,
                  const std::string& label, const std::string& hint) {
  data d;
  d.set("id", id);
  d.set("label", label);
  if (!hint.empty()) d.set("hint", hint);
  const std::string value = Value(v.values, id);
  d.set("yes", value == "yes");
  d.set("no", value == "no");
  const std::string error = ErrorFor(v.errors, id);
  std::string describedby = hint.empty() ? "" : id + "-hint";
  if (!error.empty()) {
    d.set("error", error);
    describedby = absl::StrCat(describedby, describedby.empty() ? "" : " ",
                               id, "-error");
  }
  if (!describedby.empty()) d.set("describedby", describedby);
  return Render(kYesNo, d);
}

std::string Date(const SelfReferralView& v, const std::string& prefix,
                 const std::string& label, const std::string& autocomplete) {
  data d;
  d.set("prefix", prefix);
  d.set("id", prefix + "-day");
  d.set("label", label);
  d.set("day", Value(v.values, prefix + "-day"));
  d.set("month", Value(v.values, prefix + "-month"));
  d.set("year", Value(v.values, prefix + "-year"));
  if (!autocomplete.empty()) d.set("autocomplete", autocomplete);
  const std::string error = ErrorFor(v.errors, prefix + "-day");
  if (!error.empty()) d.set("error", error);
  return Render(kDate, d);
}

std::string Needs(const SelfReferralView& v, const std::string& legend) {
  static const std::pair<const char*, const char*> kBoxes[] = {
      {"need-lgbtq", "Someone who understands LGBTQ+ people's experience"},
      {"need-male", "Someone who supports men"},
      {"need-older", "Someone who supports older people"},
      {"need-disabled", "Someone who supports disabled people"},
      {"need-racially-minoritised",
       "Someone who understands the experience of Black and minoritised "
       "people"},
  };
  data d;
  d.set("legend", legend);
  d.set("id", std::string(kBoxes[0].first));
  data boxes{data::type::list};
  for (const auto& [name, label] : kBoxes) {
    data b;
    b.set("name", std::string(name));
    b.set("label", std::string(label));
    b.set("checked", Value(v.values, name) == "yes");
    boxes.push_back(b);
  }
  d.set("boxes", boxes);
  const std::string error = ErrorFor(v.errors, kBoxes[0].first);
  if (!error.empty()) d.set("error", error);
  return Render(kCheckboxes, d);
}

}  // namespace

std::string RenderStartPage(const PageContext& ctx) {
  data d;
  d.set("professional", ctx.professional_forms);
  return Layout(ctx, Render(kStart, d), false);
}

std::string RenderSelfReferralPage(const PageContext& ctx,
                                   const SelfReferralView& v) {
  data d;
  d.set("error_summary", parts::ErrorSummary(v.errors));
  d.set("csrf_token", v.csrf_token);
  d.set("form_token", v.form_token);
  d.set("given_names", Input(v, {"given-names", "First name", "", "given-name",
                                 "govuk-!-width-two-thirds"}));
  d.set("family_name", Input(v, {"family-name", "Last name", "", "family-name",
                                 "govuk-!-width-two-thirds"}));
  d.set("dob", Date(v, "dob", "Date of birth", "bday"));
  d.set("address_line_1",
        Input(v, {"address-line-1", "Address line 1 (optional)", "",
                  "address-line1", ""}));
  d.set("address_line_2",
        Input(v, {"address-line-2", "Address line 2 (optional)", "",
                  "address-line2", ""}));
  d.set("address_town", Input(v, {"address-town", "Town or city (optional)", "",
                                  "address-level2", "govuk-!-width-two-thirds",
                                  "text", 100}));
  d.set("address_postcode",
        Input(v, {"address-postcode", "Postcode",
                  "We use it to find the support service for your area",
                  "postal-code", "govuk-input--width-10", "text", 10}));
  d.set("phone", Input(v, {"phone", "Phone number (optional)", "", "tel",
                           "govuk-input--width-20", "tel", 40}));
  d.set("email", Input(v, {"email", "Email address (optional)", "", "email",
                           "", "email", 254}));
  d.set("safe_to_call", YesNo(v, "safe-to-call", "Is it safe for us to call you?",
                              ""));
  d.set("safe_to_leave_message",
        YesNo(v, "safe-to-leave-message",
              "Is it safe for us to leave a message?",
              "For example a voicemail, a text message or an email"));
  d.set("safe_times",
        Textarea(v, "safe-times", "When is it safe to contact you? (optional)",
                 "For example, weekdays between 10am and 12pm", 500));
  d.set("concerns",
        Textarea(v, "concerns", "What is happening?",
                 "Tell us as much or as little as you want to", 10000));
  d.set("children", YesNo(v, "children", "Do any children live with you?", ""));
  d.set("child_blocks", parts::ChildBlocks(v, "/self-referral"));
  d.set("needs",
        Needs(v, "Would you like support from someone who understands your "
                 "situation?"));
  return Layout(ctx, Render(kSelfReferral, d), !v.errors.empty());
}

std::string RenderReceiptPage(const PageContext& ctx,
                              const std::string& reference) {
  data d;
  d.set("reference", reference);
  return Layout(ctx, Render(kReceipt, d), false);
}

std::string RenderTooManyRequestsPage(const PageContext& ctx) {
  return MessagePage(
      ctx, "Sorry, there have been too many attempts",
      {"Too many forms have been sent from your connection in a short time.",
       "Wait a minute, then try again. Nothing you typed has been kept.",
       "If you are in danger now, call 999."});
}

std::string RenderProblemPage(const PageContext& ctx) {
  return MessagePage(ctx, "Sorry, there is a problem with the service",
                     {"Try again later. Nothing you typed has been kept.",
                      "If you are in danger now, call 999."});
}

std::string RenderNotFoundPage(const PageContext& ctx) {
  return MessagePage(ctx, "Page not found",
                     {"If you typed the web address, check it is correct."});
}

std::string RenderFormExpiredPage(const PageContext& ctx) {
  return MessagePage(
      ctx, "Sorry, this form has expired",
      {"For your security, forms only work in the browser window they were "
       "opened in. Nothing you typed has been kept.",
       "Start again from the beginning."});
}

std::string RenderAlreadySentPage(const PageContext& ctx) {
  return MessagePage(ctx, "You have already sent this form",
                     {"We have your request. To send a new one, start again "
                      "from the beginning."});
}


// The building blocks, for the other forms' pages (page_parts.h).
namespace parts {

std::string Render(const char* tmpl, kainjow::mustache::data d) {
  return web::Render(tmpl, std::move(d));
}

std::string Layout(const PageContext& ctx, const std::string& body,
                   bool error) {
  return web::Layout(ctx, body, error);
}

std::string ErrorSummary(const std::vector<FormError>& errors) {
  data summary;
  summary.set("has_errors", !errors.empty());
  data list{data::type::list};
  for (const FormError& e : errors) {
    data item;
    item.set("field", e.field);
    item.set("message", e.message);
    list.push_back(item);
  }
  summary.set("errors", list);
  return web::Render(kErrorSummary, summary);
}

std::string Input(const FormView& v, const InputSpec& spec) {
  return web::Input(v, spec);
}

std::string Textarea(const FormView& v, const std::string& id,
                     const std::string& label, const std::string& hint,
                     int maxlength) {
  return web::Textarea(v, id, label, hint, maxlength);
}

std::string YesNo(const FormView& v, const std::string& id,
                  const std::string& label, const std::string& hint) {
  return web::YesNo(v, id, label, hint);
}

std::string Date(const FormView& v, const std::string& prefix,
                 const std::string& label, const std::string& autocomplete) {
  return web::Date(v, prefix, label, autocomplete);
}

std::string Needs(const FormView& v, const std::string& legend) {
  return web::Needs(v, legend);
}

}  // namespace parts

}  // namespace frontdoor::web
