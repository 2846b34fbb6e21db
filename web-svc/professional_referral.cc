#include "web-svc/professional_referral.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace frontdoor::web {
namespace {

using common::v1::Referral;

constexpr char kYes[] = "yes";
constexpr char kNo[] = "no";
// Consent radios' values.
constexpr char kConsentGiven[] = "given";
constexpr char kConsentRefused[] = "refused";
constexpr char kConsentNotSought[] = "not-sought";
// Question sets (intake-svc/validation.h names them too).
constexpr char kAdultDash[] = "safelives-dash-24";
constexpr char kYoungPeoplesDash[] = "safelives-yp-dash-24";

// The SafeLives DASH in plain English, asked of the professional about the
// person (the young people's DASH numbers its questions alike;
// frontdoor/common/v1/referral.proto lists them).
constexpr const char* kDash[kDashQuestions] = {
    "Has the current incident resulted in an injury?",
    "Are they very frightened?",
    "Are they afraid of further injury or violence, of being killed, or of "
    "someone else being harmed?",
    "Do they feel isolated from family or friends?",
    "Are they feeling depressed or having thoughts of suicide?",
    "Have they separated, or tried to separate, from the person harming them "
    "in the past year?",
    "Is there conflict over contact with children?",
    "Does the person harming them constantly text, call, contact, follow, "
    "stalk or harass them, including online?",
    "Are they pregnant, or have they had a baby in the last 18 months?",
    "Is the abuse happening more often?",
    "Is the abuse getting worse?",
    "Does the person harming them try to control everything they do, or are "
    "they very jealous?",
    "Has the person harming them used weapons or objects to hurt them?",
    "Has the person harming them threatened to kill them or someone else, and "
    "did they believe it?",
    "Has the person harming them tried to strangle, choke, suffocate or drown "
    "them?",
    "Does the person harming them do or say sexual things that make them feel "
    "bad, or that hurt them or someone else?",
    "Is there anyone else who has threatened them, or who they are afraid "
    "of?",
    "Has the person harming them hurt anyone else, such as children, "
    "brothers or sisters, older relatives or strangers?",
    "Has the person harming them ever mistreated an animal or the family "
    "pet?",
    "Are there money problems, for example do they depend on the person "
    "harming them for money, or has that person recently lost their job?",
    "Has the person harming them had problems with drugs, alcohol or mental "
    "health in the past year?",
    "Has the person harming them threatened or tried to take their own "
    "life?",
    "Has the person harming them broken bail conditions, an injunction or a "
    "court order?",
    "Has the person harming them been in trouble with the police, or do "
    "they have a criminal record?",
};

// The other party's relationship radios.
struct RelationshipValue {
  const char* value;
  common::v1::Relationship relationship;
};
constexpr RelationshipValue kRelationships[] = {
    {"current-partner", common::v1::RELATIONSHIP_CURRENT_PARTNER},
    {"ex-partner", common::v1::RELATIONSHIP_EX_PARTNER},
    {"family-member", common::v1::RELATIONSHIP_FAMILY_MEMBER},
    {"other", common::v1::RELATIONSHIP_OTHER},
};

common::v1::Consent ReadConsent(const FormValues& form,
                                const std::string& name) {
  const std::string v = FormValue(form, name);
  if (v == kConsentGiven) return common::v1::CONSENT_GIVEN;
  if (v == kConsentRefused) return common::v1::CONSENT_REFUSED;
  if (v == kConsentNotSought) return common::v1::CONSENT_NOT_SOUGHT_SAFEGUARDING;
  return common::v1::CONSENT_UNSPECIFIED;
}

common::v1::Answer ReadAnswer(const std::string& v) {
  if (v == kDashYes) return common::v1::ANSWER_YES;
  if (v == kDashNo) return common::v1::ANSWER_NO;
  if (v == kDashDontKnow) return common::v1::ANSWER_DONT_KNOW;
  return common::v1::ANSWER_UNSPECIFIED;
}

std::string DashField(int n) { return absl::StrCat("dash-", n); }

std::vector<std::string> FieldsOf(ProfessionalForm form) {
  const ProfessionalFormSpec& spec = SpecFor(form);
  std::vector<std::string> f = {
      "referrer-name", "referrer-organisation", "referrer-role",
      "referrer-email", "referrer-phone", "referrer-case-reference",
      "given-names", "family-name", "dob-day", "dob-month", "dob-year",
      "address-line-1", "address-line-2", "address-town", "address-postcode",
      "phone", "email", "safe-to-call", "safe-to-leave-message", "safe-times",
      "other-given-names", "other-family-name", "other-dob-day",
      "other-dob-month", "other-dob-year", "other-relationship"};
  if (form == ProfessionalForm::kBehaviourChange) {
    for (const char* b : {"known-to-probation", "previous-programme",
                          "previous-programme-name", "out-of-court-disposal"}) {
      f.push_back(b);
    }
  }
  f.push_back("concerns");
  f.push_back("children");
  AppendChildFields(f);
  if (form != ProfessionalForm::kBehaviourChange) {
    AppendNeedFields(f);
  }
  f.push_back("consent");
  if (form == ProfessionalForm::kChild) f.push_back("parent-consent");
  if (spec.dash_form_version[0] != '\0') {
    for (int q = 1; q <= kDashQuestions; ++q) {
      f.push_back(DashField(q));
      f.push_back(DashField(q) + "-comment");
    }
  }
  return f;
}

}  // namespace

const std::vector<ProfessionalFormSpec>& ProfessionalForms() {
  static const auto* const kForms = new std::vector<ProfessionalFormSpec>{
      {ProfessionalForm::kAdultVictim, "adult-victim",
       "professional_adult_victim", "Refer an adult who is being harmed",
       "For someone aged 18 or over who is experiencing domestic abuse. You "
       "can include a DASH risk checklist.",
       "the person's", "the other person's", kAdultDash},
      {ProfessionalForm::kBehaviourChange, "behaviour-change",
       "professional_behaviour_change",
       "Refer an adult to change their behaviour",
       "For someone aged 18 or over who is harming a partner, ex-partner or "
       "family member and has agreed to be referred.",
       "the person's", "the partner's", ""},
      {ProfessionalForm::kChild, "child", "professional_child",
       "Refer a child or young person",
       "For anyone aged 17 or under who is affected by domestic abuse, or "
       "who is harming someone. You can include a young people's DASH for "
       "ages 13 to 17.",
       "the child's", "the other person's", kYoungPeoplesDash},
  };
  return *kForms;
}

const ProfessionalFormSpec& SpecFor(ProfessionalForm form) {
  for (const ProfessionalFormSpec& s : ProfessionalForms()) {
    if (s.form == form) return s;
  }
  return ProfessionalForms().front();
}

const char* DashQuestion(int n) {
  return n >= 1 && n <= kDashQuestions ? kDash[n - 1] : "";
}

const std::vector<std::string>& ProfessionalFields(ProfessionalForm form) {
  static const auto* const kVictim =
      new std::vector<std::string>(FieldsOf(ProfessionalForm::kAdultVictim));
  static const auto* const kBehaviour = new std::vector<std::string>(
      FieldsOf(ProfessionalForm::kBehaviourChange));
  static const auto* const kChild =
      new std::vector<std::string>(FieldsOf(ProfessionalForm::kChild));
  switch (form) {
    case ProfessionalForm::kBehaviourChange:
      return *kBehaviour;
    case ProfessionalForm::kChild:
      return *kChild;
    case ProfessionalForm::kAdultVictim:
      break;
  }
  return *kVictim;
}

bool IsAcceptedWorkEmail(std::string_view email,
                         const std::vector<std::string>& domains) {
  const std::string e = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(std::string(email)));
  const size_t at = e.find('@');
  if (at == std::string::npos || at == 0 ||
      e.find('@', at + 1) != std::string::npos) {
    return false;
  }
  const std::string host = e.substr(at + 1);
  for (const std::string& d : domains) {
    if (d.empty()) continue;
    if (host == d) return true;
    // A subdomain: one more label, ending exactly in ".<domain>".
    if (host.size() > d.size() + 1 && absl::EndsWith(host, d) &&
        host[host.size() - d.size() - 1] == '.' &&
        host[0] != '.') {
      return true;
    }
  }
  return false;
}

BuiltReferral BuildProfessionalReferral(
    ProfessionalForm form, const FormValues& values,
    const std::vector<std::string>& domains) {
  BuiltReferral out = BuildFrontDoorReferral(form, values);
  // The referrer: the form asks for all four of these itself (intake
  // needs only the name and a way of contact); the work email must be on
  // a domain the service accepts. Shown first, as the page asks them.
  const common::v1::Referrer& ref = out.referral.referrer();
  std::vector<FormError> about_you;
  if (ref.name().empty()) about_you.push_back({"referrer-name", "Enter your name"});
  if (ref.organisation().empty()) {
    about_you.push_back({"referrer-organisation", "Enter your organisation"});
  }
  if (ref.role().empty()) about_you.push_back({"referrer-role", "Enter your role"});
  if (ref.email().empty()) {
    about_you.push_back({"referrer-email", "Enter your work email address"});
  } else if (!IsAcceptedWorkEmail(ref.email(), domains)) {
    std::vector<std::string> shown(domains.begin(), domains.end());
    about_you.push_back(
        {"referrer-email",
         absl::StrCat("Enter a work email address ending in ",
                      absl::StrJoin(shown, ", "))});
  }
  out.errors.insert(out.errors.begin(), about_you.begin(), about_you.end());
  return out;
}

BuiltReferral BuildFrontDoorReferral(ProfessionalForm form,
                                     const FormValues& values) {
  const ProfessionalFormSpec& spec = SpecFor(form);
  BuiltReferral out;
  Referral& r = out.referral;
  r.set_channel(common::v1::CHANNEL_WEB_FORM);
  switch (form) {
    case ProfessionalForm::kAdultVictim:
      r.set_requested_service(common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
      break;
    case ProfessionalForm::kBehaviourChange:
      r.set_requested_service(common::v1::REQUESTED_SERVICE_BEHAVIOUR_CHANGE);
      break;
    case ProfessionalForm::kChild:
      r.set_requested_service(
          common::v1::REQUESTED_SERVICE_CHILDRENS_FRONT_DOOR);
      break;
  }

  // The referrer, as given.
  common::v1::Referrer& ref = *r.mutable_referrer();
  ref.set_name(FormValue(values, "referrer-name"));
  ref.set_organisation(FormValue(values, "referrer-organisation"));
  ref.set_role(FormValue(values, "referrer-role"));
  ref.set_email(FormValue(values, "referrer-email"));
  ref.set_phone(FormValue(values, "referrer-phone"));
  ref.set_agency_case_reference(FormValue(values, "referrer-case-reference"));

  common::v1::Subject& s = *r.mutable_subject();
  ReadPerson(values,
             {"Select yes if it is safe to call them",
              "Select yes if it is safe to leave them a message"},
             s, out.errors);
  if (form != ProfessionalForm::kBehaviourChange) {
    ReadSpecialistNeeds(values, s);
  }

  // The other party: sent when anything about them is given (required for
  // behaviour change, where intake says so).
  {
    common::v1::OtherParty other;
    other.mutable_name()->set_given_names(FormValue(values, "other-given-names"));
    other.mutable_name()->set_family_name(FormValue(values, "other-family-name"));
    const bool dob = ReadFormDate(values, "other-dob", "Date of birth",
                                  other.mutable_date_of_birth(), out.errors);
    if (!dob) other.clear_date_of_birth();
    const std::string rel = FormValue(values, "other-relationship");
    for (const RelationshipValue& v : kRelationships) {
      if (rel == v.value) other.set_relationship(v.relationship);
    }
    const bool any = !other.name().given_names().empty() ||
                     !other.name().family_name().empty() || dob ||
                     !rel.empty();
    if (any) *r.mutable_other_party() = std::move(other);
  }

  if (form == ProfessionalForm::kBehaviourChange) {
    common::v1::BehaviourChangeDetails& bc = *r.mutable_behaviour_change();
    bc.set_known_to_probation(
        ReadAnswer(FormValue(values, "known-to-probation")));
    bc.set_previous_programme(
        ReadAnswer(FormValue(values, "previous-programme")));
    bc.set_previous_programme_name(
        FormValue(values, "previous-programme-name"));
    bc.set_out_of_court_disposal(
        FormValue(values, "out-of-court-disposal") == kYes);
  }

  r.set_concerns(FormValue(values, "concerns"));
  const std::optional<bool> children = ReadYesNo(
      values, "children",
      form == ProfessionalForm::kChild
          ? "Select yes if other children live in the household"
          : "Select yes if any children live in the household",
      out.errors);
  ReadChildren(values, children.value_or(false), r.mutable_children(),
               out.errors);

  r.mutable_consent()->set_subject(ReadConsent(values, "consent"));
  if (form == ProfessionalForm::kChild) {
    r.mutable_consent()->set_parent_or_carer(
        ReadConsent(values, "parent-consent"));
  }

  // The optional DASH: only the questions answered are sent; a comment
  // needs its answer.
  if (spec.dash_form_version[0] != '\0') {
    common::v1::RiskAssessment dash;
    dash.set_form_version(spec.dash_form_version);
    for (int q = 1; q <= kDashQuestions; ++q) {
      const common::v1::Answer answer =
          ReadAnswer(FormValue(values, DashField(q)));
      const std::string comment = FormValue(values, DashField(q) + "-comment");
      if (answer == common::v1::ANSWER_UNSPECIFIED) {
        if (!comment.empty()) {
          out.errors.push_back(
              {DashField(q),
               absl::StrCat("Select an answer to question ", q,
                            ", or delete its comment")});
        }
        continue;
      }
      common::v1::DashAnswer& a = *dash.add_answers();
      a.set_question(q);
      a.set_answer(answer);
      a.set_comment(comment);
      out.answer_questions.push_back(q);
    }
    if (dash.answers_size() > 0) *r.mutable_risk_assessment() = std::move(dash);
  }
  return out;
}

MappingContext ProfessionalMapping(ProfessionalForm form,
                                   const BuiltReferral& built) {
  const ProfessionalFormSpec& spec = SpecFor(form);
  MappingContext m;
  m.kind = FormKind::kProfessional;
  m.subject = spec.subject;
  m.other = spec.other;
  m.field_order = &ProfessionalFields(form);
  m.answer_questions = built.answer_questions;
  return m;
}

}  // namespace frontdoor::web
