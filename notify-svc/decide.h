#pragma once

// The decide step of notify-svc's inbox writes and acknowledgements, as pure
// functions: NotifyCore loads what they need in the transaction, calls
// these, and saves what they return (notifications, push events on the
// outbox, audit entries) in the same transaction. No storage, no gRPC, no
// clock: the time is an argument.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "frontdoor/allocation/v1/events.pb.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "frontdoor/notify/v1/notify.pb.h"
#include "frontdoor/triage/v1/events.pb.h"
#include "notify-svc/recipients.h"

namespace frontdoor::notify {

// A notification to share, before its id and time are set.
struct Outgoing {
  Target target;
  v1::EventKind event = v1::EVENT_KIND_UNSPECIFIED;
  std::string reference;
  std::string referring_agency;
  v1::Notification notification;  // body set
};

// Who is told what of each event, each message shaped for its audience.
// The referrer of a receipt, accepted or returned.
std::vector<Outgoing> OutgoingOf(const Recipients& recipients,
                                 const intake::v1::ReferralReceived& event);
// Exactly the recipients triage's decision names (nothing re-derived).
std::vector<Outgoing> OutgoingOf(const Recipients& recipients,
                                 const triage::v1::TriageDecided& event);
// MATAC, of a serial perpetrator.
std::vector<Outgoing> OutgoingOf(
    const Recipients& recipients,
    const triage::v1::SerialPerpetratorIdentified& event);
// The referrer, when the placement is allocated or waiting; nobody
// otherwise.
std::vector<Outgoing> OutgoingOf(const Recipients& recipients,
                                 const allocation::v1::PlacementChanged& event);

// One notification as saved, with its audit entry (notify.share).
struct Share {
  std::string recipient_agency;
  v1::RecipientKind recipient_kind = v1::RECIPIENT_KIND_UNSPECIFIED;
  v1::EventKind event = v1::EVENT_KIND_UNSPECIFIED;
  std::string reference;
  std::string referring_agency;
  // id ("<event id>:<agency>:<RECIPIENT_KIND_...>"), event, recipient_kind
  // and created_at set.
  v1::Notification notification;
  // Also put on the outbox for the agency's push relay.
  bool push = false;
  // Why (the recipient's kind, whose purpose needs the event) and
  // non-personal details (codes and ids).
  std::string audit_reason;
  std::string audit_details;
};

// The shares of event `event_id`'s `outgoing`, at `now`; none is a
// decision not to share (audited as notify.not_shared).
std::vector<Share> DecideShares(const std::string& event_id,
                                std::vector<Outgoing> outgoing,
                                const Recipients& recipients, absl::Time now);

// An acknowledgement, decided from the owner of the notification at the
// position (nullopt: there is none).
struct AckDecision {
  // Empty: accepted, the agency's position moves forward to the position
  // (never back). Otherwise refused (answered NOT_FOUND) with this reason
  // code: unknown_reference, or not_owner for another agency's.
  std::string refused_reason;
  // The refusal's audit details (the position).
  std::string audit_details;
};

AckDecision DecideAck(const std::string& caller_agency,
                      const std::optional<std::string>& owner, int64_t seq);

}  // namespace frontdoor::notify
