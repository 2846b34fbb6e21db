#pragma once

// Who must be told what, and the message each audience gets: the pure core
// of notify-svc. Each function copies only the fields its audience's purpose
// needs (DOMAIN.md: share only what is necessary); nothing here ever copies
// assessment answers, free-text concerns, the other party, or a contact
// detail not marked safe.

#include <string>
#include <vector>

#include "frontdoor/common/v1/referral.pb.h"
#include "frontdoor/intake/v1/intake.pb.h"
#include "frontdoor/notify/v1/notify.pb.h"
#include "frontdoor/triage/v1/events.pb.h"
#include "frontdoor/triage/v1/triage.pb.h"

namespace frontdoor::notify {

// The contact details that are safe to use: the phone only when safe to
// call; the email only when safe to leave a message.
v1::SafeContactDetails SafeDetails(const common::v1::SafeContact& contact);

// One kind of recipient a decision names, and the event it is told of.
struct Audience {
  v1::EventKind event = v1::EVENT_KIND_UNSPECIFIED;
  v1::RecipientKind kind = v1::RECIPIENT_KIND_UNSPECIFIED;
};

// The audiences of a triage decision: exactly the recipients the decision
// names (triage decides who is told; this only says which message each
// gets), in the order MARAC hub, IDVA, YPVA (high risk), children's social
// care (child safeguarding), MACE (child exploitation).
std::vector<Audience> AudiencesOf(const triage::v1::Recipients& recipients);

// The referrer: reference, status and return reasons from intake's receipt.
v1::ReferrerUpdate ForReferrer(const intake::v1::Receipt& receipt,
                               const common::v1::Referral& referral);

// MARAC / police hub: identity, district, risk, flags and score.
v1::MaracAlert ForMarac(const triage::v1::Decision& decision,
                        const common::v1::Referral& referral,
                        const std::string& district,
                        const std::string& referring_agency);

// The IDVA service: identity, safe contact, flags, specialist needs.
v1::IdvaCase ForIdva(const triage::v1::Decision& decision,
                     const common::v1::Referral& referral,
                     const std::string& district);

// The CYP practitioners and YPVA service: the child, their safe contact,
// district, risk, flags and specialist needs.
v1::YoungPersonCase ForYoungPerson(const triage::v1::Decision& decision,
                                   const common::v1::Referral& referral,
                                   const std::string& district);

// MATAC: the person suspected, the counts and the references; nothing of
// any victim.
v1::MatacAlert ForMatac(const triage::v1::SerialPerpetratorIdentified& event);

// Children's social care: the child referred or the children in the
// household, district, risk.
v1::ChildrensSocialCareAlert ForChildrensSocialCare(
    const triage::v1::Decision& decision, const common::v1::Referral& referral,
    const std::string& district, const std::string& referring_agency);

// MACE: the child and the district.
v1::MaceAlert ForMace(const triage::v1::Decision& decision,
                      const common::v1::Referral& referral,
                      const std::string& district);

}  // namespace frontdoor::notify
