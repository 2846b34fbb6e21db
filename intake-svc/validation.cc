#include "intake-svc/validation.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/identity/identity.h"
#include "common/rights/rectify.h"
#include "common/status/errors.h"
#include "common/text/text_rules.h"
#include "intake-svc/routing.h"

namespace frontdoor::intake {
namespace {

using common::v1::Answer;
using common::v1::Referral;
using common::v1::RequestedService;

constexpr char kRequired[] = "required";
constexpr char kNoFormatControls[] =
    "must not contain bidirectional or other format control characters";
constexpr int kEarliestBirthYear = 1900;

// A rectification (common/rights/rectify.h) is checked as a submission is.
static_assert(rights::kRectifyMaxNameChars == kMaxNameChars);
static_assert(rights::kRectifyMaxPhoneChars == kMaxPhoneChars);
static_assert(rights::kRectifyMaxEmailChars == kMaxEmailChars);
static_assert(rights::kRectifyMaxSafeTimesChars == kMaxSafeTimesChars);
static_assert(rights::kRectifyMaxAddressLines == kMaxAddressLines);
static_assert(rights::kRectifyMaxAddressLineChars == kMaxAddressLineChars);
static_assert(rights::kRectifyMaxTownChars == kMaxTownChars);
static_assert(rights::kRectifyMaxPostcodeChars == kMaxPostcodeChars);
static_assert(rights::kRectifyEarliestBirthYear == kEarliestBirthYear);
static_assert(rights::kRectifyOldestPlausibleAge == kOldestPlausibleAge);

// Collects violations with field paths relative to a prefix.
class Checker {
 public:
  explicit Checker(std::vector<FieldViolation>& out) : out_(out) {}

  void Add(std::string field, std::string description) {
    out_.push_back({std::move(field), std::move(description)});
  }
  size_t count() const { return out_.size(); }
  void Text(const std::string& field, absl::string_view value, size_t max,
            Lines lines = Lines::kSingle) {
    CheckText(field, value, max, lines, out_);
  }
  void RequiredText(const std::string& field, absl::string_view value,
                    size_t max, Lines lines = Lines::kSingle) {
    if (absl::StripAsciiWhitespace(value).empty()) {
      Add(field, kRequired);
      return;
    }
    Text(field, value, max, lines);
  }
  // A person's name: required text, and no bidirectional or other format
  // controls (identity::HasForbiddenFormatControl; the zero-width
  // characters pasted text carries are accepted).
  void RequiredName(const std::string& field, absl::string_view value) {
    const size_t before = out_.size();
    RequiredText(field, value, kMaxNameChars);
    if (out_.size() == before && identity::HasForbiddenFormatControl(value)) {
      Add(field, kNoFormatControls);
    }
  }

 private:
  std::vector<FieldViolation>& out_;
};

bool IsKnownAnswer(Answer a) {
  return a == common::v1::ANSWER_YES || a == common::v1::ANSWER_NO ||
         a == common::v1::ANSWER_DONT_KNOW;
}

void CheckName(Checker& c, const std::string& field, bool present,
               const common::v1::PersonName& name) {
  if (!present) {
    c.Add(field, kRequired);
    return;
  }
  c.RequiredName(field + ".given_names", name.given_names());
  c.RequiredName(field + ".family_name", name.family_name());
}

// Checks a full calendar date; `required` says whether absence is a
// violation. Returns true when a valid date is present.
bool CheckDate(Checker& c, const std::string& field, bool present,
               const google::type::Date& date, absl::CivilDay today,
               bool required) {
  if (!present) {
    if (required) c.Add(field, kRequired);
    return false;
  }
  const absl::CivilDay day(date.year(), date.month(), date.day());
  if (date.year() < kEarliestBirthYear || date.month() < 1 ||
      date.month() > 12 || date.day() < 1 || day.year() != date.year() ||
      day.month() != date.month() || day.day() != date.day()) {
    c.Add(field, "must be a real calendar date (year, month and day)");
    return false;
  }
  if (day > today) {
    c.Add(field, "must not be in the future");
    return false;
  }
  if (AgeOn(date, today) > kOldestPlausibleAge) {
    c.Add(field, absl::StrCat("gives an age over ", kOldestPlausibleAge));
    return false;
  }
  return true;
}

void CheckContact(Checker& c, const std::string& field,
                  const common::v1::SafeContact& contact,
                  bool require_a_way_of_contact) {
  c.Text(field + ".phone", contact.phone(), kMaxPhoneChars);
  c.Text(field + ".email", contact.email(), kMaxEmailChars);
  c.Text(field + ".safe_times", contact.safe_times(), kMaxSafeTimesChars);
  if (!contact.phone().empty() && !LooksLikePhone(contact.phone())) {
    c.Add(field + ".phone",
          "must be a phone number: digits, spaces, +, -, ( and )");
  }
  if (!contact.email().empty() && !LooksLikeEmail(contact.email())) {
    c.Add(field + ".email", "must be an email address");
  }
  if (require_a_way_of_contact && contact.phone().empty() &&
      contact.email().empty()) {
    c.Add(field + ".phone", "a phone number or an email address is required");
  }
}

// `age` is the subject's, when their date of birth is valid.
void CheckAssessment(Checker& c, const common::v1::RiskAssessment& a,
                     const ValidationContext& ctx, std::optional<int> age) {
  const std::string f = "referral.risk_assessment";
  int questions = 0;
  if (a.form_version() == kFormSafeLivesDash24) {
    questions = kSafeLivesDashQuestions;
  } else if (a.form_version() == kFormPoliceDash27) {
    questions = kPoliceDashQuestions;
  } else if (a.form_version() == kFormYoungPeoplesDash24) {
    questions = kYoungPeoplesDashQuestions;
    if (age.has_value() && (*age < kYoungPeoplesDashMinAge ||
                            *age > kYoungPeoplesDashMaxAge)) {
      c.Add(f + ".form_version",
            absl::StrCat("the young people's DASH is for ages ",
                         kYoungPeoplesDashMinAge, " to ",
                         kYoungPeoplesDashMaxAge, "; the subject is ", *age,
                         *age > kYoungPeoplesDashMaxAge
                             ? absl::StrCat(": use \"", kFormSafeLivesDash24,
                                            "\" or \"", kFormPoliceDash27,
                                            "\"")
                             : ""));
    }
  } else if (a.form_version().empty()) {
    c.Add(f + ".form_version", kRequired);
  } else {
    c.Add(f + ".form_version",
          absl::StrCat("unknown question set; expected \"",
                       kFormSafeLivesDash24, "\", \"", kFormPoliceDash27,
                       "\" or \"", kFormYoungPeoplesDash24, "\""));
  }
  absl::flat_hash_set<int> seen;
  for (int i = 0; i < a.answers_size(); ++i) {
    const common::v1::DashAnswer& ans = a.answers(i);
    const std::string af = absl::StrCat(f, ".answers[", i, "]");
    if (questions > 0 && (ans.question() < 1 || ans.question() > questions)) {
      c.Add(af + ".question", absl::StrCat("must be from 1 to ", questions,
                                           " for ", a.form_version()));
    } else if (!seen.insert(ans.question()).second) {
      c.Add(af + ".question",
            absl::StrCat("question ", ans.question(), " is answered twice"));
    }
    if (!IsKnownAnswer(ans.answer())) {
      c.Add(af + ".answer", "must be yes, no or don't know");
    }
    c.Text(af + ".comment", ans.comment(), kMaxCommentChars, Lines::kMulti);
    c.Text(af + ".source", ans.source(), kMaxSourceChars);
  }
  if (a.has_police_callouts_past_12_months() &&
      (a.police_callouts_past_12_months() < 0 ||
       a.police_callouts_past_12_months() > kMaxPoliceCallouts)) {
    c.Add(f + ".police_callouts_past_12_months",
          absl::StrCat("must be from 0 to ", kMaxPoliceCallouts));
  }
  c.Text(f + ".professional_judgement_reason",
         a.professional_judgement_reason(), kMaxJudgementReasonChars,
         Lines::kMulti);
  if (a.professional_judgement_high_risk() &&
      absl::StripAsciiWhitespace(a.professional_judgement_reason()).empty()) {
    c.Add(f + ".professional_judgement_reason",
          "required when professional_judgement_high_risk is set: say why "
          "the risk is judged high");
  }
  CheckDate(c, f + ".previous_marac_referral_date",
            a.has_previous_marac_referral_date(),
            a.previous_marac_referral_date(), ctx.today, /*required=*/false);
  if (a.has_completed_at()) {
    const absl::Time at = absl::FromUnixSeconds(a.completed_at().seconds()) +
                          absl::Nanoseconds(a.completed_at().nanos());
    if (at > ctx.now) c.Add(f + ".completed_at", "must not be in the future");
  }
}

// referral.referrer.on_behalf_of_agency: only staff key a referral on
// behalf of another agency, which must be a referring agency in the
// registry; a referral that came by secure email always names the agency
// that sent it.
void CheckOnBehalfOf(Checker& c, const std::string& agency_id,
                     common::v1::Channel channel,
                     const ValidationContext& ctx) {
  const std::string f = "referral.referrer.on_behalf_of_agency";
  if (agency_id.empty()) {
    if (ctx.caller_is_staff && channel == common::v1::CHANNEL_SECURE_EMAIL) {
      c.Add(f,
            "required: staff keying a secure email referral name the agency "
            "that sent it");
    }
    return;
  }
  if (!ctx.caller_is_staff) {
    c.Add(f,
          "only the service's staff may key a referral on behalf of another "
          "agency");
    return;
  }
  const size_t violations_before = c.count();
  c.Text(f, agency_id, kMaxAgencyIdChars);
  if (c.count() != violations_before) return;
  const config::v1::Agency* agency =
      ctx.agencies == nullptr ? nullptr : ctx.agencies->FindById(agency_id);
  if (agency == nullptr) {
    c.Add(f, "unknown agency: not in the agency registry");
    return;
  }
  const auto& roles = agency->roles();
  if (std::find(roles.begin(), roles.end(), config::v1::ROLE_REFERRER) ==
      roles.end()) {
    c.Add(f, "not a referring agency");
  } else if (std::find(roles.begin(), roles.end(), config::v1::ROLE_STAFF) !=
             roles.end()) {
    c.Add(f,
          "must be the agency that made the referral, not the service's own "
          "staff");
  }
}

}  // namespace

absl::StatusOr<ValidatedReferral> ValidateSubmission(
    const intake::v1::SubmitReferralRequest& request,
    const ValidationContext& ctx) {
  std::vector<FieldViolation> violations;
  Checker c(violations);
  ValidatedReferral out;
  std::optional<int> subject_age;  // when the date of birth is valid

  // Idempotency key.
  const std::string& key = request.idempotency_key();
  if (key.empty()) {
    c.Add("idempotency_key", kRequired);
  } else if (key.size() > kMaxIdempotencyKeyChars) {
    c.Add("idempotency_key", absl::StrCat("too long: at most ",
                                          kMaxIdempotencyKeyChars,
                                          " characters"));
  } else {
    for (char ch : key) {
      if (!absl::ascii_isalnum(ch) && ch != '.' && ch != '_' && ch != ':' &&
          ch != '-') {
        c.Add("idempotency_key",
              "may contain only letters, digits and . _ : -");
        break;
      }
    }
  }

  if (!request.has_referral()) {
    c.Add("referral", kRequired);
    return InvalidArgumentWithViolations("the referral is not valid",
                                         violations);
  }
  const Referral& r = request.referral();

  // What is asked for, and how it came.
  const RequestedService service = r.requested_service();
  const bool behaviour_change =
      service == common::v1::REQUESTED_SERVICE_BEHAVIOUR_CHANGE;
  if (service != common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT &&
      service != common::v1::REQUESTED_SERVICE_BEHAVIOUR_CHANGE &&
      service != common::v1::REQUESTED_SERVICE_CHILDRENS_FRONT_DOOR) {
    c.Add("referral.requested_service",
          service == common::v1::REQUESTED_SERVICE_UNSPECIFIED
              ? kRequired
              : "unknown service");
  }
  if (ctx.caller_is_web_form && r.channel() != common::v1::CHANNEL_WEB_FORM) {
    c.Add("referral.channel", "the web front door submits as CHANNEL_WEB_FORM only");
  } else switch (r.channel()) {
    case common::v1::CHANNEL_PARTNER_API:
      break;
    case common::v1::CHANNEL_PHONE:
    case common::v1::CHANNEL_LIVE_CHAT:
      if (behaviour_change) {
        c.Add("referral.channel",
              "the phone line and live chat take victims' referrals only");
      }
      [[fallthrough]];
    case common::v1::CHANNEL_SECURE_EMAIL:
    case common::v1::CHANNEL_WEB_FORM:
      if (!ctx.caller_is_staff &&
          !(ctx.caller_is_web_form &&
            r.channel() == common::v1::CHANNEL_WEB_FORM)) {
        c.Add("referral.channel",
              "partner systems submit as CHANNEL_PARTNER_API; other channels "
              "are recorded by the service's staff");
      }
      break;
    case common::v1::CHANNEL_UNSPECIFIED:
      c.Add("referral.channel", kRequired);
      break;
    default:
      c.Add("referral.channel", "unknown channel");
  }

  // Referrer.
  if (!r.has_referrer()) {
    c.Add("referral.referrer", kRequired);
  } else {
    const std::string f = "referral.referrer";
    c.RequiredName(f + ".name", r.referrer().name());
    c.Text(f + ".role", r.referrer().role(), kMaxRoleChars);
    c.Text(f + ".organisation", r.referrer().organisation(),
           kMaxOrganisationChars);
    c.Text(f + ".agency_case_reference", r.referrer().agency_case_reference(),
           kMaxCaseReferenceChars);
    common::v1::SafeContact as_contact;
    as_contact.set_phone(r.referrer().phone());
    as_contact.set_email(r.referrer().email());
    CheckContact(c, f, as_contact, /*require_a_way_of_contact=*/true);
    CheckOnBehalfOf(c, r.referrer().on_behalf_of_agency(), r.channel(), ctx);
  }

  // Subject.
  if (!r.has_subject()) {
    c.Add("referral.subject", kRequired);
  } else {
    const common::v1::Subject& s = r.subject();
    const std::string f = "referral.subject";
    CheckName(c, f + ".name", s.has_name(), s.name());
    if (CheckDate(c, f + ".date_of_birth", s.has_date_of_birth(),
                  s.date_of_birth(), ctx.today, /*required=*/true)) {
      out.age = AgeOn(s.date_of_birth(), ctx.today);
      subject_age = out.age;
    }
    c.Text(f + ".gender", s.gender(), kMaxGenderChars);
    if (!s.has_contact()) {
      c.Add(f + ".contact", kRequired);
    } else {
      CheckContact(c, f + ".contact", s.contact(),
                   /*require_a_way_of_contact=*/true);
    }
    if (!s.has_address()) {
      c.Add(f + ".address", kRequired);
    } else {
      const common::v1::Address& a = s.address();
      const std::string af = f + ".address";
      if (a.lines_size() > kMaxAddressLines) {
        c.Add(af + ".lines",
              absl::StrCat("at most ", kMaxAddressLines, " lines"));
      }
      for (int i = 0; i < a.lines_size(); ++i) {
        c.Text(absl::StrCat(af, ".lines[", i, "]"), a.lines(i),
               kMaxAddressLineChars);
      }
      c.Text(af + ".town", a.town(), kMaxTownChars);
      c.Text(af + ".postcode", a.postcode(), kMaxPostcodeChars);
      c.Text(af + ".district", a.district(), kMaxDistrictChars);
      const bool postcode_ok =
          !a.postcode().empty() && LooksLikePostcode(a.postcode());
      if (!a.postcode().empty() && !postcode_ok) {
        c.Add(af + ".postcode", "must be a UK postcode, for example ST4 7AB");
      }
      if (!a.district().empty()) {
        if (!ctx.districts->Contains(a.district())) {
          c.Add(af + ".district",
                "unknown district code; see the service's district list");
        } else {
          out.district = a.district();
        }
      } else {
        out.district =
            postcode_ok ? ctx.districts->FromPostcode(a.postcode()) : "";
        if (out.district.empty()) {
          c.Add(af + ".district",
                "required: the postcode does not identify a district of the "
                "service area");
        }
      }
    }
    if (s.specialist_needs_size() > kMaxSpecialistNeeds) {
      // One violation, not one per entry: a long list must not make a
      // longer reply.
      c.Add(f + ".specialist_needs",
            absl::StrCat("at most ", kMaxSpecialistNeeds,
                         " entries, each need once"));
    } else {
      absl::flat_hash_set<int> seen_needs;
      for (int i = 0; i < s.specialist_needs_size(); ++i) {
        const auto need = s.specialist_needs(i);
        if (need == common::v1::SPECIALIST_NEED_UNSPECIFIED ||
            !common::v1::SpecialistNeed_IsValid(need)) {
          c.Add(absl::StrCat(f, ".specialist_needs[", i, "]"),
                "unknown specialist need");
        } else if (!seen_needs.insert(need).second) {
          c.Add(absl::StrCat(f, ".specialist_needs[", i, "]"),
                "listed twice");
        }
      }
    }
  }

  // Consent.
  if (!r.has_consent() ||
      r.consent().subject() == common::v1::CONSENT_UNSPECIFIED) {
    c.Add("referral.consent.subject", kRequired);
  } else if (!common::v1::Consent_IsValid(r.consent().subject())) {
    c.Add("referral.consent.subject", "unknown consent value");
  } else if (behaviour_change &&
             r.consent().subject() != common::v1::CONSENT_GIVEN) {
    c.Add("referral.consent.subject",
          "behaviour change referrals need the subject's consent "
          "(CONSENT_GIVEN)");
  }
  if (r.has_consent() &&
      !common::v1::Consent_IsValid(r.consent().parent_or_carer())) {
    c.Add("referral.consent.parent_or_carer", "unknown consent value");
  }

  // The other party.
  if (r.has_other_party()) {
    const std::string f = "referral.other_party";
    CheckName(c, f + ".name", r.other_party().has_name(),
              r.other_party().name());
    CheckDate(c, f + ".date_of_birth", r.other_party().has_date_of_birth(),
              r.other_party().date_of_birth(), ctx.today, /*required=*/false);
    const auto rel = r.other_party().relationship();
    if (rel == common::v1::RELATIONSHIP_UNSPECIFIED ||
        !common::v1::Relationship_IsValid(rel)) {
      c.Add(f + ".relationship", kRequired);
    }
    if (r.other_party().has_contact()) {
      CheckContact(c, f + ".contact", r.other_party().contact(),
                   /*require_a_way_of_contact=*/false);
    }
  } else if (behaviour_change) {
    c.Add("referral.other_party",
          "required for behaviour change: the current or ex-partner's "
          "details");
  }

  // Children in the household.
  if (r.children_size() > kMaxChildren) {
    c.Add("referral.children",
          absl::StrCat("at most ", kMaxChildren, " children"));
  }
  for (int i = 0; i < r.children_size(); ++i) {
    const std::string f = absl::StrCat("referral.children[", i, "]");
    CheckName(c, f + ".name", r.children(i).has_name(), r.children(i).name());
    CheckDate(c, f + ".date_of_birth", r.children(i).has_date_of_birth(),
              r.children(i).date_of_birth(), ctx.today, /*required=*/true);
  }

  c.RequiredText("referral.concerns", r.concerns(), kMaxConcernsChars,
                 Lines::kMulti);

  // Behaviour change facts.
  if (behaviour_change) {
    const std::string f = "referral.behaviour_change";
    if (!r.has_behaviour_change()) {
      c.Add(f, "required for behaviour change referrals");
    } else {
      const auto& bc = r.behaviour_change();
      if (!IsKnownAnswer(bc.known_to_probation())) {
        c.Add(f + ".known_to_probation",
              "required: whether the subject is or was known to probation");
      }
      if (!IsKnownAnswer(bc.previous_programme())) {
        c.Add(f + ".previous_programme",
              "required: whether the subject has done one of the service's "
              "programmes before");
      }
      c.Text(f + ".previous_programme_name", bc.previous_programme_name(),
             kMaxProgrammeNameChars);
    }
  }

  if (r.has_risk_assessment()) {
    CheckAssessment(c, r.risk_assessment(), ctx, subject_age);
  }
  if (r.has_suspect_known_victims() &&
      (r.suspect_known_victims() < 1 ||
       r.suspect_known_victims() > kMaxSuspectKnownVictims)) {
    c.Add("referral.suspect_known_victims",
          absl::StrCat("must be from 1 to ", kMaxSuspectKnownVictims,
                       " (this referral's victim included)"));
  }

  if (!violations.empty()) {
    return InvalidArgumentWithViolations("the referral is not valid",
                                         violations);
  }
  return out;
}

}  // namespace frontdoor::intake
