#include "web-svc/self_referral.h"

#include <algorithm>
#include <cstdlib>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace frontdoor::web {
namespace {

using common::v1::Referral;

constexpr char kYes[] = "yes";
constexpr char kNo[] = "no";

// Specialist needs: the checkbox's name and the need it states.
struct NeedBox {
  const char* field;
  common::v1::SpecialistNeed need;
};
constexpr NeedBox kNeedBoxes[] = {
    {"need-lgbtq", common::v1::SPECIALIST_NEED_LGBTQ_PLUS},
    {"need-male", common::v1::SPECIALIST_NEED_MALE_VICTIM},
    {"need-older", common::v1::SPECIALIST_NEED_OLDER_VICTIM},
    {"need-disabled", common::v1::SPECIALIST_NEED_DISABLED_VICTIM},
    {"need-racially-minoritised",
     common::v1::SPECIALIST_NEED_RACIALLY_MINORITISED},
};

std::string Get(const FormValues& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? std::string()
                          : std::string(absl::StripAsciiWhitespace(it->second));
}

// Where one intake path is shown on a form. `field` may hold "{n}": the
// 1-based index of the path's first [i] (for a DASH answer, its question
// number). An empty field means the form never sets the path. Professional
// messages may hold "{subject}" and "{other}", the MappingContext's
// possessives.
struct Target {
  const char* field;
  const char* missing;  // when intake says the value is required
  const char* invalid;  // any other violation
};

constexpr Target kNotFromForm{"", "", ""};

// One path's place on each kind of form.
struct Row {
  Target self;
  Target professional;
};

// The one mapping from intake's field paths (indices written "[]") to the
// forms' fields: a column for the self-referral, one for the professional
// forms (which share their field ids).
const absl::flat_hash_map<std::string, Row>& Mapping() {
  static const auto* const kMapping = new absl::flat_hash_map<std::string, Row>{
      // Set by web-svc, never by the person.
      {"idempotency_key", {kNotFromForm, kNotFromForm}},
      {"referral", {kNotFromForm, kNotFromForm}},
      {"referral.requested_service", {kNotFromForm, kNotFromForm}},
      {"referral.channel", {kNotFromForm, kNotFromForm}},
      {"referral.referrer", {kNotFromForm, kNotFromForm}},
      {"referral.referrer.on_behalf_of_agency", {kNotFromForm, kNotFromForm}},
      {"referral.referrer.safe_times", {kNotFromForm, kNotFromForm}},
      {"referral.subject", {kNotFromForm, kNotFromForm}},
      {"referral.subject.gender", {kNotFromForm, kNotFromForm}},
      {"referral.other_party.contact.phone", {kNotFromForm, kNotFromForm}},
      {"referral.other_party.contact.email", {kNotFromForm, kNotFromForm}},
      {"referral.other_party.contact.safe_times", {kNotFromForm, kNotFromForm}},
      // Only the children's form's question set has an age range.
      {"referral.risk_assessment.form_version",
       {kNotFromForm,
        {"dash-1", "",
         "The young people's DASH is for ages 13 to 17: leave it blank for a "
         "younger child"}}},
      {"referral.risk_assessment.answers[].question",
       {kNotFromForm, kNotFromForm}},
      {"referral.risk_assessment.answers[].answer",
       {kNotFromForm, kNotFromForm}},
      {"referral.risk_assessment.answers[].source",
       {kNotFromForm, kNotFromForm}},
      {"referral.risk_assessment.police_callouts_past_12_months",
       {kNotFromForm, kNotFromForm}},
      {"referral.risk_assessment.professional_judgement_reason",
       {kNotFromForm, kNotFromForm}},
      {"referral.risk_assessment.previous_marac_referral_date",
       {kNotFromForm, kNotFromForm}},
      {"referral.risk_assessment.completed_at", {kNotFromForm, kNotFromForm}},
      {"referral.suspect_known_victims", {kNotFromForm, kNotFromForm}},
      // The referrer: on a self-referral, the person themselves.
      {"referral.referrer.name",
       {{"given-names", "Enter your first name",
         "Your name must be 200 characters or fewer, using letters and "
         "common punctuation"},
        {"referrer-name", "Enter your name",
         "Your name must be 200 characters or fewer, using letters and "
         "common punctuation"}}},
      {"referral.referrer.role",
       {kNotFromForm,
        {"referrer-role", "Enter your role",
         "Your role must be 200 characters or fewer"}}},
      {"referral.referrer.organisation",
       {kNotFromForm,
        {"referrer-organisation", "Enter your organisation",
         "Your organisation must be 200 characters or fewer"}}},
      {"referral.referrer.agency_case_reference",
       {kNotFromForm,
        {"referrer-case-reference", "",
         "Your case reference must be 100 characters or fewer"}}},
      {"referral.referrer.phone",
       {{"phone", "Enter a phone number or an email address",
         "Enter a phone number, like 01632 960 001 or 07700 900 982"},
        {"referrer-phone", "Enter your work email address",
         "Enter a phone number, like 01632 960 001 or 07700 900 982"}}},
      {"referral.referrer.email",
       {{"email", "Enter a phone number or an email address",
         "Enter an email address in the correct format, like "
         "name@example.com"},
        {"referrer-email", "Enter your work email address",
         "Enter an email address in the correct format, like "
         "name@nhs.net"}}},
      // The subject.
      {"referral.subject.name",
       {{"given-names", "Enter your first name", ""},
        {"given-names", "Enter {subject} first name", ""}}},
      {"referral.subject.name.given_names",
       {{"given-names", "Enter your first name",
         "Your first name must be 200 characters or fewer, using letters and "
         "common punctuation"},
        {"given-names", "Enter {subject} first name",
         "First name must be 200 characters or fewer, using letters and "
         "common punctuation"}}},
      {"referral.subject.name.family_name",
       {{"family-name", "Enter your last name",
         "Your last name must be 200 characters or fewer, using letters and "
         "common punctuation"},
        {"family-name", "Enter {subject} last name",
         "Last name must be 200 characters or fewer, using letters and "
         "common punctuation"}}},
      {"referral.subject.date_of_birth",
       {{"dob-day", "Enter your date of birth",
         "Date of birth must be a real date in the past"},
        {"dob-day", "Enter {subject} date of birth",
         "Date of birth must be a real date in the past"}}},
      {"referral.subject.contact",
       {{"phone", "Enter a phone number or an email address", ""},
        {"phone", "Enter a phone number or an email address for {subject} "
                  "safe contact", ""}}},
      {"referral.subject.contact.phone",
       {{"phone", "Enter a phone number or an email address",
         "Enter a phone number, like 01632 960 001 or 07700 900 982"},
        {"phone", "Enter a phone number or an email address",
         "Enter a phone number, like 01632 960 001 or 07700 900 982"}}},
      {"referral.subject.contact.email",
       {{"email", "Enter a phone number or an email address",
         "Enter an email address in the correct format, like "
         "name@example.com"},
        {"email", "Enter a phone number or an email address",
         "Enter an email address in the correct format, like "
         "name@example.com"}}},
      {"referral.subject.contact.safe_times",
       {{"safe-times", "Tell us when it is safe to contact you",
         "Safe times must be 500 characters or fewer"},
        {"safe-times", "Tell us when it is safe to make contact",
         "Safe times must be 500 characters or fewer"}}},
      {"referral.subject.address",
       {{"address-postcode", "Enter your postcode", ""},
        {"address-postcode", "Enter {subject} postcode", ""}}},
      {"referral.subject.address.lines",
       {{"address-line-1", "", "Enter at most 2 address lines"},
        {"address-line-1", "", "Enter at most 2 address lines"}}},
      {"referral.subject.address.lines[]",
       {{"address-line-{n}", "",
         "Each address line must be 200 characters or fewer"},
        {"address-line-{n}", "",
         "Each address line must be 200 characters or fewer"}}},
      {"referral.subject.address.town",
       {{"address-town", "Enter your town or city",
         "Town or city must be 100 characters or fewer"},
        {"address-town", "Enter the town or city",
         "Town or city must be 100 characters or fewer"}}},
      {"referral.subject.address.postcode",
       {{"address-postcode", "Enter your postcode",
         "Enter a real postcode, like ST4 7AB"},
        {"address-postcode", "Enter {subject} postcode",
         "Enter a real postcode, like ST4 7AB"}}},
      {"referral.subject.address.district",
       {{"address-postcode", "Enter a postcode in the area this service covers",
         "Enter a postcode in the area this service covers"},
        {"address-postcode", "Enter a postcode in the area this service covers",
         "Enter a postcode in the area this service covers"}}},
      {"referral.subject.specialist_needs",
       {{"need-lgbtq", "", "Select each need at most once"},
        {"need-lgbtq", "", "Select each need at most once"}}},
      {"referral.subject.specialist_needs[]",
       {{"need-lgbtq", "", "Select each need at most once"},
        {"need-lgbtq", "", "Select each need at most once"}}},
      // Consent: the self-referral is the person's own request.
      {"referral.consent.subject",
       {kNotFromForm,
        {"consent", "Select whether {subject} consent was given",
         "A behaviour change referral needs the person's consent: select "
         "yes once they have agreed"}}},
      {"referral.consent.parent_or_carer",
       {kNotFromForm,
        {"parent-consent", "Select whether a parent or carer consented",
         "Select whether a parent or carer consented"}}},
      // The other party.
      {"referral.other_party",
       {kNotFromForm,
        {"other-given-names", "Enter {other} details",
         "Enter {other} details"}}},
      {"referral.other_party.name",
       {kNotFromForm,
        {"other-given-names", "Enter {other} first name", ""}}},
      {"referral.other_party.name.given_names",
       {kNotFromForm,
        {"other-given-names", "Enter {other} first name",
         "First name must be 200 characters or fewer, using letters and "
         "common punctuation"}}},
      {"referral.other_party.name.family_name",
       {kNotFromForm,
        {"other-family-name", "Enter {other} last name",
         "Last name must be 200 characters or fewer, using letters and "
         "common punctuation"}}},
      {"referral.other_party.date_of_birth",
       {kNotFromForm,
        {"other-dob-day", "",
         "Date of birth must be a real date in the past"}}},
      {"referral.other_party.relationship",
       {kNotFromForm,
        {"other-relationship", "Select how they are related",
         "Select how they are related"}}},
      // Children in the household.
      {"referral.children",
       {{"child-1-given-names", "",
         "You can tell us about at most 20 children here"},
        {"child-1-given-names", "",
         "You can tell us about at most 20 children here"}}},
      {"referral.children[].name",
       {{"child-{n}-given-names", "Enter the child's first name", ""},
        {"child-{n}-given-names", "Enter the child's first name", ""}}},
      {"referral.children[].name.given_names",
       {{"child-{n}-given-names", "Enter the child's first name",
         "The child's first name must be 200 characters or fewer"},
        {"child-{n}-given-names", "Enter the child's first name",
         "The child's first name must be 200 characters or fewer"}}},
      {"referral.children[].name.family_name",
       {{"child-{n}-family-name", "Enter the child's last name",
         "The child's last name must be 200 characters or fewer"},
        {"child-{n}-family-name", "Enter the child's last name",
         "The child's last name must be 200 characters or fewer"}}},
      {"referral.children[].date_of_birth",
       {{"child-{n}-dob-day", "Enter the child's date of birth",
         "The child's date of birth must be a real date in the past"},
        {"child-{n}-dob-day", "Enter the child's date of birth",
         "The child's date of birth must be a real date in the past"}}},
      {"referral.concerns",
       {{"concerns", "Tell us what is happening",
         "What is happening must be 10,000 characters or fewer"},
        {"concerns", "Tell us what is happening",
         "What is happening must be 10,000 characters or fewer"}}},
      // Behaviour change facts.
      {"referral.behaviour_change",
       {kNotFromForm,
        {"known-to-probation",
         "Select whether the person is or was known to probation",
         "Select whether the person is or was known to probation"}}},
      {"referral.behaviour_change.known_to_probation",
       {kNotFromForm,
        {"known-to-probation",
         "Select whether the person is or was known to probation",
         "Select whether the person is or was known to probation"}}},
      {"referral.behaviour_change.previous_programme",
       {kNotFromForm,
        {"previous-programme",
         "Select whether the person has done one of our programmes before",
         "Select whether the person has done one of our programmes before"}}},
      {"referral.behaviour_change.previous_programme_name",
       {kNotFromForm,
        {"previous-programme-name", "",
         "The programme's name must be 200 characters or fewer"}}},
      // The DASH: the form sends only the questions answered, numbered by
      // the form itself; a comment is the person's to shorten.
      {"referral.risk_assessment.answers[].comment",
       {kNotFromForm,
        {"dash-{n}-comment", "",
         "A comment must be 2,000 characters or fewer"}}},
  };
  return *kMapping;
}

// "a.b[3].c" -> ("a.b[].c", 3); no index -> (path, -1).
std::pair<std::string, int> Normalise(const std::string& path) {
  std::string out;
  int first = -1;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string::npos) return {path, -1};
      int n = -1;
      if (first < 0 && absl::SimpleAtoi(path.substr(i + 1, close - i - 1), &n)) {
        first = n;
      }
      out += "[]";
      i = close;
    } else {
      out.push_back(path[i]);
    }
  }
  return {out, first};
}

constexpr char kDashAnswersPrefix[] = "referral.risk_assessment.answers[]";

}  // namespace

std::string FormValue(const FormValues& form, const std::string& name) {
  return Get(form, name);
}

std::optional<bool> ReadYesNo(const FormValues& form, const std::string& name,
                              const std::string& missing,
                              std::vector<FormError>& errors) {
  const std::string v = Get(form, name);
  if (v == kYes) return true;
  if (v == kNo) return false;
  errors.push_back({name, missing});
  return std::nullopt;
}

void AppendNeedFields(std::vector<std::string>& fields) {
  for (const NeedBox& n : kNeedBoxes) fields.push_back(n.field);
}

void ReadSpecialistNeeds(const FormValues& form, common::v1::Subject& s) {
  for (const NeedBox& n : kNeedBoxes) {
    if (Get(form, n.field) == kYes) s.add_specialist_needs(n.need);
  }
}

void ReadPerson(const FormValues& form, const SafeContactWording& wording,
                common::v1::Subject& s, std::vector<FormError>& errors) {
  s.mutable_name()->set_given_names(Get(form, "given-names"));
  s.mutable_name()->set_family_name(Get(form, "family-name"));
  if (!ReadFormDate(form, "dob", "Date of birth", s.mutable_date_of_birth(),
                    errors)) {
    s.clear_date_of_birth();
  }
  common::v1::Address& a = *s.mutable_address();
  for (const char* line : {"address-line-1", "address-line-2"}) {
    std::string v = Get(form, line);
    if (!v.empty()) a.add_lines(std::move(v));
  }
  a.set_town(Get(form, "address-town"));
  a.set_postcode(Get(form, "address-postcode"));
  common::v1::SafeContact& c = *s.mutable_contact();
  c.set_phone(Get(form, "phone"));
  c.set_email(Get(form, "email"));
  if (auto v = ReadYesNo(form, "safe-to-call", wording.safe_to_call_missing,
                         errors)) {
    c.set_safe_to_call(*v);
  }
  if (auto v = ReadYesNo(form, "safe-to-leave-message",
                         wording.safe_to_leave_message_missing, errors)) {
    c.set_safe_to_leave_message(*v);
  }
  c.set_safe_times(Get(form, "safe-times"));
}

std::string ChildField(int index0, const char* what) {
  return absl::StrCat("child-", index0 + 1, "-", what);
}

bool ReadFormDate(const FormValues& form, const std::string& prefix,
                  const std::string& label, google::type::Date* date,
                  std::vector<FormError>& errors) {
  const std::string d = Get(form, prefix + "-day");
  const std::string m = Get(form, prefix + "-month");
  const std::string y = Get(form, prefix + "-year");
  if (d.empty() && m.empty() && y.empty()) return false;
  int day = 0, month = 0, year = 0;
  if (!absl::SimpleAtoi(d, &day) || !absl::SimpleAtoi(m, &month) ||
      !absl::SimpleAtoi(y, &year)) {
    errors.push_back({prefix + "-day",
                      absl::StrCat(label, " must be a real date, like 27 3 1990")});
    return false;
  }
  date->set_day(day);
  date->set_month(month);
  date->set_year(year);
  return true;
}

void AppendChildFields(std::vector<std::string>& fields) {
  fields.push_back(kChildCountField);
  for (int i = 0; i < kMaxFormChildren; ++i) {
    for (const char* w :
         {"given-names", "family-name", "dob-day", "dob-month", "dob-year"}) {
      fields.push_back(ChildField(i, w));
    }
  }
}

void ReadChildren(const FormValues& form, bool asked,
                  google::protobuf::RepeatedPtrField<common::v1::Child>* out,
                  std::vector<FormError>& errors) {
  if (!asked) return;
  for (int i = 0; i < kMaxFormChildren; ++i) {
    const std::string given = Get(form, ChildField(i, "given-names"));
    const std::string family = Get(form, ChildField(i, "family-name"));
    google::type::Date dob;
    const bool dob_given =
        ReadFormDate(form, absl::StrCat("child-", i + 1, "-dob"),
                     "The child's date of birth", &dob, errors);
    const bool any = !given.empty() || !family.empty() || dob_given ||
                     !Get(form, ChildField(i, "dob-day")).empty() ||
                     !Get(form, ChildField(i, "dob-month")).empty() ||
                     !Get(form, ChildField(i, "dob-year")).empty();
    // The first child is asked for whenever the answer is yes.
    if (!any && i > 0) continue;
    common::v1::Child& child = *out->Add();
    child.mutable_name()->set_given_names(given);
    child.mutable_name()->set_family_name(family);
    if (dob_given) *child.mutable_date_of_birth() = dob;
  }
}

int ChildBlocksToShow(const FormValues& form, bool add_one) {
  int shown = 1;
  int asked = 0;
  if (absl::SimpleAtoi(Get(form, kChildCountField), &asked)) {
    shown = std::max(shown, std::min(asked, kMaxFormChildren));
  }
  for (int i = 0; i < kMaxFormChildren; ++i) {
    for (const char* w :
         {"given-names", "family-name", "dob-day", "dob-month", "dob-year"}) {
      if (!Get(form, ChildField(i, w)).empty()) shown = std::max(shown, i + 1);
    }
  }
  if (add_one) ++shown;
  return std::min(shown, kMaxFormChildren);
}

const std::vector<std::string>& SelfReferralFields() {
  static const auto* const kFields = [] {
    auto* f = new std::vector<std::string>{
        "given-names", "family-name", "dob-day", "dob-month", "dob-year",
        "address-line-1", "address-line-2", "address-town", "address-postcode",
        "phone", "email", "safe-to-call", "safe-to-leave-message", "safe-times",
        "concerns", "children"};
    AppendChildFields(*f);
    AppendNeedFields(*f);
    return f;
  }();
  return *kFields;
}

BuiltReferral BuildSelfReferral(const FormValues& form) {
  BuiltReferral out;
  Referral& r = out.referral;
  r.set_requested_service(common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  r.set_channel(common::v1::CHANNEL_WEB_FORM);
  r.mutable_consent()->set_subject(common::v1::CONSENT_GIVEN);

  common::v1::Subject& s = *r.mutable_subject();
  ReadPerson(form,
             {"Select yes if it is safe for us to call you",
              "Select yes if it is safe for us to leave a message"},
             s, out.errors);
  const common::v1::SafeContact& c = s.contact();
  ReadSpecialistNeeds(form, s);

  r.set_concerns(Get(form, "concerns"));

  const std::optional<bool> children = ReadYesNo(
      form, "children", "Select yes if any children live with you", out.errors);
  ReadChildren(form, children.value_or(false), r.mutable_children(),
               out.errors);

  common::v1::Referrer& ref = *r.mutable_referrer();
  std::vector<std::string> name_parts;
  for (const auto& p : {s.name().given_names(), s.name().family_name()}) {
    if (!p.empty()) name_parts.push_back(p);
  }
  ref.set_name(absl::StrJoin(name_parts, " "));
  ref.set_phone(c.phone());
  ref.set_email(c.email());
  ref.set_self_referral(true);
  return out;
}

bool IsKnownIntakePath(const std::string& path) {
  return Mapping().contains(Normalise(path).first);
}

std::optional<FormError> MapViolation(const FieldViolation& violation,
                                      const MappingContext& context) {
  auto [path, index] = Normalise(violation.field);
  auto it = Mapping().find(path);
  if (it == Mapping().end()) return std::nullopt;
  const Target& t = context.kind == FormKind::kSelfReferral
                        ? it->second.self
                        : it->second.professional;
  if (t.field[0] == '\0') return std::nullopt;
  int n = index < 0 ? 1 : index + 1;
  if (absl::StartsWith(path, kDashAnswersPrefix)) {
    // A DASH answer's index is its place among the answers sent.
    if (index < 0 ||
        index >= static_cast<int>(context.answer_questions.size())) {
      return std::nullopt;
    }
    n = context.answer_questions[index];
  }
  const bool missing = absl::StartsWith(violation.description, "required") ||
                       absl::StartsWith(violation.description,
                                        "a phone number or an email address");
  std::string message = missing ? t.missing : t.invalid;
  if (message.empty()) message = missing ? t.invalid : t.missing;
  message = absl::StrReplaceAll(
      message, {{"{subject}", context.subject}, {"{other}", context.other}});
  const std::string field =
      absl::StrReplaceAll(t.field, {{"{n}", absl::StrCat(n)}});
  return FormError{field, message};
}

std::vector<FormError> MapViolations(
    const std::vector<FieldViolation>& violations,
    std::vector<std::string>* unmapped, const MappingContext& context) {
  std::vector<FormError> errors;
  for (const FieldViolation& v : violations) {
    std::optional<FormError> e = MapViolation(v, context);
    if (!e.has_value()) {
      if (unmapped != nullptr) unmapped->push_back(v.field);
      continue;
    }
    const bool seen =
        std::any_of(errors.begin(), errors.end(),
                    [&](const FormError& x) { return x.field == e->field; });
    if (!seen) errors.push_back(*std::move(e));
  }
  const auto& order = context.field_order != nullptr ? *context.field_order
                                                     : SelfReferralFields();
  auto rank = [&](const FormError& e) {
    return std::find(order.begin(), order.end(), e.field) - order.begin();
  };
  std::stable_sort(errors.begin(), errors.end(),
                   [&](const FormError& x, const FormError& y) {
                     return rank(x) < rank(y);
                   });
  return errors;
}

}  // namespace frontdoor::web
