#include "web-svc/console_keying_pages.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "web-svc/page_parts.h"
#include "web-svc/professional_pages.h"

namespace frontdoor::web {
namespace {

using kainjow::mustache::data;

constexpr char kStartAction[] = "/console/new-referral";
constexpr char kDetailsAction[] = "/console/new-referral/details";

// The channels staff key, as the first step offers them.
struct ChannelChoice {
  const char* value;
  const char* label;
  common::v1::Channel channel;
};
constexpr ChannelChoice kChannels[] = {
    {"phone", "Phone", common::v1::CHANNEL_PHONE},
    {"live-chat", "Live chat", common::v1::CHANNEL_LIVE_CHAT},
    {"secure-email", "Secure email", common::v1::CHANNEL_SECURE_EMAIL},
};

// The front door forms, by the professional forms' slugs, as the first
// step offers them.
struct FormChoice {
  ProfessionalForm form;
  const char* label;
  // The second step's heading.
  const char* heading;
};
constexpr FormChoice kForms[] = {
    {ProfessionalForm::kAdultVictim, "Adult victim (18 or over)",
     "Referral for an adult who is being harmed"},
    {ProfessionalForm::kBehaviourChange,
     "Adult behaviour change (18 or over, causing harm)",
     "Referral for an adult to change their behaviour"},
    {ProfessionalForm::kChild, "Child or young person (17 or under)",
     "Referral for a child or young person"},
};

const FormChoice& ChoiceFor(ProfessionalForm form) {
  for (const FormChoice& f : kForms) {
    if (f.form == form) return f;
  }
  return kForms[0];
}

const char* ChannelValue(common::v1::Channel channel) {
  for (const ChannelChoice& c : kChannels) {
    if (c.channel == channel) return c.value;
  }
  return "";
}

const char* ChannelLabel(common::v1::Channel channel) {
  for (const ChannelChoice& c : kChannels) {
    if (c.channel == channel) return c.label;
  }
  return "";
}

// Where intake's paths about the referrer are shown when an agency
// referred, in the words of the person keying.
struct ReferrerTarget {
  const char* path;
  const char* field;
  const char* missing;
  const char* invalid;
};
constexpr ReferrerTarget kAgencyReferrer[] = {
    {"referral.referrer.name", "referrer-name", "Enter the referrer's name",
     "The referrer's name must be 200 characters or fewer, using letters and "
     "common punctuation"},
    {"referral.referrer.role", "referrer-role", "",
     "The referrer's role must be 200 characters or fewer"},
    {"referral.referrer.organisation", "referrer-organisation", "",
     "The referrer's team or organisation must be 200 characters or fewer"},
    {"referral.referrer.agency_case_reference", "referrer-case-reference", "",
     "The agency's case reference must be 100 characters or fewer"},
    {"referral.referrer.phone", "referrer-phone",
     "Enter the referrer's phone number or email address",
     "Enter a phone number, like 01632 960 001 or 07700 900 982"},
    {"referral.referrer.email", "referrer-email",
     "Enter the referrer's phone number or email address",
     "Enter an email address in the correct format, like name@example.org"},
    {"referral.referrer.on_behalf_of_agency", kKeyAgencyField,
     "Enter the id of the agency that sent the referral",
     "Enter the id of a referring agency in the service's registry, like "
     "staffs-probation"},
};
// On a self-referral the referrer is the person: their own fields.
constexpr ReferrerTarget kSelfReferrer[] = {
    {"referral.referrer.name", "given-names", "Enter the person's first name",
     "The person's first and last names must be 200 characters or fewer "
     "together"},
    {"referral.referrer.phone", "phone",
     "Enter a phone number or an email address for the person's safe "
     "contact",
     "Enter a phone number, like 01632 960 001 or 07700 900 982"},
    {"referral.referrer.email", "email",
     "Enter a phone number or an email address for the person's safe "
     "contact",
     "Enter an email address in the correct format, like name@example.com"},
};

bool SaysMissing(const std::string& description) {
  return absl::StartsWith(description, "required") ||
         absl::StartsWith(description, "a phone number or an email address");
}

constexpr char kStart[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{error_summary}}}<h1 class="govuk-heading-l">Key a referral</h1>
<p class="govuk-body">For a referral taken by phone or live chat, or sent by secure email. First say how it came and who made it; the next page asks for the referral itself.</p>
<form method="post" action="{{action}}" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{channel}}}{{{referred_by}}}{{{agency}}}{{{form}}}<button type="submit" class="govuk-button" data-module="govuk-button" id="continue">Continue</button>
</form>
</div></div>
)";

constexpr char kForm[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{error_summary}}}<h1 class="govuk-heading-l">{{heading}}</h1>
<dl class="govuk-summary-list" id="choices">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">How it came</dt><dd class="govuk-summary-list__value" id="chosen-channel">{{channel_label}}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Who referred</dt><dd class="govuk-summary-list__value" id="chosen-referrer">{{referrer_label}}</dd></div>
</dl>
<p class="govuk-body"><a class="govuk-link" href="{{start}}" id="start-again">Start again with other answers</a></p>
{{#self}}<div class="govuk-inset-text">Ask only what the person can tell you safely. Record only a phone number or email address they say is safe, whether we may call or leave a message, and when.</div>
{{/self}}<form method="post" action="{{action}}" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
<input type="hidden" name="form-token" value="{{form_token}}">
<input type="hidden" name="channel" value="{{channel}}">
<input type="hidden" name="referred-by" value="{{referred_by}}">
<input type="hidden" name="referral-form" value="{{referral_form}}">
{{^self}}<h2 class="govuk-heading-m">The referrer</h2>
{{{referrer}}}{{/self}}<h2 class="govuk-heading-m">{{subject_heading}}</h2>
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
<p class="govuk-body">If you completed the checklist with them, give each answer here. Questions left blank are not sent. Only yes answers count towards the score.</p>
{{{dash}}}{{/has_dash}}
<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" id="send-referral">Send referral</button>
</form>
</div></div>
)";

constexpr char kReceived[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="govuk-notification-banner-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header">
<h2 class="govuk-notification-banner__title" id="govuk-notification-banner-title">Success</h2>
</div>
<div class="govuk-notification-banner__content">
<p class="govuk-notification-banner__heading">Referral <strong id="reference">{{reference}}</strong> recorded</p>
</div>
</div>
<h1 class="govuk-heading-l">Referral recorded</h1>
<p class="govuk-body">Give the reference to the person or the agency only if it is safe to. Triage practitioners find the referral in the queue.</p>
<ul class="govuk-list">
<li><a class="govuk-link" href="/console/queue" id="queue">See the triage queue</a></li>
<li><a class="govuk-link" href="/console/new-referral" id="key-another">Key another referral</a></li>
</ul>
</div></div>
)";

constexpr char kReturned[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">The referral was returned</h1>
<p class="govuk-body">It is recorded as <strong id="reference">{{reference}}</strong> and returned to the referrer with these reasons. It does not go to triage.</p>
<ul class="govuk-list govuk-list--bullet" id="return-reasons">
{{#reasons}}<li>{{.}}</li>
{{/reasons}}</ul>
<p class="govuk-body"><a class="govuk-link" href="/console/new-referral" id="key-another">Key another referral</a></p>
</div></div>
)";

constexpr char kAlreadySent[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">This form was already sent</h1>
<p class="govuk-body">It was sent before with other answers, and a form is sent once. To record a different referral, start again.</p>
<p class="govuk-body"><a class="govuk-link" href="/console/new-referral" id="key-another">Key another referral</a></p>
</div></div>
)";

std::string Referrer(const FormView& v) {
  return absl::StrCat(
      parts::Input(v, {kKeyAgencyField, "Referring agency",
                       "Its id in the service's registry, for example "
                       "staffs-probation. The referral is recorded as theirs: "
                       "they are sent its updates",
                       "off", "govuk-input--width-20", "text", 64}),
      parts::Input(v, {"referrer-name", "Referrer's full name", "", "off",
                       "govuk-!-width-two-thirds"}),
      parts::Input(v, {"referrer-role", "Their role (optional)", "", "off",
                       "govuk-!-width-two-thirds"}),
      parts::Input(
          v, {"referrer-organisation", "Their team or organisation (optional)",
              "", "off", "govuk-!-width-two-thirds"}),
      parts::Input(v, {"referrer-email", "Their email address",
                       "Give an email address or a phone number, or both",
                       "off", "", "email", 254}),
      parts::Input(v, {"referrer-phone", "Their phone number (optional)", "",
                       "off", "govuk-input--width-20", "tel", 40}),
      parts::Input(v, {"referrer-case-reference",
                       "The agency's case reference (optional)",
                       "Quoted in the updates they are sent", "off",
                       "govuk-input--width-20", "text", 100}));
}

}  // namespace

std::optional<KeyingChoices> ReadKeyingChoices(const FormValues& form,
                                               std::vector<FormError>& errors) {
  KeyingChoices c;
  bool answered = true;
  const std::string channel = FormValue(form, kKeyChannelField);
  for (const ChannelChoice& ch : kChannels) {
    if (channel == ch.value) c.channel = ch.channel;
  }
  if (c.channel == common::v1::CHANNEL_UNSPECIFIED) {
    errors.push_back({kKeyChannelField, "Select how the referral came"});
    answered = false;
  }
  const std::string by = FormValue(form, kKeyReferredByField);
  if (by == kReferredBySelf) {
    c.self_referral = true;
  } else if (by != kReferredByAgency) {
    errors.push_back({kKeyReferredByField, "Select who made the referral"});
    answered = false;
  }
  const std::string slug = FormValue(form, kKeyFormField);
  bool form_known = false;
  for (const ProfessionalFormSpec& spec : ProfessionalForms()) {
    if (slug == spec.slug) {
      c.form = spec.form;
      form_known = true;
    }
  }
  if (!form_known) {
    errors.push_back({kKeyFormField, "Select which front door it is for"});
    answered = false;
  }
  if (!answered) return std::nullopt;
  // The referral contract's channels (referral.proto, Channel and
  // Referrer.on_behalf_of_agency), asked here so that nobody keys a whole
  // referral that intake must refuse.
  bool combination_ok = true;
  if (c.channel == common::v1::CHANNEL_SECURE_EMAIL && c.self_referral) {
    errors.push_back({kKeyReferredByField,
                      "A secure email comes from an agency: select an agency "
                      "and give its id"});
    combination_ok = false;
  }
  if (c.channel != common::v1::CHANNEL_SECURE_EMAIL &&
      c.form == ProfessionalForm::kBehaviourChange) {
    errors.push_back({kKeyFormField,
                      "The phone line and live chat take victims' referrals "
                      "only: a behaviour change referral comes from an agency "
                      "by secure email"});
    combination_ok = false;
  }
  if (!combination_ok) return std::nullopt;
  if (!c.self_referral) {
    c.agency = FormValue(form, kKeyAgencyField);
    if (c.agency.empty()) {
      errors.push_back({kKeyAgencyField,
                        "Enter the id of the agency that made the referral"});
    }
  }
  return c;
}

std::vector<std::string> KeyedFields(const KeyingChoices& choices) {
  std::vector<std::string> out;
  if (!choices.self_referral) out.push_back(kKeyAgencyField);
  for (const std::string& f : ProfessionalFields(choices.form)) {
    if (choices.self_referral && absl::StartsWith(f, "referrer-")) continue;
    out.push_back(f);
  }
  return out;
}

BuiltReferral BuildKeyedReferral(const KeyingChoices& choices,
                                 const FormValues& values) {
  BuiltReferral out = BuildFrontDoorReferral(choices.form, values);
  common::v1::Referral& r = out.referral;
  r.set_channel(choices.channel);
  common::v1::Referrer& ref = *r.mutable_referrer();
  if (choices.self_referral) {
    // As the web self-referral: the person is their own referrer, reached
    // only through the contact they said is safe.
    ref.Clear();
    std::vector<std::string> name;
    for (const std::string& part :
         {r.subject().name().given_names(), r.subject().name().family_name()}) {
      if (!part.empty()) name.push_back(part);
    }
    ref.set_name(absl::StrJoin(name, " "));
    ref.set_phone(r.subject().contact().phone());
    ref.set_email(r.subject().contact().email());
    ref.set_self_referral(true);
  } else {
    ref.set_on_behalf_of_agency(choices.agency);
  }
  return out;
}

std::vector<FormError> MapKeyedViolations(
    const KeyingChoices& choices, const BuiltReferral& built,
    const std::vector<FieldViolation>& violations,
    std::vector<std::string>* unmapped) {
  std::vector<FieldViolation> rest;
  std::vector<FormError> referrer;
  for (const FieldViolation& v : violations) {
    bool mapped = false;
    const auto place = [&](const ReferrerTarget& t) {
      if (v.field != t.path) return;
      std::string message = SaysMissing(v.description) ? t.missing : t.invalid;
      if (message.empty()) message = t.invalid;
      referrer.push_back({t.field, message});
      mapped = true;
    };
    if (choices.self_referral) {
      for (const ReferrerTarget& t : kSelfReferrer) place(t);
      // Nothing else of the referrer is set on a self-referral.
      if (!mapped && absl::StartsWith(v.field, "referral.referrer")) {
        if (unmapped != nullptr) unmapped->push_back(v.field);
        continue;
      }
    } else {
      for (const ReferrerTarget& t : kAgencyReferrer) place(t);
    }
    if (!mapped) rest.push_back(v);
  }
  const std::vector<std::string> order = KeyedFields(choices);
  MappingContext context = ProfessionalMapping(choices.form, built);
  context.field_order = &order;
  // The person's own fields first, so that on a self-referral their
  // message wins over the referrer's for the same field.
  std::vector<FormError> errors = MapViolations(rest, unmapped, context);
  for (FormError& e : referrer) {
    const bool seen =
        std::any_of(errors.begin(), errors.end(),
                    [&](const FormError& x) { return x.field == e.field; });
    if (!seen) errors.push_back(std::move(e));
  }
  auto rank = [&](const FormError& e) {
    return std::find(order.begin(), order.end(), e.field) - order.begin();
  };
  std::stable_sort(errors.begin(), errors.end(),
                   [&](const FormError& x, const FormError& y) {
                     return rank(x) < rank(y);
                   });
  return errors;
}

std::string RenderKeyingStartPage(const SignedInBar& bar, const FormView& v) {
  std::vector<parts::Option> channels;
  for (const ChannelChoice& c : kChannels)
    channels.push_back({c.value, c.label});
  std::vector<parts::Option> forms;
  for (const FormChoice& f : kForms) {
    forms.push_back({SpecFor(f.form).slug, f.label});
  }
  data d;
  d.set("error_summary", parts::ErrorSummary(v.errors));
  d.set("action", std::string(kStartAction));
  d.set("csrf_token", v.csrf_token);
  d.set("channel",
        parts::Radios(v, kKeyChannelField, "How did the referral come?", "",
                      channels, false));
  d.set("referred_by",
        parts::Radios(v, kKeyReferredByField, "Who made the referral?",
                      "A secure email always comes from an agency",
                      {{kReferredBySelf, "The person themselves"},
                       {kReferredByAgency, "An agency"}},
                      false));
  d.set("agency",
        parts::Input(v, {kKeyAgencyField, "If an agency: which one?",
                         "Its id in the service's registry, for example "
                         "staffs-probation",
                         "off", "govuk-input--width-20", "text", 64}));
  d.set("form", parts::Radios(v, kKeyFormField, "Which front door is it for?",
                              "The phone line and live chat take victims' "
                              "referrals only",
                              forms, false));
  return RenderConsolePage(bar, "Key a referral", parts::Render(kStart, d),
                           !v.errors.empty());
}

std::string RenderKeyingFormPage(const SignedInBar& bar,
                                 const KeyingChoices& choices,
                                 const FormView& v) {
  const ProfessionalForm form = choices.form;
  const ProfessionalFormSpec& spec = SpecFor(form);
  const FormChoice& choice = ChoiceFor(form);
  data d;
  d.set("error_summary", parts::ErrorSummary(v.errors));
  d.set("heading", std::string(choice.heading));
  d.set("start", std::string(kStartAction));
  d.set("action", std::string(kDetailsAction));
  d.set("csrf_token", v.csrf_token);
  d.set("form_token", v.form_token);
  d.set("channel", std::string(ChannelValue(choices.channel)));
  d.set("channel_label", std::string(ChannelLabel(choices.channel)));
  d.set("referred_by", std::string(choices.self_referral ? kReferredBySelf
                                                         : kReferredByAgency));
  d.set("referrer_label", choices.self_referral
                              ? std::string("The person themselves")
                              : absl::StrCat("An agency: ", choices.agency));
  d.set("referral_form", std::string(spec.slug));
  d.set("self", choices.self_referral);
  if (!choices.self_referral) d.set("referrer", Referrer(v));
  switch (form) {
    case ProfessionalForm::kAdultVictim:
      d.set("subject_heading", std::string("About the person"));
      d.set("other_heading", std::string("The person causing harm (optional)"));
      break;
    case ProfessionalForm::kBehaviourChange:
      d.set("subject_heading", std::string("About the person referred"));
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
  d.set("concerns", parts::Textarea(v, "concerns", "What is happening?",
                                    "What has happened and why support is "
                                    "needed, in the words given",
                                    10000));
  d.set("children",
        parts::YesNo(v, "children",
                     form == ProfessionalForm::kChild
                         ? "Do other children live in the household?"
                         : "Do any children live in the household?",
                     ""));
  d.set("child_blocks", parts::ChildBlocks(v, kDetailsAction));
  if (form != ProfessionalForm::kBehaviourChange) {
    d.set("needs", parts::Needs(v,
                                "Would they like support from a "
                                "specialist practitioner?"));
  }
  d.set("consent", parts::ConsentSection(v, form));
  const bool dash = spec.dash_form_version[0] != '\0';
  d.set("has_dash", dash);
  if (dash) {
    d.set("dash_heading",
          std::string(form == ProfessionalForm::kChild
                          ? "Young people's DASH risk checklist, ages 13 to 17"
                          : "DASH risk checklist"));
    d.set("dash", parts::DashSection(v));
  }
  return RenderConsolePage(bar, choice.heading, parts::Render(kForm, d),
                           !v.errors.empty());
}

std::string RenderKeyingReceivedPage(const SignedInBar& bar,
                                     const std::string& reference) {
  data d;
  d.set("reference", reference);
  return RenderConsolePage(bar, "Referral recorded",
                           parts::Render(kReceived, d), false);
}

std::string RenderKeyingReturnedPage(const SignedInBar& bar,
                                     const std::string& reference,
                                     const std::vector<std::string>& reasons) {
  data d;
  d.set("reference", reference);
  data list{data::type::list};
  for (const std::string& r : reasons) list.push_back(data(r));
  d.set("reasons", list);
  return RenderConsolePage(bar, "The referral was returned",
                           parts::Render(kReturned, d), false);
}

std::string RenderKeyingAlreadySentPage(const SignedInBar& bar) {
  return RenderConsolePage(bar, "This form was already sent",
                           parts::Render(kAlreadySent, data()), false);
}

}  // namespace frontdoor::web
