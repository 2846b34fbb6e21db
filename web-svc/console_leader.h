#pragma once

// The team leaders' pages of the console (ConsoleSection): override a
// triage decision's tier (/console/referrals/REF/override) and release a
// place (/console/placements/REF/release, then .../released). Both need
// the person's password and code given within the console's
// re-authentication window (ConsoleConfig.reauthentication_seconds): when
// they are due, the page sends to /console/confirm-identity first.
// Permissions: kOverrideDecision and kReleasePlace (web-svc/roles.h); the
// services bound them again (tls::StaffAction kOverrideTier, kReleasePlace).

#include <string_view>

#include "web-svc/console.h"
#include "web-svc/console_leader_pages.h"
#include "web-svc/staff_calls.h"

namespace frontdoor::web {

class LeaderSection final : public ConsoleSection {
 public:
  // `calls` must outlive the section.
  explicit LeaderSection(const StaffCalls& calls) : calls_(calls) {}

  bool Owns(std::string_view path) const override;
  ConsoleResponse Handle(const StaffRequest& r) override;

 private:
  ConsoleResponse Override(const StaffRequest& r, const std::string& reference);
  ConsoleResponse Release(const StaffRequest& r, const std::string& reference);
  ConsoleResponse Released(const StaffRequest& r,
                           const std::string& reference);

  const StaffCalls& calls_;
};

}  // namespace frontdoor::web
