#pragma once

// The professionals' referral forms, one per front door: what the browser
// sends, turned into a referral for intake-svc, and how intake's field
// violations are shown on them (the one mapping in self_referral.cc, its
// professional column). Pure: no HTTP, no gRPC.

#include <string>
#include <string_view>
#include <vector>

#include "web-svc/self_referral.h"

namespace frontdoor::web {

// The three forms: one per front door.
enum class ProfessionalForm { kAdultVictim, kBehaviourChange, kChild };

// What differs between the three forms.
struct ProfessionalFormSpec {
  ProfessionalForm form;
  // Path below /professional/ ("adult-victim").
  const char* slug;
  // The metrics' and audit's form label ("professional_adult_victim").
  const char* label;
  // The page's heading and the start page's link text.
  const char* heading;
  // One sentence under the link on the list of forms.
  const char* summary;
  // Possessives in error messages ("the person's", "the child's").
  const char* subject;
  const char* other;
  // The DASH question set the form offers ("" for none).
  const char* dash_form_version;
};

// The three, in the order the list of forms shows them.
const std::vector<ProfessionalFormSpec>& ProfessionalForms();
const ProfessionalFormSpec& SpecFor(ProfessionalForm form);

// Questions on the DASH risk checklists the forms offer (the SafeLives
// DASH and the young people's DASH number them alike).
inline constexpr int kDashQuestions = 24;
// Plain-English wording of question `n` (1 to kDashQuestions).
const char* DashQuestion(int n);
// DASH answers a form field may hold, and what each means.
inline constexpr char kDashYes[] = "yes";
inline constexpr char kDashNo[] = "no";
inline constexpr char kDashDontKnow[] = "dont-know";

// Every field of `form`, in page order (the honeypot and the tokens are not
// among them).
const std::vector<std::string>& ProfessionalFields(ProfessionalForm form);

// True when `email` is an address at one of `domains` or a subdomain of
// one: "a@nhs.net" and "a@x.nhs.net" for "nhs.net", never "a@evil-nhs.net"
// or "a@nhs.net.evil.com". Case is ignored; one "@", a non-empty local part.
bool IsAcceptedWorkEmail(std::string_view email,
                         const std::vector<std::string>& domains);

// The referral `values` describe, or the errors web-svc finds itself (a
// work email outside `domains`, a date that is not a date, a question only
// the form asks). Channel CHANNEL_WEB_FORM, the front door's requested
// service, the referrer's details as given; idempotency key not set here.
BuiltReferral BuildProfessionalReferral(ProfessionalForm form,
                                        const FormValues& values,
                                        const std::vector<std::string>& domains);

// The referral `values` describe on `form`'s fields, as
// BuildProfessionalReferral builds it but without the checks only the
// public form makes of its referrer (name, organisation, role and a work
// email all asked for, the email on one of the accepted domains): for
// other forms on the same fields, such as the console's referrals keyed by
// staff. The referrer's fields are read as given.
BuiltReferral BuildFrontDoorReferral(ProfessionalForm form,
                                     const FormValues& values);

// How intake's violations of `built` are shown on `form`.
MappingContext ProfessionalMapping(ProfessionalForm form,
                                   const BuiltReferral& built);

}  // namespace frontdoor::web
