#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "common/logging/logging.h"
#include "frontdoor/intake/v1/intake.pb.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace frontdoor::intake {

// intake-svc's domain metrics. Labels are bounded sets: enum names, district
// codes from the district list, field paths of the contract.
class IntakeMetrics {
 public:
  explicit IntakeMetrics(prometheus::Registry& registry);

  // A referral durably stored (accepted or returned); replays of an
  // idempotency key are not counted again.
  void Received(const intake::v1::Receipt& receipt,
                common::v1::Channel channel);
  // A submission refused before storage: `reason` is a short code such as
  // "invalid_argument", "idempotency_conflict", "permission_denied".
  void Rejected(absl::string_view reason);
  // One field violation; indices are dropped from the path
  // ("referral.children[3].name" counts as "referral.children[].name").
  void FieldViolation(absl::string_view field);

 private:
  prometheus::Family<prometheus::Counter>& received_;
  prometheus::Family<prometheus::Counter>& returned_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Family<prometheus::Counter>& field_violations_;
};

}  // namespace frontdoor::intake
