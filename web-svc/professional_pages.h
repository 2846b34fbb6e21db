#pragma once

// The professionals' pages: the list of forms, each form, and its receipt.
// Pure: no HTTP.

#include <string>
#include <vector>

#include "web-svc/pages.h"
#include "web-svc/professional_referral.h"

namespace frontdoor::web {

// /professional: the three forms, and which email addresses are accepted.
std::string RenderProfessionalStartPage(const PageContext& ctx,
                                        const std::vector<std::string>& domains);

// One form, with the values as posted, errors and tokens. `domains` are
// named in the work email's hint.
std::string RenderProfessionalFormPage(const PageContext& ctx,
                                       ProfessionalForm form,
                                       const FormView& view,
                                       const std::vector<std::string>& domains);

// The receipt: the reference, and what happens next; when intake returned
// the referral, its reasons instead (`returned` holds their messages).
std::string RenderProfessionalReceiptPage(
    const PageContext& ctx, const std::string& reference,
    const std::vector<std::string>& returned);

namespace parts {

// The sections of the professionals' forms, on their field ids (see
// ProfessionalFields), for other forms on the same fields (the console's
// referrals keyed by staff).
// The person: name, date of birth, address.
std::string PersonSection(const FormView& v);
// Their safe contact: phone, email, safe to call, safe to leave a message,
// safe times.
std::string SafeContactSection(const FormView& v);
// The other party (required on the behaviour change form).
std::string OtherPartySection(const FormView& v, ProfessionalForm form);
// Probation and previous programmes (behaviour change only).
std::string BehaviourChangeSection(const FormView& v);
// The person's consent, and a parent's or carer's on the child's form.
std::string ConsentSection(const FormView& v, ProfessionalForm form);
// The DASH's questions, each yes / no / don't know with a comment.
std::string DashSection(const FormView& v);

}  // namespace parts

}  // namespace frontdoor::web
