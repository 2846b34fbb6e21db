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

}  // namespace frontdoor::web
