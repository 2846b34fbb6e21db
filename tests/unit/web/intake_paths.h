#pragma once

// What web-svc's unit tests check the forms against: every field path
// intake-svc's validation can return, and intake's own validation of a
// referral as web-svc's identity submits it.

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "google/protobuf/util/json_util.h"
#include "intake-svc/districts.h"
#include "intake-svc/validation.h"

namespace frontdoor::web::testing_paths {

// Every field path intake's validation (intake-svc/validation.cc) can
// return, with index 0 (and 1) where the path has one.
inline const std::vector<std::string>& IntakePaths() {
  static const auto* kPaths = new std::vector<std::string>{
      "idempotency_key",
      "referral",
      "referral.requested_service",
      "referral.channel",
      "referral.referrer",
      "referral.referrer.name",
      "referral.referrer.role",
      "referral.referrer.organisation",
      "referral.referrer.agency_case_reference",
      "referral.referrer.phone",
      "referral.referrer.email",
      "referral.referrer.safe_times",
      "referral.referrer.on_behalf_of_agency",
      "referral.subject",
      "referral.subject.name",
      "referral.subject.name.given_names",
      "referral.subject.name.family_name",
      "referral.subject.date_of_birth",
      "referral.subject.gender",
      "referral.subject.contact",
      "referral.subject.contact.phone",
      "referral.subject.contact.email",
      "referral.subject.contact.safe_times",
      "referral.subject.address",
      "referral.subject.address.lines",
      "referral.subject.address.lines[0]",
      "referral.subject.address.lines[1]",
      "referral.subject.address.town",
      "referral.subject.address.postcode",
      "referral.subject.address.district",
      "referral.subject.specialist_needs",
      "referral.subject.specialist_needs[0]",
      "referral.consent.subject",
      "referral.consent.parent_or_carer",
      "referral.other_party",
      "referral.other_party.name",
      "referral.other_party.name.given_names",
      "referral.other_party.name.family_name",
      "referral.other_party.date_of_birth",
      "referral.other_party.relationship",
      "referral.other_party.contact.phone",
      "referral.other_party.contact.email",
      "referral.other_party.contact.safe_times",
      "referral.children",
      "referral.children[0].name",
      "referral.children[0].name.given_names",
      "referral.children[1].name.family_name",
      "referral.children[0].date_of_birth",
      "referral.concerns",
      "referral.behaviour_change",
      "referral.behaviour_change.known_to_probation",
      "referral.behaviour_change.previous_programme",
      "referral.behaviour_change.previous_programme_name",
      "referral.risk_assessment.form_version",
      "referral.risk_assessment.answers[0].question",
      "referral.risk_assessment.answers[0].answer",
      "referral.risk_assessment.answers[0].comment",
      "referral.risk_assessment.answers[0].source",
      "referral.risk_assessment.answers[1].comment",
      "referral.risk_assessment.police_callouts_past_12_months",
      "referral.risk_assessment.professional_judgement_reason",
      "referral.risk_assessment.previous_marac_referral_date",
      "referral.risk_assessment.completed_at",
      "referral.suspect_known_victims",
  };
  return *kPaths;
}

// intake's own validation of what the form builds, as web-svc's identity.
inline absl::Status ValidateAsWeb(const common::v1::Referral& r) {
  static const intake::DistrictDirectory* districts = [] {
    std::ifstream in(std::string(FRONTDOOR_SOURCE_DIR) +
                     "/config/districts.json");
    std::stringstream json;
    json << in.rdbuf();
    config::v1::DistrictList list;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(json.str(), &list).ok());
    return new intake::DistrictDirectory(
        *intake::DistrictDirectory::FromProto(list));
  }();
  intake::v1::SubmitReferralRequest req;
  req.set_idempotency_key("web-0123456789abcdef0123456789abcdef");
  *req.mutable_referral() = r;
  intake::ValidationContext ctx;
  ctx.now = absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 0, 0),
                            absl::UTCTimeZone());
  ctx.today = absl::ToCivilDay(ctx.now, absl::UTCTimeZone());
  ctx.districts = districts;
  ctx.caller_is_web_form = true;
  return intake::ValidateSubmission(req, ctx).status();
}


}  // namespace frontdoor::web::testing_paths
