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

std::string ChildField(int i, const char* what) {
  return absl::StrCat("child-", i + 1, "-", what);
}

// Reads a GOV.UK date input (prefix-day, -month, -year). Sets `date` when
// all three are numbers; leaves it unset when all are empty (intake then
// says whether the date is required); an error otherwise.
void ReadDate(const FormValues& form, const std::string& prefix,
              const std::string& label, google::type::Date* date,
              bool* present, std::vector<FormError>& errors) {
  const std::string d = Get(form, prefix + "-day");
  const std::string m = Get(form, prefix + "-month");
  const std::string y = Get(form, prefix + "-year");
  *present = false;
  if (d.empty() && m.empty() && y.empty()) return;
  int day = 0, month = 0, year = 0;
  if (!absl::SimpleAtoi(d, &day) || !absl::SimpleAtoi(m, &month) ||
      !absl::SimpleAtoi(y, &year)) {
    errors.push_back({prefix + "-day",
                      absl::StrCat(label, " must be a real date, like 27 3 1990")});
    return;
  }
  date->set_day(day);
  date->set_month(month);
  date->set_year(year);
  *present = true;
}

// A yes / no radio question that the form itself requires.
std::optional<bool> ReadYesNo(const FormValues& form, const std::string& name,
                              const std::string& missing,
                              std::vector<FormError>& errors) {
  const std::string v = Get(form, name);
  if (v == kYes) return true;
  if (v == kNo) return false;
  errors.push_back({name, missing});
  return std::nullopt;
}

// Where one intake path is shown. `field` may hold "{n}", the 1-based index
// of the path's first [i]; an empty field means the form never sets the path.
struct Target {
  const char* field;
  const char* missing;  // when intake says the value is required
  const char* invalid;  // any other violation
};

constexpr char kNotFromForm[] = "";

// The one mapping from intake's field paths (indices written "[]") to the
// self-referral form's fields.
const absl::flat_hash_map<std::string, Target>& Mapping() {
  static const auto* const kMapping = new absl::flat_hash_map<std::string, Target>{
      // Set by web-svc, never by the person.
      {"idempotency_key", {kNotFromForm, "", ""}},
      {"referral", {kNotFromForm, "", ""}},
      {"referral.requested_service", {kNotFromForm, "", ""}},
      {"referral.channel", {kNotFromForm, "", ""}},
      {"referral.referrer", {kNotFromForm, "", ""}},
      {"referral.referrer.role", {kNotFromForm, "", ""}},
      {"referral.referrer.agency_case_reference", {kNotFromForm, "", ""}},
      {"referral.referrer.on_behalf_of_agency", {kNotFromForm, "", ""}},
      {"referral.referrer.safe_times", {kNotFromForm, "", ""}},
      {"referral.subject", {kNotFromForm, "", ""}},
      {"referral.subject.gender", {kNotFromForm, "", ""}},
      {"referral.consent.subject", {kNotFromForm, "", ""}},
      {"referral.consent.parent_or_carer", {kNotFromForm, "", ""}},
      {"referral.other_party", {kNotFromForm, "", ""}},
      {"referral.other_party.name", {kNotFromForm, "", ""}},
      {"referral.other_party.name.given_names", {kNotFromForm, "", ""}},
      {"referral.other_party.name.family_name", {kNotFromForm, "", ""}},
      {"referral.other_party.date_of_birth", {kNotFromForm, "", ""}},
      {"referral.other_party.relationship", {kNotFromForm, "", ""}},
      {"referral.other_party.contact.phone", {kNotFromForm, "", ""}},
      {"referral.other_party.contact.email", {kNotFromForm, "", ""}},
      {"referral.other_party.contact.safe_times", {kNotFromForm, "", ""}},
      {"referral.behaviour_change", {kNotFromForm, "", ""}},
      {"referral.behaviour_change.known_to_probation", {kNotFromForm, "", ""}},
      {"referral.behaviour_change.previous_programme", {kNotFromForm, "", ""}},
      {"referral.behaviour_change.previous_programme_name",
       {kNotFromForm, "", ""}},
      {"referral.risk_assessment.form_version", {kNotFromForm, "", ""}},
      {"referral.risk_assessment.answers[].question", {kNotFromForm, "", ""}},
      {"referral.risk_assessment.answers[].answer", {kNotFromForm, "", ""}},
      {"referral.risk_assessment.answers[].comment", {kNotFromForm, "", ""}},
      {"referral.risk_assessment.answers[].source", {kNotFromForm, "", ""}},
      {"referral.risk_assessment.police_callouts_past_12_months",
       {kNotFromForm, "", ""}},
      {"referral.risk_assessment.professional_judgement_reason",
       {kNotFromForm, "", ""}},
      {"referral.risk_assessment.previous_marac_referral_date",
       {kNotFromForm, "", ""}},
      {"referral.risk_assessment.completed_at", {kNotFromForm, "", ""}},
      {"referral.suspect_known_victims", {kNotFromForm, "", ""}},
      // The person's answers. The referrer of a self-referral is the person.
      {"referral.referrer.name",
       {"given-names", "Enter your first name",
        "Your name must be 200 characters or fewer, using letters and "
        "common punctuation"}},
      {"referral.referrer.phone",
       {"phone", "Enter a phone number or an email address",
        "Enter a phone number, like 01632 960 001 or 07700 900 982"}},
      {"referral.referrer.email",
       {"email", "Enter a phone number or an email address",
        "Enter an email address in the correct format, like "
        "name@example.com"}},
      {"referral.subject.name", {"given-names", "Enter your first name", ""}},
      {"referral.subject.name.given_names",
       {"given-names", "Enter your first name",
        "Your first name must be 200 characters or fewer, using letters and "
        "common punctuation"}},
      {"referral.subject.name.family_name",
       {"family-name", "Enter your last name",
        "Your last name must be 200 characters or fewer, using letters and "
        "common punctuation"}},
      {"referral.subject.date_of_birth",
       {"dob-day", "Enter your date of birth",
        "Date of birth must be a real date in the past"}},
      {"referral.subject.contact",
       {"phone", "Enter a phone number or an email address", ""}},
      {"referral.subject.contact.phone",
       {"phone", "Enter a phone number or an email address",
        "Enter a phone number, like 01632 960 001 or 07700 900 982"}},
      {"referral.subject.contact.email",
       {"email", "Enter a phone number or an email address",
        "Enter an email address in the correct format, like "
        "name@example.com"}},
      {"referral.subject.contact.safe_times",
       {"safe-times", "Tell us when it is safe to contact you",
        "Safe times must be 500 characters or fewer"}},
      {"referral.subject.address",
       {"address-postcode", "Enter your postcode", ""}},
      {"referral.subject.address.lines",
       {"address-line-1", "", "Enter at most 2 address lines"}},
      {"referral.subject.address.lines[]",
       {"address-line-{n}", "",
        "Each address line must be 200 characters or fewer"}},
      {"referral.subject.address.town",
       {"address-town", "Enter your town or city",
        "Town or city must be 100 characters or fewer"}},
      {"referral.subject.address.postcode",
       {"address-postcode", "Enter your postcode",
        "Enter a real postcode, like ST4 7AB"}},
      {"referral.subject.address.district",
       {"address-postcode", "Enter a postcode in the area this service covers",
        "Enter a postcode in the area this service covers"}},
      {"referral.subject.specialist_needs",
       {"need-lgbtq", "", "Select each need at most once"}},
      {"referral.subject.specialist_needs[]",
       {"need-lgbtq", "", "Select each need at most once"}},
      {"referral.children",
       {"child-1-given-names", "",
        "You can tell us about at most 20 children here"}},
      {"referral.children[].name",
       {"child-{n}-given-names", "Enter the child's first name", ""}},
      {"referral.children[].name.given_names",
       {"child-{n}-given-names", "Enter the child's first name",
        "The child's first name must be 200 characters or fewer"}},
      {"referral.children[].name.family_name",
       {"child-{n}-family-name", "Enter the child's last name",
        "The child's last name must be 200 characters or fewer"}},
      {"referral.children[].date_of_birth",
       {"child-{n}-dob-day", "Enter the child's date of birth",
        "The child's date of birth must be a real date in the past"}},
      {"referral.concerns",
       {"concerns", "Tell us what is happening",
        "What is happening must be 10,000 characters or fewer"}},
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

}  // namespace

const std::vector<std::string>& SelfReferralFields() {
  static const auto* const kFields = [] {
    auto* f = new std::vector<std::string>{
        "given-names", "family-name", "dob-day", "dob-month", "dob-year",
        "address-line-1", "address-line-2", "address-town", "address-postcode",
        "phone", "email", "safe-to-call", "safe-to-leave-message", "safe-times",
        "concerns", "children"};
    for (int i = 0; i < kFormChildren; ++i) {
      for (const char* w : {"given-names", "family-name", "dob-day",
                            "dob-month", "dob-year"}) {
        f->push_back(ChildField(i, w));
      }
    }
    for (const NeedBox& n : kNeedBoxes) f->push_back(n.field);
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
  s.mutable_name()->set_given_names(Get(form, "given-names"));
  s.mutable_name()->set_family_name(Get(form, "family-name"));
  bool dob_present = false;
  ReadDate(form, "dob", "Date of birth", s.mutable_date_of_birth(),
           &dob_present, out.errors);
  if (!dob_present) s.clear_date_of_birth();

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
  if (auto v = ReadYesNo(form, "safe-to-call",
                         "Select yes if it is safe for us to call you",
                         out.errors)) {
    c.set_safe_to_call(*v);
  }
  if (auto v = ReadYesNo(form, "safe-to-leave-message",
                         "Select yes if it is safe for us to leave a message",
                         out.errors)) {
    c.set_safe_to_leave_message(*v);
  }
  c.set_safe_times(Get(form, "safe-times"));

  for (const NeedBox& n : kNeedBoxes) {
    if (Get(form, n.field) == kYes) s.add_specialist_needs(n.need);
  }

  r.set_concerns(Get(form, "concerns"));

  if (auto children = ReadYesNo(form, "children",
                                "Select yes if any children live with you",
                                out.errors);
      children.value_or(false)) {
    for (int i = 0; i < kFormChildren; ++i) {
      const std::string given = Get(form, ChildField(i, "given-names"));
      const std::string family = Get(form, ChildField(i, "family-name"));
      google::type::Date dob;
      bool dob_given = false;
      ReadDate(form, absl::StrCat("child-", i + 1, "-dob"),
               "The child's date of birth", &dob, &dob_given, out.errors);
      const bool any = !given.empty() || !family.empty() || dob_given;
      // The first child is asked for whenever the answer is yes.
      if (!any && i > 0) continue;
      common::v1::Child& child = *r.add_children();
      child.mutable_name()->set_given_names(given);
      child.mutable_name()->set_family_name(family);
      if (dob_given) *child.mutable_date_of_birth() = dob;
    }
  }

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

std::optional<FormError> MapViolation(const FieldViolation& violation) {
  const auto [path, index] = Normalise(violation.field);
  auto it = Mapping().find(path);
  if (it == Mapping().end() || it->second.field[0] == '\0') {
    return std::nullopt;
  }
  const Target& t = it->second;
  const bool missing = absl::StartsWith(violation.description, "required") ||
                       absl::StartsWith(violation.description,
                                        "a phone number or an email address");
  std::string message = missing ? t.missing : t.invalid;
  if (message.empty()) message = missing ? t.invalid : t.missing;
  const std::string field = absl::StrReplaceAll(
      t.field, {{"{n}", absl::StrCat(index < 0 ? 1 : index + 1)}});
  return FormError{field, message};
}

std::vector<FormError> MapViolations(
    const std::vector<FieldViolation>& violations,
    std::vector<std::string>* unmapped) {
  std::vector<FormError> errors;
  for (const FieldViolation& v : violations) {
    std::optional<FormError> e = MapViolation(v);
    if (!e.has_value()) {
      if (unmapped != nullptr) unmapped->push_back(v.field);
      continue;
    }
    const bool seen =
        std::any_of(errors.begin(), errors.end(),
                    [&](const FormError& x) { return x.field == e->field; });
    if (!seen) errors.push_back(*std::move(e));
  }
  const auto& order = SelfReferralFields();
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
