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
#include "frontdoor/triage/v1/triage.pb.h"

namespace frontdoor::notify {

// The contact details that are safe to use: the phone only when safe to
// call; the email only when safe to leave a message.
v1::SafeContactDetails SafeDetails(const common::v1::SafeContact& contact);

// The events a triage decision raises (high risk; child safeguarding for a
// child referral, children in the household or the decision's say-so; child
// exploitation), in that order.
std::vector<v1::EventKind> EventsOfDecision(const triage::v1::Decision& d,
                                            const common::v1::Referral& r);

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
