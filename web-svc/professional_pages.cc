#include "web-svc/professional_pages.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "web-svc/page_parts.h"

namespace frontdoor::web {
namespace {

using kainjow::mustache::data;

constexpr char kRadios[] = R"(<div class="govuk-form-group{{#error}} govuk-form-group--error{{/error}}">
<fieldset class="govuk-fieldset"{{#describedby}} aria-describedby="{{describedby}}"{{/describedby}}>
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{{legend}}</legend>
{{#hint}}<div id="{{id}}-hint" class="govuk-hint">{{hint}}</div>
{{/hint}}{{> error_message}}<div class="govuk-radios{{#inline}} govuk-radios--inline{{/inline}}" data-module="govuk-radios">
{{#options}}<div class="govuk-radios__item">
<input class="govuk-radios__input" id="{{input_id}}" name="{{name}}" type="radio" value="{{value}}"{{#checked}} checked{{/checked}}>
<label class="govuk-label govuk-radios__label" for="{{input_id}}">{{label}}</label>
</div>
{{/options}}</div>
</fieldset>
</div>
)";

constexpr char kChildBlocks[] = R"(<input type="hidden" name="child-count" value="{{count}}">
{{#blocks}}<h3 class="govuk-heading-s" id="child-{{n}}">Child {{n}}</h3>
{{{given_names}}}{{{family_name}}}{{{dob}}}
{{/blocks}}<p class="govuk-body">Leave a child's details blank to leave them out.</p>
{{#can_add}}<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" name="add-child" value="yes" formaction="{{action}}#child-{{next}}">Add another child</button>
{{/can_add}}{{^can_add}}<p class="govuk-body">You can tell us about up to {{max}} children here. Tell us about any others in what is happening.</p>
{{/can_add}})";

constexpr char kList[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">Make a referral as a professional</h1>
<p class="govuk-body">Use these forms if you work for an organisation such as a school, GP practice, housing provider, charity, the police, the NHS or a council, and you are referring someone to the domestic abuse service.</p>
<p class="govuk-body">You need a work email address ending in {{domains}}. We send updates on the referral to it. They hold the reference only, never the person's details.</p>
<p class="govuk-body">If someone is in danger now, call 999.</p>
<h2 class="govuk-heading-m">Choose a form</h2>
<ul class="govuk-list">
{{#forms}}<li><h3 class="govuk-heading-s govuk-!-margin-bottom-1"><a class="govuk-link" href="/professional/{{slug}}">{{heading}}</a></h3>
<p class="govuk-body">{{summary}}</p></li>
{{/forms}}</ul>
</div></div>
)";

constexpr char kForm[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{error_summary}}}<h1 class="govuk-heading-l">{{heading}}</h1>
<p class="govuk-body">Answer what you can. Questions marked optional can be left blank.</p>
<form method="post" action="{{action}}" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
<input type="hidden" name="form-token" value="{{form_token}}">
<div class="frontdoor-honeypot" aria-hidden="true">
<label for="website">Leave this blank</label>
<input id="website" name="website" type="text" tabindex="-1" autocomplete="off">
</div>
<h2 class="govuk-heading-m">About you</h2>
{{{referrer}}}
<h2 class="govuk-heading-m">{{subject_heading}}</h2>
{{{subject}}}
<h3 class="govuk-heading-s">How to contact them safely</h3>
<p class="govuk-body">Give a phone number or an email address, or both. Only give an email address that nobody else can read.</p>
{{{contact}}}
<h2 class="govuk-heading-m">{{other_heading}}</h2>
{{{other}}}
{{{behaviour_change}}}{{{concerns}}}
<h2 class="govuk-heading-m">Children</h2>
{{{children}}}
{{{child_blocks}}}{{{needs}}}
<h2 class="govuk-heading-m">Consent</h2>
{{{consent}}}
{{#has_dash}}<h2 class="govuk-heading-m" id="dash">{{dash_heading}} (optional)</h2>
<p class="govuk-body">If you have completed the checklist with them, give each answer here. Questions left blank are not sent. Only yes answers count towards the score.</p>
{{{dash}}}{{/has_dash}}
<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true">Send referral</button>
</form>
</div></div>
)";

constexpr char kDashQuestionBlock[] = R"(<div class="frontdoor-dash-question">
{{{radios}}}{{{comment}}}</div>
)";

constexpr char kReceipt[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{^returned}}<div class="govuk-panel govuk-panel--confirmation">
<h1 class="govuk-panel__title">Referral sent</h1>
<div class="govuk-panel__body">Your reference<br><strong id="reference">{{reference}}</strong></div>
</div>
<h2 class="govuk-heading-m">What happens next</h2>
<p class="govuk-body">The service will contact the person only in the ways and at the times you told us are safe.</p>
<p class="govuk-body">We will email updates on this referral to your work email address. They give the reference and its progress only.</p>
{{/returned}}{{#returned}}<h1 class="govuk-heading-l">We cannot take this referral</h1>
<p class="govuk-body">Your reference <strong id="reference">{{reference}}</strong></p>
<ul class="govuk-list govuk-list--bullet">
{{#reasons}}<li>{{.}}</li>
{{/reasons}}</ul>
<p class="govuk-body"><a class="govuk-link" href="/professional">Choose another form</a></p>
{{/returned}}<p class="govuk-body">Nothing you sent can be viewed again on this website.</p>
</div></div>
)";

std::string Domains(const std::vector<std::string>& domains) {
  if (domains.size() <= 1) return absl::StrJoin(domains, "");
  return absl::StrCat(
      absl::StrJoin(domains.begin(), domains.end() - 1, ", "), " or ",
      domains.back());
}

std::string Referrer(const FormView& v, const std::vector<std::string>& domains) {
  return absl::StrCat(
      parts::Input(v, {"referrer-name", "Your full name", "", "name",
                       "govuk-!-width-two-thirds"}),
      parts::Input(v, {"referrer-organisation", "Your organisation",
                       "For example, Oakfield Primary School", "organization",
                       "govuk-!-width-two-thirds"}),
      parts::Input(v, {"referrer-role", "Your role",
                       "For example, designated safeguarding lead",
                       "organization-title", "govuk-!-width-two-thirds"}),
      parts::Input(v, {"referrer-email", "Your work email address",
                       absl::StrCat("It must end in ", Domains(domains)),
                       "email", "", "email", 254}),
      parts::Input(v, {"referrer-phone", "Your work phone number (optional)",
                       "", "tel", "govuk-input--width-20", "tel", 40}),
      parts::Input(v, {"referrer-case-reference",
                       "Your case reference (optional)",
                       "We quote it in updates", "off",
                       "govuk-input--width-20", "text", 100}));
}

}  // namespace

namespace parts {

std::string PersonSection(const FormView& v) {
  return absl::StrCat(
      parts::Input(v, {"given-names", "First name", "", "off",
                       "govuk-!-width-two-thirds"}),
      parts::Input(v, {"family-name", "Last name", "", "off",
                       "govuk-!-width-two-thirds"}),
      parts::Date(v, "dob", "Date of birth", ""),
      parts::Input(v, {"address-line-1", "Address line 1 (optional)", "", "off",
                       ""}),
      parts::Input(v, {"address-line-2", "Address line 2 (optional)", "", "off",
                       ""}),
      parts::Input(v, {"address-town", "Town or city (optional)", "", "off",
                       "govuk-!-width-two-thirds", "text", 100}),
      parts::Input(v, {"address-postcode", "Postcode",
                       "We use it to find the support service for their area",
                       "off", "govuk-input--width-10", "text", 10}));
}

std::string SafeContactSection(const FormView& v) {
  return absl::StrCat(
      parts::Input(v, {"phone", "Phone number (optional)", "", "off",
                       "govuk-input--width-20", "tel", 40}),
      parts::Input(v, {"email", "Email address (optional)", "", "off", "",
                       "email", 254}),
      parts::YesNo(v, "safe-to-call", "Is it safe to call them?", ""),
      parts::YesNo(v, "safe-to-leave-message",
                   "Is it safe to leave them a message?",
                   "For example a voicemail, a text message or an email"),
      parts::Textarea(v, "safe-times",
                      "When is it safe to contact them? (optional)",
                      "For example, weekdays between 10am and 12pm", 500));
}

std::string OtherPartySection(const FormView& v, ProfessionalForm form) {
  const std::vector<parts::Option> relationships = {
      {"current-partner", "Current partner"},
      {"ex-partner", "Ex-partner"},
      {"family-member", "Family member"},
      {"other", "Someone else"},
  };
  const bool required = form == ProfessionalForm::kBehaviourChange;
  return absl::StrCat(
      parts::Input(v, {"other-given-names",
                       required ? "First name" : "First name (optional)", "",
                       "off", "govuk-!-width-two-thirds"}),
      parts::Input(v, {"other-family-name",
                       required ? "Last name" : "Last name (optional)", "",
                       "off", "govuk-!-width-two-thirds"}),
      parts::Date(v, "other-dob", "Date of birth (optional)", ""),
      parts::Radios(v, "other-relationship",
                    form == ProfessionalForm::kChild
                        ? "How are they related to the child?"
                        : "How are they related to the person?",
                    required ? "" : "Answer if you have given their name",
                    relationships, false));
}

std::string BehaviourChangeSection(const FormView& v) {
  const std::vector<parts::Option> answers = {
      {kDashYes, "Yes"}, {kDashNo, "No"}, {kDashDontKnow, "I do not know"}};
  return absl::StrCat(
      "<h2 class=\"govuk-heading-m\">Probation and previous programmes</h2>\n",
      parts::Radios(v, "known-to-probation",
                    "Are they, or have they been, known to probation?", "",
                    answers, true),
      parts::Radios(v, "previous-programme",
                    "Have they done one of our programmes before?", "",
                    answers, true),
      parts::Input(v, {"previous-programme-name",
                       "Which programme? (optional)", "", "off",
                       "govuk-!-width-two-thirds"}),
      parts::Radios(v, "out-of-court-disposal",
                    "Does this referral follow an out-of-court disposal? "
                    "(optional)",
                    "", {{"yes", "Yes"}, {"no", "No"}}, true));
}

std::string ConsentSection(const FormView& v, ProfessionalForm form) {
  switch (form) {
    case ProfessionalForm::kBehaviourChange:
      return parts::Radios(
          v, "consent", "Has the person agreed to this referral?",
          "We can only take a behaviour change referral with their agreement",
          {{"given", "Yes"}, {"refused", "No"}}, true);
    case ProfessionalForm::kChild:
      return absl::StrCat(
          parts::Radios(v, "consent", "Has the child agreed to this referral?",
                        "",
                        {{"given", "Yes"},
                         {"refused", "No"},
                         {"not-sought",
                          "Not asked, because asking would put them at risk"}},
                        false),
          parts::Radios(v, "parent-consent",
                        "Has a parent or carer agreed? (optional)",
                        "We need a parent's or carer's agreement before "
                        "supporting a child aged 16 or under",
                        {{"given", "Yes"},
                         {"refused", "No"},
                         {"not-sought",
                          "Not asked, because asking would put the child at "
                          "risk"}},
                        false));
    case ProfessionalForm::kAdultVictim:
      break;
  }
  return parts::Radios(
      v, "consent", "Has the person agreed to this referral?", "",
      {{"given", "Yes"},
       {"refused", "No"},
       {"not-sought", "Not asked, because asking would put them at risk"}},
      false);
}

std::string DashSection(const FormView& v) {
  const std::vector<parts::Option> answers = {
      {kDashYes, "Yes"}, {kDashNo, "No"}, {kDashDontKnow, "Don't know"}};
  std::string out;
  for (int q = 1; q <= kDashQuestions; ++q) {
    const std::string id = absl::StrCat("dash-", q);
    data d;
    d.set("radios", parts::Radios(v, id, absl::StrCat(q, ". ", DashQuestion(q)),
                                  "", answers, true));
    d.set("comment",
          parts::Input(v, {id + "-comment",
                           absl::StrCat("Comment on question ", q, " (optional)"),
                           "", "off", "", "text", 2000}));
    out += parts::Render(kDashQuestionBlock, d);
  }
  return out;
}

std::string Radios(const FormView& v, const std::string& id,
                   const std::string& legend, const std::string& hint,
                   const std::vector<Option>& options, bool inline_options) {
  data d;
  d.set("id", id);
  d.set("legend", legend);
  if (!hint.empty()) d.set("hint", hint);
  d.set("inline", inline_options);
  auto it = v.values.find(id);
  const std::string value = it == v.values.end() ? "" : it->second;
  data list{data::type::list};
  for (size_t i = 0; i < options.size(); ++i) {
    data o;
    o.set("name", id);
    o.set("input_id", i == 0 ? id : absl::StrCat(id, "-", options[i].value));
    o.set("value", options[i].value);
    o.set("label", options[i].label);
    o.set("checked", value == options[i].value);
    list.push_back(o);
  }
  d.set("options", list);
  std::string error;
  for (const FormError& e : v.errors) {
    if (e.field == id) {
      error = e.message;
      break;
    }
  }
  std::string describedby = hint.empty() ? "" : id + "-hint";
  if (!error.empty()) {
    d.set("error", error);
    describedby = absl::StrCat(describedby, describedby.empty() ? "" : " ", id,
                               "-error");
  }
  if (!describedby.empty()) d.set("describedby", describedby);
  return Render(kRadios, d);
}

std::string ChildBlocks(const FormView& v, const std::string& action) {
  const int count = std::clamp(v.child_blocks, 1, kMaxFormChildren);
  data d;
  d.set("count", std::to_string(count));
  data blocks{data::type::list};
  for (int i = 1; i <= count; ++i) {
    const std::string p = absl::StrCat("child-", i);
    data b;
    b.set("n", std::to_string(i));
    b.set("given_names", Input(v, {p + "-given-names", "First name", "", "off",
                                   "govuk-!-width-two-thirds"}));
    b.set("family_name", Input(v, {p + "-family-name", "Last name", "", "off",
                                   "govuk-!-width-two-thirds"}));
    b.set("dob", Date(v, p + "-dob", "Date of birth", ""));
    blocks.push_back(b);
  }
  d.set("blocks", blocks);
  d.set("can_add", count < kMaxFormChildren);
  d.set("action", action);
  d.set("next", std::to_string(count + 1));
  d.set("max", std::to_string(kMaxFormChildren));
  return Render(kChildBlocks, d);
}

}  // namespace parts

std::string RenderProfessionalStartPage(const PageContext& ctx,
                                        const std::vector<std::string>& domains) {
  data d;
  d.set("domains", Domains(domains));
  data forms{data::type::list};
  for (const ProfessionalFormSpec& s : ProfessionalForms()) {
    data f;
    f.set("slug", std::string(s.slug));
    f.set("heading", std::string(s.heading));
    f.set("summary", std::string(s.summary));
    forms.push_back(f);
  }
  d.set("forms", forms);
  return parts::Layout(ctx, parts::Render(kList, d), false);
}

std::string RenderProfessionalFormPage(const PageContext& ctx,
                                       ProfessionalForm form,
                                       const FormView& v,
                                       const std::vector<std::string>& domains) {
  const ProfessionalFormSpec& spec = SpecFor(form);
  const std::string action = absl::StrCat("/professional/", spec.slug);
  data d;
  d.set("error_summary", parts::ErrorSummary(v.errors));
  d.set("heading", std::string(spec.heading));
  d.set("action", action);
  d.set("csrf_token", v.csrf_token);
  d.set("form_token", v.form_token);
  d.set("referrer", Referrer(v, domains));
  switch (form) {
    case ProfessionalForm::kAdultVictim:
      d.set("subject_heading", std::string("About the person you are referring"));
      d.set("other_heading", std::string("The person causing harm (optional)"));
      break;
    case ProfessionalForm::kBehaviourChange:
      d.set("subject_heading",
            std::string("About the person you are referring"));
      d.set("other_heading", std::string("Their partner or ex-partner"));
      d.set("behaviour_change", parts::BehaviourChangeSection(v));
      break;
    case ProfessionalForm::kChild:
      d.set("subject_heading", std::string("About the child"));
      d.set("other_heading",
            std::string("The person causing harm, or the person the child is "
                        "harming (optional)"));
      break;
  }
  d.set("subject", parts::PersonSection(v));
  d.set("contact", parts::SafeContactSection(v));
  d.set("other", parts::OtherPartySection(v, form));
  d.set("concerns",
        parts::Textarea(v, "concerns", "What is happening?",
                        "Tell us what has happened and why you are referring "
                        "them",
                        10000));
  d.set("children",
        parts::YesNo(v, "children",
                     form == ProfessionalForm::kChild
                         ? "Do other children live in the household?"
                         : "Do any children live in the household?",
                     ""));
  d.set("child_blocks", parts::ChildBlocks(v, action));
  if (form != ProfessionalForm::kBehaviourChange) {
    d.set("needs", parts::Needs(v, "Would they like support from a specialist "
                                   "practitioner?"));
  }
  d.set("consent", parts::ConsentSection(v, form));
  const bool dash = spec.dash_form_version[0] != '\0';
  d.set("has_dash", dash);
  if (dash) {
    d.set("dash_heading", std::string(form == ProfessionalForm::kChild
                                          ? "Young people's DASH risk checklist, ages 13 to 17"
                                          : "DASH risk checklist"));
    d.set("dash", parts::DashSection(v));
  }
  return parts::Layout(ctx, parts::Render(kForm, d), !v.errors.empty());
}

std::string RenderProfessionalReceiptPage(
    const PageContext& ctx, const std::string& reference,
    const std::vector<std::string>& returned) {
  data d;
  d.set("reference", reference);
  if (!returned.empty()) {
    data reasons{data::type::list};
    for (const std::string& r : returned) reasons.push_back(data(r));
    d.set("returned", true);
    d.set("reasons", reasons);
  }
  return parts::Layout(ctx, parts::Render(kReceipt, d), false);
}

}  // namespace frontdoor::web
