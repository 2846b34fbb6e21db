#include "intake-svc/intake_metrics.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace frontdoor::intake {

IntakeMetrics::IntakeMetrics(prometheus::Registry& registry)
    : received_(prometheus::BuildCounter()
                    .Name("frontdoor_intake_referrals_received_total")
                    .Help("Referrals durably received, by front door, "
                          "channel, district and status.")
                    .Register(registry)),
      returned_(prometheus::BuildCounter()
                    .Name("frontdoor_intake_referrals_returned_total")
                    .Help("Referrals returned to the referrer, by reason.")
                    .Register(registry)),
      rejected_(prometheus::BuildCounter()
                    .Name("frontdoor_intake_referrals_rejected_total")
                    .Help("Submissions refused before storage, by reason.")
                    .Register(registry)),
      field_violations_(prometheus::BuildCounter()
                            .Name("frontdoor_intake_field_violations_total")
                            .Help("Field violations in refused submissions, "
                                  "by field path.")
                            .Register(registry)) {}

void IntakeMetrics::Received(const intake::v1::Receipt& receipt,
                             common::v1::Channel channel) {
  received_
      .Add({{"front_door",
             EnumLabel(common::v1::FrontDoor_Name(receipt.front_door()),
                       "FRONT_DOOR_")},
            {"channel",
             EnumLabel(common::v1::Channel_Name(channel), "CHANNEL_")},
            {"district", receipt.district()},
            {"status", EnumLabel(intake::v1::ReferralStatus_Name(
                                     receipt.status()),
                                 "REFERRAL_STATUS_")}})
      .Increment();
  for (const auto& reason : receipt.return_reasons()) {
    returned_.Add({{"reason", reason.code()}}).Increment();
  }
}

void IntakeMetrics::Rejected(absl::string_view reason) {
  rejected_.Add({{"reason", std::string(reason)}}).Increment();
}

void IntakeMetrics::FieldViolation(absl::string_view field) {
  std::string path;
  bool in_index = false;
  for (char c : field) {
    if (c == '[') {
      in_index = true;
      path.push_back('[');
    } else if (c == ']') {
      in_index = false;
      path.push_back(']');
    } else if (!in_index) {
      path.push_back(c);
    }
  }
  field_violations_.Add({{"field", path}}).Increment();
}

}  // namespace frontdoor::intake
