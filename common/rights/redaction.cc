#include "common/rights/redaction.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace frontdoor::rights {
namespace {

using common::v1::Party;
using google::protobuf::util::TimeUtil;

// An actor naming a member of staff through the console:
// "<account id> as <staff role>" (audit::ActorOf).
constexpr std::string_view kActorRoleSeparator = " as ";
// What an actor naming a person without a (staff) role is shown as: a
// partner's officer, for example.
constexpr char kStaffWithoutRole[] = "person";
// What a practitioner's id is shown as.
constexpr char kPractitionerRole[] = "practitioner";
// Actors that are the suite itself, never a person.
constexpr std::string_view kSystemActors[] = {"auto-triage"};
constexpr char kServiceSuffix[] = "-svc";

// Collects what a redactor withholds.
template <typename T>
class Redactor {
 public:
  Redactor(const Context& context, T record, std::string_view prefix)
      : context_(context), prefix_(prefix) {
    out_.record = std::move(record);
  }

  T& record() { return out_.record; }

  // Withholds `detail` of `owner` at `path` when a rule says so: `clear`
  // clears it (only when the field is set, `present`).
  template <typename Clear>
  bool Apply(bool present, std::string_view path, Owner owner, Detail detail,
             Clear clear) {
    if (!present) return false;
    const std::string rule = RuleFor(context_, owner, detail);
    if (rule.empty()) return false;
    clear();
    Withheld(path, rule);
    return true;
  }

  void Withheld(std::string_view path, std::string_view rule) {
    common::v1::Redaction& r = out_.redactions.emplace_back();
    r.set_path(
        absl::StrCat(prefix_, absl::string_view(path.data(), path.size())));
    r.set_rule(std::string(rule));
  }

  void Review() { out_.needs_review = true; }

  // A staff member's name in `actor` (a field of the record).
  void Staff(std::string_view path, std::string* actor) {
    if (actor->empty()) return;
    std::string shown = StaffShown(context_, *actor);
    if (shown == *actor) return;
    *actor = std::move(shown);
    Withheld(path, kRuleStaffName);
  }

  // Clears every set field of the record but those numbered `keep`, each
  // withheld under `rule`.
  void KeepOnly(std::initializer_list<int> keep, std::string_view rule) {
    const google::protobuf::Reflection* reflection =
        out_.record.GetReflection();
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    reflection->ListFields(out_.record, &fields);
    for (const google::protobuf::FieldDescriptor* field : fields) {
      if (std::find(keep.begin(), keep.end(), field->number()) != keep.end()) {
        continue;
      }
      reflection->ClearField(&out_.record, field);
      Withheld(field->json_name(), rule);
    }
  }

  Redacted<T> Done() && { return std::move(out_); }

 private:
  const Context& context_;
  const std::string prefix_;
  Redacted<T> out_;
};

bool SameParty(const common::v1::PersonInReferral& requester, Owner owner) {
  if (owner.party != requester.party()) return false;
  return owner.party != common::v1::PARTY_CHILD ||
         owner.child_index == requester.child_index();
}

// The role of the subject or the other party.
Role RoleOf(const Roles& roles, Party party) {
  if (party == common::v1::PARTY_SUBJECT) return roles.subject;
  if (party == common::v1::PARTY_OTHER_PARTY) return roles.other_party;
  return Role::kUnknown;
}

// When the roles are not known, each adult is taken as whatever protects
// the other more: the other party as the suspect (all of their details
// withheld from the subject), the subject as the victim (their contact and
// address withheld from the other party).
Role AssumedRole(const Roles& roles, Party party) {
  const Role role = RoleOf(roles, party);
  if (role != Role::kUnknown) return role;
  return party == common::v1::PARTY_SUBJECT ? Role::kVictim : Role::kSuspect;
}

// The requester is a referrer who is not the subject: everything but their
// own details is another person's.
bool ReferrerOfAnother(const Context& context) {
  return context.requester.party() == common::v1::PARTY_REFERRER &&
         !context.self_referral;
}

bool IsPlace(Detail detail) {
  return detail == Detail::kContact || detail == Detail::kAddress;
}

}  // namespace

Roles RolesOf(common::v1::FrontDoor door,
              common::v1::RequestedService requested) {
  switch (door) {
    case common::v1::FRONT_DOOR_ADULT_VICTIM:
      return {Role::kVictim, Role::kSuspect};
    case common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE:
      return {Role::kSuspect, Role::kVictim};
    case common::v1::FRONT_DOOR_CHILDREN:
      return {};
    default:
      break;
  }
  switch (requested) {
    case common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT:
      return {Role::kVictim, Role::kSuspect};
    case common::v1::REQUESTED_SERVICE_BEHAVIOUR_CHANGE:
      return {Role::kSuspect, Role::kVictim};
    default:
      return {};
  }
}

Context ContextFor(const common::v1::ExportSubjectRequest& request,
                   const common::v1::Referral& referral,
                   common::v1::FrontDoor door) {
  Context c;
  c.requester = request.person();
  c.roles = RolesOf(door, referral.requested_service());
  c.self_referral = referral.referrer().self_referral();
  c.show_staff_names = request.show_staff_names();
  return c;
}

std::string RuleFor(const Context& context, Owner owner, Detail detail) {
  const common::v1::PersonInReferral& requester = context.requester;
  // A self-referral's referrer is its subject.
  if (owner.party == common::v1::PARTY_REFERRER && context.self_referral) {
    owner.party = common::v1::PARTY_SUBJECT;
  }
  if (SameParty(requester, owner)) return "";
  // The suspect named without saying which party (notify's MATAC alerts).
  if (owner.party == common::v1::PARTY_UNSPECIFIED) {
    for (Party p : {common::v1::PARTY_SUBJECT, common::v1::PARTY_OTHER_PARTY}) {
      if (requester.party() == p &&
          RoleOf(context.roles, p) == Role::kSuspect) {
        return "";
      }
    }
    return requester.party() == common::v1::PARTY_REFERRER ? kRuleThirdParty
                                                           : kRuleOtherParty;
  }
  // A referrer sees their own details only; nobody else sees a referrer's.
  if (requester.party() == common::v1::PARTY_REFERRER ||
      owner.party == common::v1::PARTY_REFERRER) {
    return kRuleThirdParty;
  }
  const bool requester_is_child = requester.party() == common::v1::PARTY_CHILD;
  if (owner.party == common::v1::PARTY_CHILD) {
    // A child sees that child only; the adults see the household's
    // children, and the record is marked for review.
    return requester_is_child ? kRuleOtherChild : "";
  }
  // The owner is the subject or the other party.
  if (context.without_referral) return kRuleOtherParty;
  const Role owner_role = AssumedRole(context.roles, owner.party);
  if (owner_role == Role::kSuspect) return kRuleOtherParty;
  // The owner is (taken as) a victim.
  if (requester_is_child) {
    // The children's front door's subject is a child too.
    if (owner.party == common::v1::PARTY_SUBJECT &&
        context.roles.subject == Role::kUnknown) {
      return kRuleOtherChild;
    }
    return IsPlace(detail) ? kRuleThirdParty : "";
  }
  // The requester is the other adult: a suspect (or taken as one).
  return IsPlace(detail) ? kRuleVictimContact : "";
}

std::string StaffShown(const Context& context, const std::string& actor) {
  if (context.show_staff_names || actor.empty()) return actor;
  for (std::string_view system : kSystemActors) {
    if (actor == system) return actor;
  }
  if (absl::EndsWith(actor, kServiceSuffix)) return actor;
  const size_t at = actor.rfind(kActorRoleSeparator);
  if (at == std::string::npos) return kStaffWithoutRole;
  return actor.substr(at + kActorRoleSeparator.size());
}

Redacted<common::v1::Referral> RedactReferral(const Context& context,
                                              common::v1::Referral referral,
                                              std::string_view prefix) {
  Redactor<common::v1::Referral> r(context, std::move(referral), prefix);
  common::v1::Referral& f = r.record();
  const Owner subject{common::v1::PARTY_SUBJECT};
  const Owner other{common::v1::PARTY_OTHER_PARTY};
  const Owner referrer{common::v1::PARTY_REFERRER};

  // The referrer.
  common::v1::Referrer& who = *f.mutable_referrer();
  r.Apply(!who.name().empty(), "referrer.name", referrer, Detail::kIdentity,
          [&] { who.clear_name(); });
  r.Apply(!who.phone().empty(), "referrer.phone", referrer, Detail::kContact,
          [&] { who.clear_phone(); });
  r.Apply(!who.email().empty(), "referrer.email", referrer, Detail::kContact,
          [&] { who.clear_email(); });

  // The subject: everything, or their contact details and address.
  if (f.has_subject()) {
    common::v1::Subject& s = *f.mutable_subject();
    if (!r.Apply(true, "subject", subject, Detail::kIdentity,
                 [&] { f.clear_subject(); })) {
      r.Apply(s.has_contact(), "subject.contact", subject, Detail::kContact,
              [&] { s.clear_contact(); });
      r.Apply(s.has_address(), "subject.address", subject, Detail::kAddress,
              [&] { s.clear_address(); });
    }
  }
  // The other party: everything, or their contact details.
  if (f.has_other_party()) {
    common::v1::OtherParty& o = *f.mutable_other_party();
    if (!r.Apply(true, "otherParty", other, Detail::kIdentity,
                 [&] { f.clear_other_party(); })) {
      r.Apply(o.has_contact(), "otherParty.contact", other, Detail::kContact,
              [&] { o.clear_contact(); });
    }
  }
  // Children: each one by their position; the adults' exports keep them.
  if (f.children_size() > 0) {
    common::v1::Referral kept = f;
    kept.clear_children();
    for (int i = 0; i < f.children_size(); ++i) {
      const std::string rule = RuleFor(
          context, Owner{common::v1::PARTY_CHILD, i}, Detail::kIdentity);
      if (rule.empty()) {
        *kept.add_children() = f.children(i);
      } else {
        r.Withheld(absl::StrCat("children[", i, "]"), rule);
      }
    }
    f = std::move(kept);
    // Anything about a child's abuse is reviewed before release.
    r.Review();
  }
  // What the subject's side told: the referrer sees none of it (it is the
  // subject's); for everyone else free text is reviewed, not stripped.
  if (ReferrerOfAnother(context)) {
    r.KeepOnly({common::v1::Referral::kRequestedServiceFieldNumber,
                common::v1::Referral::kChannelFieldNumber,
                common::v1::Referral::kReferrerFieldNumber},
               kRuleThirdParty);
  }
  if (!f.concerns().empty()) r.Review();
  if (f.has_risk_assessment()) {
    const common::v1::RiskAssessment& a = f.risk_assessment();
    bool free_text = !a.professional_judgement_reason().empty();
    for (const common::v1::DashAnswer& answer : a.answers()) {
      free_text = free_text || !answer.comment().empty();
    }
    if (free_text) r.Review();
  }
  // A child's referral, or a child's export, is about a child's abuse.
  if (context.roles.subject == Role::kUnknown ||
      context.requester.party() == common::v1::PARTY_CHILD) {
    r.Review();
  }
  return std::move(r).Done();
}

Redacted<intake::v1::Receipt> RedactReceipt(const Context& context,
                                            intake::v1::Receipt receipt,
                                            std::string_view prefix) {
  Redactor<intake::v1::Receipt> r(context, std::move(receipt), prefix);
  intake::v1::Receipt& f = r.record();
  // Whether the subject was referred before is the subject's.
  r.Apply(f.repeat() != intake::v1::REPEAT_STATUS_UNSPECIFIED, "repeat",
          Owner{common::v1::PARTY_SUBJECT}, Detail::kIdentity,
          [&] { f.clear_repeat(); });
  return std::move(r).Done();
}

Redacted<triage::v1::Decision> RedactDecision(const Context& context,
                                              triage::v1::Decision decision,
                                              std::string_view prefix) {
  Redactor<triage::v1::Decision> r(context, std::move(decision), prefix);
  triage::v1::Decision& f = r.record();
  r.Staff("decidedBy", f.mutable_decided_by());
  if (!f.tier_override_reason().empty()) r.Review();
  if (f.front_door() == common::v1::FRONT_DOOR_CHILDREN ||
      f.child_severity() != triage::v1::CHILD_SEVERITY_UNSPECIFIED ||
      f.recipients().childrens_social_care() || f.recipients().mace() ||
      f.recipients().ypva() ||
      context.requester.party() == common::v1::PARTY_CHILD) {
    r.Review();
  }
  if (ReferrerOfAnother(context)) {
    // The subject's assessment, not the referrer's.
    r.KeepOnly({triage::v1::Decision::kReferenceFieldNumber,
                triage::v1::Decision::kDecidedByFieldNumber,
                triage::v1::Decision::kDecidedAtFieldNumber},
               kRuleThirdParty);
  }
  return std::move(r).Done();
}

Redacted<triage::v1::SubmitAssessmentRequest> RedactAssessment(
    const Context& context, triage::v1::SubmitAssessmentRequest assessment,
    std::string_view prefix) {
  Redactor<triage::v1::SubmitAssessmentRequest> r(
      context, std::move(assessment), prefix);
  triage::v1::SubmitAssessmentRequest& f = r.record();
  if (ReferrerOfAnother(context)) {
    r.KeepOnly({triage::v1::SubmitAssessmentRequest::kReferenceFieldNumber},
               kRuleThirdParty);
    return std::move(r).Done();
  }
  // A children's assessment is about a child's abuse; any free text is
  // reviewed.
  if (f.has_child() || f.has_tier_override() ||
      context.requester.party() == common::v1::PARTY_CHILD) {
    r.Review();
  }
  if (f.has_dash()) {
    for (const common::v1::DashAnswer& a : f.dash().answers()) {
      if (!a.comment().empty()) r.Review();
    }
    if (!f.dash().professional_judgement_reason().empty()) r.Review();
  }
  return std::move(r).Done();
}

Redacted<allocation::v1::Placement> RedactPlacement(
    const Context& context, allocation::v1::Placement placement,
    std::string_view prefix) {
  Redactor<allocation::v1::Placement> r(context, std::move(placement), prefix);
  allocation::v1::Placement& f = r.record();
  if (!f.practitioner_id().empty() && !context.show_staff_names) {
    f.set_practitioner_id(kPractitionerRole);
    r.Withheld("practitionerId", kRuleStaffName);
  }
  if (ReferrerOfAnother(context)) {
    if (!f.reason().empty()) r.Withheld("reason", kRuleThirdParty);
    f.clear_reason();
    if (f.has_consent()) r.Withheld("consent", kRuleThirdParty);
    f.clear_consent();
  }
  // What staff typed may name people: reviewed before release.
  if (!f.reason().empty()) r.Review();
  if (context.requester.party() == common::v1::PARTY_CHILD) r.Review();
  return std::move(r).Done();
}

Redacted<notify::v1::Notification> RedactNotification(
    const Context& context, notify::v1::Notification notification,
    std::string_view prefix) {
  Redactor<notify::v1::Notification> r(context, std::move(notification),
                                       prefix);
  notify::v1::Notification& f = r.record();
  const Owner subject{common::v1::PARTY_SUBJECT};
  // The person suspected: by the roles when they are known.
  Owner suspect{common::v1::PARTY_UNSPECIFIED};
  if (context.roles.subject == Role::kSuspect) suspect = subject;
  if (context.roles.other_party == Role::kSuspect) {
    suspect = Owner{common::v1::PARTY_OTHER_PARTY};
  }
  switch (f.body_case()) {
    case notify::v1::Notification::kMaracAlert: {
      notify::v1::MaracAlert& a = *f.mutable_marac_alert();
      r.Apply(a.has_subject_name(), "maracAlert.subjectName", subject,
              Detail::kIdentity, [&] { a.clear_subject_name(); });
      r.Apply(a.has_subject_date_of_birth(), "maracAlert.subjectDateOfBirth",
              subject, Detail::kIdentity,
              [&] { a.clear_subject_date_of_birth(); });
      if (a.children_in_household() > 0) r.Review();
      break;
    }
    case notify::v1::Notification::kIdvaCase: {
      notify::v1::IdvaCase& a = *f.mutable_idva_case();
      r.Apply(a.has_subject_name(), "idvaCase.subjectName", subject,
              Detail::kIdentity, [&] { a.clear_subject_name(); });
      r.Apply(a.has_contact(), "idvaCase.contact", subject, Detail::kContact,
              [&] { a.clear_contact(); });
      break;
    }
    case notify::v1::Notification::kYoungPersonCase: {
      notify::v1::YoungPersonCase& a = *f.mutable_young_person_case();
      r.Apply(a.has_subject_name(), "youngPersonCase.subjectName", subject,
              Detail::kIdentity, [&] { a.clear_subject_name(); });
      r.Apply(a.has_subject_date_of_birth(),
              "youngPersonCase.subjectDateOfBirth", subject, Detail::kIdentity,
              [&] { a.clear_subject_date_of_birth(); });
      r.Apply(a.has_contact(), "youngPersonCase.contact", subject,
              Detail::kContact, [&] { a.clear_contact(); });
      r.Review();
      break;
    }
    case notify::v1::Notification::kMatacAlert: {
      notify::v1::MatacAlert& a = *f.mutable_matac_alert();
      r.Apply(a.has_suspect_name(), "matacAlert.suspectName", suspect,
              Detail::kIdentity, [&] { a.clear_suspect_name(); });
      r.Apply(a.has_suspect_date_of_birth(), "matacAlert.suspectDateOfBirth",
              suspect, Detail::kIdentity,
              [&] { a.clear_suspect_date_of_birth(); });
      // Other victims' referrals.
      if (a.related_references_size() > 0) {
        a.clear_related_references();
        r.Withheld("matacAlert.relatedReferences", kRuleThirdParty);
      }
      break;
    }
    case notify::v1::Notification::kChildrensSocialCareAlert: {
      notify::v1::ChildrensSocialCareAlert& a =
          *f.mutable_childrens_social_care_alert();
      r.Apply(a.has_subject_child(), "childrensSocialCareAlert.subjectChild",
              subject, Detail::kIdentity, [&] { a.clear_subject_child(); });
      notify::v1::ChildrensSocialCareAlert kept = a;
      kept.clear_children();
      for (int i = 0; i < a.children_size(); ++i) {
        const std::string rule = RuleFor(
            context, Owner{common::v1::PARTY_CHILD, i}, Detail::kIdentity);
        if (rule.empty()) {
          *kept.add_children() = a.children(i);
        } else {
          r.Withheld(absl::StrCat("childrensSocialCareAlert.children[", i, "]"),
                     rule);
        }
      }
      a = std::move(kept);
      r.Review();
      break;
    }
    case notify::v1::Notification::kMaceAlert: {
      notify::v1::MaceAlert& a = *f.mutable_mace_alert();
      r.Apply(a.has_child(), "maceAlert.child", subject, Detail::kIdentity,
              [&] { a.clear_child(); });
      r.Review();
      break;
    }
    case notify::v1::Notification::kReferrerUpdate:
    case notify::v1::Notification::BODY_NOT_SET:
      break;
  }
  if (context.requester.party() == common::v1::PARTY_CHILD) r.Review();
  return std::move(r).Done();
}

Redacted<common::v1::HistoryEntry> RedactHistory(const Context& context,
                                                 common::v1::HistoryEntry entry,
                                                 std::string_view prefix) {
  Redactor<common::v1::HistoryEntry> r(context, std::move(entry), prefix);
  r.Staff("actor", r.record().mutable_actor());
  return std::move(r).Done();
}

absl::StatusOr<common::v1::ExportedRecord> MakeRecord(
    std::string kind, std::string id, absl::Time at,
    const std::vector<Part>& parts) {
  common::v1::ExportedRecord out;
  out.set_kind(std::move(kind));
  out.set_id(std::move(id));
  *out.mutable_recorded_at() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(at));
  std::string json;
  const bool single = parts.size() == 1 && parts[0].name.empty();
  if (!single) json = "{";
  bool first = true;
  for (const Part& part : parts) {
    std::string one;
    google::protobuf::util::JsonPrintOptions options;
    if (auto s = google::protobuf::util::MessageToJsonString(*part.message,
                                                             &one, options);
        !s.ok()) {
      return absl::InternalError("an exported record did not print as JSON");
    }
    if (single) {
      json = std::move(one);
    } else {
      absl::StrAppend(&json, first ? "" : ",", "\"", part.name, "\":", one);
    }
    first = false;
    for (const common::v1::Redaction& r : part.redactions) {
      *out.add_redactions() = r;
    }
    if (part.needs_review) out.set_needs_review(true);
  }
  if (!single) json += "}";
  out.set_json(std::move(json));
  return out;
}

}  // namespace frontdoor::rights
