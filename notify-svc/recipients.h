#pragma once

// The recipients registry: which agencies receive each kind of notification
// (by district), and how. Which kinds are told of an event is not decided
// here: the service that decided says so (triage's Decision.recipients and
// serial-perpetrator event; the referrer for receipts and placements).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "frontdoor/config/v1/notify_rules.pb.h"
#include "frontdoor/notify/v1/notify.pb.h"

namespace frontdoor::notify {

// One agency to tell, and in which role.
struct Target {
  std::string agency_id;
  v1::RecipientKind kind = v1::RECIPIENT_KIND_UNSPECIFIED;

  bool operator==(const Target& o) const {
    return agency_id == o.agency_id && kind == o.kind;
  }
};

class Recipients {
 public:
  // Checks every entry; INVALID_ARGUMENT names each bad one (for example
  // `recipients[2] "staffs-matac".mode`). Every recipient kind must have a
  // recipient (the referrer excepted: it is the referring agency), since
  // the deciding services may name any of them. An agency listed for
  // several kinds has one push target. A referrer entry must be
  // DELIVERY_MODE_EMAIL, and email is for referrer entries only (other
  // kinds carry personal data), without districts.
  static absl::StatusOr<Recipients> FromProto(config::v1::NotifyRules proto);

  // The agencies to tell as `kind` about a referral from `referring_agency`
  // in `district`, in registry order: the referring agency itself for
  // RECIPIENT_KIND_REFERRER; otherwise every recipient of that kind that
  // covers the district.
  std::vector<Target> For(v1::RecipientKind kind,
                          const std::string& referring_agency,
                          const std::string& district) const;

  // How `agency_id` takes notifications of `kind`: its entry's mode, or
  // pull when it has none (a referrer holding its own stream).
  config::v1::DeliveryMode ModeOf(const std::string& agency_id,
                                  v1::RecipientKind kind) const;
  // Whether `agency_id` takes notifications of `kind` by push.
  bool IsPush(const std::string& agency_id, v1::RecipientKind kind) const;
  // Whether `agency_id`'s referrers hear of `kind` by email.
  bool IsEmail(const std::string& agency_id, v1::RecipientKind kind) const;
  // The agencies whose referrers hear back by email, in registry order.
  std::vector<std::string> EmailAgencies() const;
  // One entry per push agency (its target and server name).
  std::vector<config::v1::NotifyRecipient> PushRecipients() const;

  const std::string& version() const { return proto_.version(); }
  const config::v1::NotifyRules& proto() const { return proto_; }

 private:
  Recipients() = default;
  config::v1::NotifyRules proto_;
};

}  // namespace frontdoor::notify
