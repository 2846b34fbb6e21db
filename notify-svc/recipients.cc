#include "notify-svc/recipients.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace frontdoor::notify {
namespace {

bool IsKnownKind(int kind) {
  return kind != v1::RECIPIENT_KIND_UNSPECIFIED &&
         v1::RecipientKind_IsValid(kind);
}

}  // namespace

absl::StatusOr<Recipients> Recipients::FromProto(
    config::v1::NotifyRules proto) {
  std::vector<FieldViolation> problems;
  const auto add = [&](std::string field, std::string what) {
    problems.push_back({std::move(field), std::move(what)});
  };
  if (proto.version().empty()) add("version", "required");
  absl::flat_hash_set<std::string> seen;
  absl::flat_hash_set<int> kinds_served;
  absl::flat_hash_map<std::string, std::string> push_target_of;
  for (int i = 0; i < proto.recipients_size(); ++i) {
    const auto& r = proto.recipients(i);
    const std::string f =
        absl::StrCat("recipients[", i, "] \"", r.agency_id(), "\"");
    if (r.agency_id().empty()) add(f + ".agency_id", "required");
    const bool email = r.mode() == config::v1::DELIVERY_MODE_EMAIL;
    if (!IsKnownKind(r.kind())) {
      add(f + ".kind", "required");
    } else if (r.kind() == v1::RECIPIENT_KIND_REFERRER && !email) {
      add(f + ".kind",
          "the referrer is the referring agency; it needs no entry unless "
          "its referrers hear back by email (DELIVERY_MODE_EMAIL)");
    } else if (r.kind() != v1::RECIPIENT_KIND_REFERRER && email) {
      add(f + ".mode",
          "email is for referrers' updates only (RECIPIENT_KIND_REFERRER): "
          "other kinds carry personal data");
    } else if (!seen.insert(absl::StrCat(r.agency_id(), "/", r.kind()))
                    .second) {
      add(f + ".kind", "this agency is listed twice for this kind");
    } else {
      kinds_served.insert(r.kind());
    }
    if (r.mode() == config::v1::DELIVERY_MODE_UNSPECIFIED ||
        !config::v1::DeliveryMode_IsValid(r.mode())) {
      add(f + ".mode",
          "DELIVERY_MODE_PULL, DELIVERY_MODE_PUSH or DELIVERY_MODE_EMAIL");
    } else if (r.mode() == config::v1::DELIVERY_MODE_PUSH &&
               r.push_target().empty()) {
      add(f + ".push_target", "required for push delivery");
    } else if (r.mode() != config::v1::DELIVERY_MODE_PUSH &&
               !r.push_target().empty()) {
      add(f + ".push_target", "only for push delivery");
    }
    if (email && !r.districts().empty()) {
      add(f + ".districts",
          "not for email delivery: a referrer hears of its own referrals "
          "wherever they are");
    }
    if (!r.agency_id().empty() &&
        !push_target_of.try_emplace(r.agency_id(), r.push_target()).second &&
        push_target_of[r.agency_id()] != r.push_target()) {
      add(f + ".push_target",
          "an agency has one delivery mode and target for all its kinds");
    }
  }
  for (int kind = v1::RecipientKind_MIN; kind <= v1::RecipientKind_MAX;
       ++kind) {
    if (IsKnownKind(kind) && kind != v1::RECIPIENT_KIND_REFERRER &&
        !kinds_served.contains(kind)) {
      add("recipients",
          absl::StrCat("no recipient of kind ",
                       v1::RecipientKind_Name(
                           static_cast<v1::RecipientKind>(kind))));
    }
  }
  if (!problems.empty()) {
    return InvalidArgumentWithViolations("the notify rules are not valid",
                                         problems);
  }
  Recipients recipients;
  recipients.proto_ = std::move(proto);
  return recipients;
}

std::vector<Target> Recipients::For(v1::RecipientKind kind,
                                    const std::string& referring_agency,
                                    const std::string& district) const {
  if (kind == v1::RECIPIENT_KIND_REFERRER) {
    return {{referring_agency, v1::RECIPIENT_KIND_REFERRER}};
  }
  std::vector<Target> out;
  for (const auto& r : proto_.recipients()) {
    if (r.kind() != kind) continue;
    if (!r.districts().empty() &&
        std::find(r.districts().begin(), r.districts().end(), district) ==
            r.districts().end()) {
      continue;
    }
    Target t{r.agency_id(), kind};
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

config::v1::DeliveryMode Recipients::ModeOf(const std::string& agency_id,
                                            v1::RecipientKind kind) const {
  for (const auto& r : proto_.recipients()) {
    if (r.agency_id() == agency_id && r.kind() == kind) return r.mode();
  }
  return config::v1::DELIVERY_MODE_PULL;
}

bool Recipients::IsPush(const std::string& agency_id,
                        v1::RecipientKind kind) const {
  return ModeOf(agency_id, kind) == config::v1::DELIVERY_MODE_PUSH;
}

bool Recipients::IsEmail(const std::string& agency_id,
                         v1::RecipientKind kind) const {
  return ModeOf(agency_id, kind) == config::v1::DELIVERY_MODE_EMAIL;
}

std::vector<std::string> Recipients::EmailAgencies() const {
  std::vector<std::string> out;
  for (const auto& r : proto_.recipients()) {
    if (r.mode() == config::v1::DELIVERY_MODE_EMAIL &&
        std::find(out.begin(), out.end(), r.agency_id()) == out.end()) {
      out.push_back(r.agency_id());
    }
  }
  return out;
}

std::vector<config::v1::NotifyRecipient> Recipients::PushRecipients() const {
  std::vector<config::v1::NotifyRecipient> out;
  absl::flat_hash_set<std::string> seen;
  for (const auto& r : proto_.recipients()) {
    if (r.mode() == config::v1::DELIVERY_MODE_PUSH &&
        seen.insert(r.agency_id()).second) {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace frontdoor::notify
