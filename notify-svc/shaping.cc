#include "notify-svc/shaping.h"

#include "absl/strings/str_cat.h"

namespace frontdoor::notify {
namespace {

v1::ChildDetails Child(const common::v1::PersonName& name,
                       const google::type::Date& dob) {
  v1::ChildDetails c;
  *c.mutable_name() = name;
  *c.mutable_date_of_birth() = dob;
  return c;
}

bool IsChildReferral(const triage::v1::Decision& d) {
  return d.front_door() == common::v1::FRONT_DOOR_CHILDREN;
}

}  // namespace

v1::SafeContactDetails SafeDetails(const common::v1::SafeContact& contact) {
  v1::SafeContactDetails out;
  if (contact.safe_to_call()) out.set_phone(contact.phone());
  if (contact.safe_to_leave_message()) {
    out.set_email(contact.email());
    out.set_safe_to_leave_message(true);
  }
  if (contact.safe_to_call() || contact.safe_to_leave_message()) {
    out.set_safe_times(contact.safe_times());
  }
  return out;
}

std::vector<Audience> AudiencesOf(const triage::v1::Recipients& r) {
  std::vector<Audience> out;
  const auto add = [&out](bool told, v1::EventKind event,
                          v1::RecipientKind kind) {
    if (told) out.push_back({event, kind});
  };
  add(r.marac(), v1::EVENT_KIND_HIGH_RISK, v1::RECIPIENT_KIND_MARAC_HUB);
  add(r.idva(), v1::EVENT_KIND_HIGH_RISK, v1::RECIPIENT_KIND_IDVA_SERVICE);
  add(r.ypva(), v1::EVENT_KIND_HIGH_RISK, v1::RECIPIENT_KIND_YPVA_SERVICE);
  add(r.childrens_social_care(), v1::EVENT_KIND_CHILD_SAFEGUARDING,
      v1::RECIPIENT_KIND_CHILDRENS_SOCIAL_CARE);
  add(r.mace(), v1::EVENT_KIND_CHILD_EXPLOITATION, v1::RECIPIENT_KIND_MACE);
  return out;
}

v1::ReferrerUpdate ForReferrer(const intake::v1::Receipt& receipt,
                               const common::v1::Referral& referral) {
  v1::ReferrerUpdate u;
  u.set_reference(receipt.reference());
  u.set_agency_case_reference(referral.referrer().agency_case_reference());
  if (receipt.status() == intake::v1::REFERRAL_STATUS_RETURNED) {
    u.set_status(v1::ReferrerUpdate::STATUS_RETURNED);
    for (const auto& reason : receipt.return_reasons()) {
      u.add_return_reasons(absl::StrCat(reason.code(), ": ", reason.message()));
    }
  } else {
    u.set_status(v1::ReferrerUpdate::STATUS_ACCEPTED);
  }
  return u;
}

v1::MaracAlert ForMarac(const triage::v1::Decision& decision,
                        const common::v1::Referral& referral,
                        const std::string& district,
                        const std::string& referring_agency) {
  v1::MaracAlert a;
  a.set_reference(decision.reference());
  *a.mutable_subject_name() = referral.subject().name();
  *a.mutable_subject_date_of_birth() = referral.subject().date_of_birth();
  a.set_district(district);
  a.set_risk_level(decision.risk_level());
  *a.mutable_flags() = decision.marac();
  a.set_dash_score(decision.score());
  a.set_referring_agency(referring_agency);
  a.set_children_in_household(referral.children_size());
  return a;
}

v1::IdvaCase ForIdva(const triage::v1::Decision& decision,
                     const common::v1::Referral& referral,
                     const std::string& district) {
  v1::IdvaCase c;
  c.set_reference(decision.reference());
  *c.mutable_subject_name() = referral.subject().name();
  *c.mutable_contact() = SafeDetails(referral.subject().contact());
  c.set_district(district);
  *c.mutable_flags() = decision.marac();
  for (int need : referral.subject().specialist_needs()) {
    c.add_specialist_needs(static_cast<common::v1::SpecialistNeed>(need));
  }
  return c;
}

v1::YoungPersonCase ForYoungPerson(const triage::v1::Decision& decision,
                                   const common::v1::Referral& referral,
                                   const std::string& district) {
  v1::YoungPersonCase c;
  c.set_reference(decision.reference());
  *c.mutable_subject_name() = referral.subject().name();
  *c.mutable_subject_date_of_birth() = referral.subject().date_of_birth();
  *c.mutable_contact() = SafeDetails(referral.subject().contact());
  c.set_district(district);
  c.set_risk_level(decision.risk_level());
  *c.mutable_flags() = decision.marac();
  for (int need : referral.subject().specialist_needs()) {
    c.add_specialist_needs(static_cast<common::v1::SpecialistNeed>(need));
  }
  return c;
}

v1::MatacAlert ForMatac(const triage::v1::SerialPerpetratorIdentified& e) {
  v1::MatacAlert a;
  a.set_reference(e.reference());
  *a.mutable_suspect_name() = e.suspect_name();
  if (e.has_suspect_date_of_birth()) {
    *a.mutable_suspect_date_of_birth() = e.suspect_date_of_birth();
  }
  a.set_district(e.district());
  a.set_distinct_victims(e.distinct_victims());
  a.set_window_months(e.window_months());
  *a.mutable_related_references() = e.related_references();
  a.set_referring_agency(e.agency_id());
  return a;
}

v1::ChildrensSocialCareAlert ForChildrensSocialCare(
    const triage::v1::Decision& decision, const common::v1::Referral& referral,
    const std::string& district, const std::string& referring_agency) {
  v1::ChildrensSocialCareAlert a;
  a.set_reference(decision.reference());
  if (IsChildReferral(decision)) {
    *a.mutable_subject_child() = Child(referral.subject().name(),
                                       referral.subject().date_of_birth());
  }
  for (const auto& child : referral.children()) {
    *a.add_children() = Child(child.name(), child.date_of_birth());
  }
  a.set_district(district);
  a.set_risk_level(decision.risk_level());
  a.set_referring_agency(referring_agency);
  return a;
}

v1::MaceAlert ForMace(const triage::v1::Decision& decision,
                      const common::v1::Referral& referral,
                      const std::string& district) {
  v1::MaceAlert a;
  a.set_reference(decision.reference());
  *a.mutable_child() =
      Child(referral.subject().name(), referral.subject().date_of_birth());
  a.set_district(district);
  return a;
}

}  // namespace frontdoor::notify
