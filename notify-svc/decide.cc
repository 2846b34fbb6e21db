#include "notify-svc/decide.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/audit/refusals.h"
#include "common/logging/logging.h"
#include "google/protobuf/util/time_util.h"
#include "notify-svc/shaping.h"

namespace frontdoor::notify {

using google::protobuf::util::TimeUtil;

std::vector<Outgoing> OutgoingOf(const Recipients& recipients,
                                 const intake::v1::ReferralReceived& event) {
  const v1::EventKind kind =
      event.receipt().status() == intake::v1::REFERRAL_STATUS_RETURNED
          ? v1::EVENT_KIND_REFERRAL_RETURNED
          : v1::EVENT_KIND_REFERRAL_ACCEPTED;
  std::vector<Outgoing> out;
  for (const Target& t :
       recipients.For(v1::RECIPIENT_KIND_REFERRER, event.agency_id(),
                      event.receipt().district())) {
    Outgoing o{t, kind, event.receipt().reference(), event.agency_id(), {}};
    *o.notification.mutable_referrer_update() =
        ForReferrer(event.receipt(), event.referral());
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<Outgoing> OutgoingOf(const Recipients& recipients,
                                 const triage::v1::TriageDecided& event) {
  const triage::v1::Decision& d = event.decision();
  // Exactly whom triage's decision names: nothing is re-derived here.
  std::vector<Outgoing> out;
  for (const Audience& audience : AudiencesOf(d.recipients())) {
    for (const Target& t :
         recipients.For(audience.kind, event.agency_id(), event.district())) {
      Outgoing o{t, audience.event, d.reference(), event.agency_id(), {}};
      v1::Notification& n = o.notification;
      switch (t.kind) {
        case v1::RECIPIENT_KIND_MARAC_HUB:
          *n.mutable_marac_alert() =
              ForMarac(d, event.referral(), event.district(), event.agency_id());
          break;
        case v1::RECIPIENT_KIND_IDVA_SERVICE:
          *n.mutable_idva_case() = ForIdva(d, event.referral(), event.district());
          break;
        case v1::RECIPIENT_KIND_YPVA_SERVICE:
          *n.mutable_young_person_case() =
              ForYoungPerson(d, event.referral(), event.district());
          break;
        case v1::RECIPIENT_KIND_CHILDRENS_SOCIAL_CARE:
          *n.mutable_childrens_social_care_alert() = ForChildrensSocialCare(
              d, event.referral(), event.district(), event.agency_id());
          break;
        case v1::RECIPIENT_KIND_MACE:
          *n.mutable_mace_alert() =
              ForMace(d, event.referral(), event.district());
          break;
        default:
          continue;  // No message for this audience from a decision.
      }
      out.push_back(std::move(o));
    }
  }
  return out;
}

std::vector<Outgoing> OutgoingOf(
    const Recipients& recipients,
    const triage::v1::SerialPerpetratorIdentified& event) {
  std::vector<Outgoing> out;
  for (const Target& t : recipients.For(v1::RECIPIENT_KIND_MATAC,
                                        event.agency_id(), event.district())) {
    Outgoing o{t, v1::EVENT_KIND_SERIAL_PERPETRATOR, event.reference(),
               event.agency_id(), {}};
    *o.notification.mutable_matac_alert() = ForMatac(event);
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<Outgoing> OutgoingOf(
    const Recipients& recipients,
    const allocation::v1::PlacementChanged& event) {
  const allocation::v1::Placement& p = event.placement();
  std::vector<Outgoing> out;
  const bool allocated = p.state() == allocation::v1::PLACEMENT_STATE_ALLOCATED;
  const bool waiting = p.state() == allocation::v1::PLACEMENT_STATE_WAITING;
  if (allocated || waiting) {
    for (const Target& t :
         recipients.For(v1::RECIPIENT_KIND_REFERRER, event.agency_id(), "")) {
      Outgoing o{t, v1::EVENT_KIND_PLACEMENT_CHANGED, p.reference(),
                 event.agency_id(), {}};
      v1::ReferrerUpdate& u = *o.notification.mutable_referrer_update();
      u.set_reference(p.reference());
      u.set_agency_case_reference(event.referrer().agency_case_reference());
      u.set_status(allocated ? v1::ReferrerUpdate::STATUS_ALLOCATED
                             : v1::ReferrerUpdate::STATUS_WAITING);
      u.set_programme(p.programme_id());
      out.push_back(std::move(o));
    }
  }
  return out;
}

std::vector<Share> DecideShares(const std::string& event_id,
                                std::vector<Outgoing> outgoing,
                                const Recipients& recipients, absl::Time now) {
  std::vector<Share> shares;
  for (Outgoing& o : outgoing) {
    Share s;
    s.recipient_agency = o.target.agency_id;
    s.recipient_kind = o.target.kind;
    s.event = o.event;
    s.reference = std::move(o.reference);
    s.referring_agency = std::move(o.referring_agency);
    v1::Notification& n = s.notification;
    n = std::move(o.notification);
    n.set_id(absl::StrCat(event_id, ":", o.target.agency_id, ":",
                          v1::RecipientKind_Name(o.target.kind)));
    n.set_event(o.event);
    n.set_recipient_kind(o.target.kind);
    *n.mutable_created_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
    s.push = recipients.IsPush(o.target.agency_id, o.target.kind);
    // Why: the recipient's kind, whose purpose needs the event.
    s.audit_reason =
        EnumLabel(v1::RecipientKind_Name(o.target.kind), "RECIPIENT_KIND_");
    s.audit_details = absl::StrCat(
        "{\"notification\":\"", n.id(), "\",\"event\":\"",
        EnumLabel(v1::EventKind_Name(o.event), "EVENT_KIND_"),
        "\",\"recipient\":\"", o.target.agency_id, "\",\"rules\":\"",
        recipients.version(), "\"}");
    shares.push_back(std::move(s));
  }
  return shares;
}

AckDecision DecideAck(const std::string& caller_agency,
                      const std::optional<std::string>& owner, int64_t seq) {
  AckDecision d;
  if (owner.has_value() && *owner == caller_agency) return d;
  // Another agency's position answers as an empty one; both audited.
  d.refused_reason = owner.has_value() ? audit::kReasonNotOwner
                                       : audit::kReasonUnknownReference;
  d.audit_details = absl::StrCat("{\"position\":", seq, "}");
  return d;
}

}  // namespace frontdoor::notify
