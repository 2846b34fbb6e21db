#pragma once

// The console's referrals keyed by staff (/console/new-referral): a
// referral taken by phone, live chat or secure email. First how it came,
// who made it (the person themselves, or an agency of the registry) and
// which front door's form; then that form, on the fields, readers and
// sections of the professionals' forms, with the referrer as the keying
// asks it. Pure: no HTTP, no gRPC.

#include <optional>
#include <string>
#include <vector>

#include "common/status/errors.h"
#include "web-svc/console_pages.h"
#include "web-svc/pages.h"
#include "web-svc/professional_referral.h"

namespace frontdoor::web {

// The first step's fields, carried (hidden) on the second: the channel
// ("phone", "live-chat", "secure-email"), who referred ("self" or
// "agency"), and the front door's form (a ProfessionalFormSpec slug).
inline constexpr char kKeyChannelField[] = "channel";
inline constexpr char kKeyReferredByField[] = "referred-by";
inline constexpr char kKeyFormField[] = "referral-form";
// The referring agency's registry id (Referrer.on_behalf_of_agency), asked
// on both steps.
inline constexpr char kKeyAgencyField[] = "agency";
inline constexpr char kReferredBySelf[] = "self";
inline constexpr char kReferredByAgency[] = "agency";

// The console's idempotency keys: this prefix and the form's token, so a
// second post of one form (a double click, a resend) is one referral.
inline constexpr char kKeyedIdempotencyPrefix[] = "console-";

// What the first step decided.
struct KeyingChoices {
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  // The person referred themselves (by phone or live chat): they are the
  // referrer, as on the web self-referral, and no agency is named.
  bool self_referral = false;
  // Otherwise the registry id of the agency that made the referral (as
  // typed: intake checks it against the registry).
  std::string agency;
  ProfessionalForm form = ProfessionalForm::kAdultVictim;
};

// The first step's answers (also read again from the second step's hidden
// fields). nullopt, with errors on their fields, when the channel, who
// referred or the form is not answered, or is a combination the referral
// contract refuses (referral.proto: a secure email comes from an agency;
// the phone line and live chat take victims' referrals only). An agency
// not given when an agency referred is an error on kKeyAgencyField, with
// the choices still returned.
std::optional<KeyingChoices> ReadKeyingChoices(const FormValues& form,
                                               std::vector<FormError>& errors);

// The second step's fields in page order: the agency when one referred,
// then the front door form's fields (without the referrer's for a
// self-referral).
std::vector<std::string> KeyedFields(const KeyingChoices& choices);

// The referral the second step describes: the front door form's
// (BuildFrontDoorReferral) with the channel; for a self-referral the
// person is the referrer (their name, and their safe contact as the
// referrer's way of contact, self_referral set), otherwise the referrer as
// given and on_behalf_of_agency the agency. Idempotency key not set here.
BuiltReferral BuildKeyedReferral(const KeyingChoices& choices,
                                 const FormValues& values);

// Intake's violations of `built` on the second step's fields: the
// professional forms' one mapping, the referrer's fields in staff's words,
// the agency on kKeyAgencyField; on a self-referral the referrer's paths
// fall to the person's own fields. `unmapped` collects paths the page
// never sets (the channel...): web-svc's fault, not the person keying.
std::vector<FormError> MapKeyedViolations(
    const KeyingChoices& choices, const BuiltReferral& built,
    const std::vector<FieldViolation>& violations,
    std::vector<std::string>* unmapped);

// The pages. `view` holds the values as posted, errors, the tokens.
std::string RenderKeyingStartPage(const SignedInBar& bar, const FormView& view);
std::string RenderKeyingFormPage(const SignedInBar& bar,
                                 const KeyingChoices& choices,
                                 const FormView& view);
// After the post (post/redirect/get): the reference, with a success
// banner and links to the queue and to key another.
std::string RenderKeyingReceivedPage(const SignedInBar& bar,
                                     const std::string& reference);
// Intake recorded the referral and returned it to the referrer with
// `reasons` (their messages) rather than routing it.
std::string RenderKeyingReturnedPage(const SignedInBar& bar,
                                     const std::string& reference,
                                     const std::vector<std::string>& reasons);
// The same form token was sent with other answers.
std::string RenderKeyingAlreadySentPage(const SignedInBar& bar);

}  // namespace frontdoor::web
