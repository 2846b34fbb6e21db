#pragma once

// The data-protection officer's pages of the console (ConsoleSection),
// under /console/data-rights: find a person, a referral's rights in each
// service (restrict, hold, rectify, erase, each asking all four services
// and showing each one's answer) and subject access exports (prepared from
// the four services' ExportSubject, kept sealed in web-svc's store,
// reviewed, released, then downloaded). Permission kDataRights
// (web-svc/roles.h); the services give DataRights to ROLE_DATA_PROTECTION
// only. Erasure needs the password and code given within the console's
// re-authentication window, as a team leader's override does.

#include <string_view>

#include "web-svc/console.h"
#include "web-svc/console_data_rights_pages.h"
#include "web-svc/rights_calls.h"
#include "web-svc/subject_access_store.h"

namespace frontdoor::web {

class DataRightsSection final : public ConsoleSection {
 public:
  // `calls` and `exports` must outlive the section; `show_staff_names` is
  // WebConfig.subject_access.show_staff_names.
  DataRightsSection(const RightsCalls& calls, SubjectAccessStore& exports,
                    bool show_staff_names)
      : calls_(calls), exports_(exports), show_staff_names_(show_staff_names) {}

  bool Owns(std::string_view path) const override;
  ConsoleResponse Handle(const StaffRequest& r) override;

 private:
  ConsoleResponse Find(const StaffRequest& r);
  ConsoleResponse Referral(const StaffRequest& r, const DataRightsPath& at);
  ConsoleResponse Restriction(const StaffRequest& r, const DataRightsPath& at);
  ConsoleResponse Hold(const StaffRequest& r, const DataRightsPath& at);
  ConsoleResponse Rectify(const StaffRequest& r, const DataRightsPath& at);
  ConsoleResponse Erase(const StaffRequest& r, const DataRightsPath& at);
  ConsoleResponse PrepareExport(const StaffRequest& r,
                                const DataRightsPath& at);
  ConsoleResponse Export(const StaffRequest& r, const DataRightsPath& at);
  ConsoleResponse Review(const StaffRequest& r, const DataRightsPath& at);
  ConsoleResponse Release(const StaffRequest& r, const DataRightsPath& at);
  ConsoleResponse Download(const StaffRequest& r, const DataRightsPath& at);

  // The referral's page, with `states` (each service's answer), after an
  // action's `outcome` (or none), with a posted form's values and errors.
  ConsoleResponse ReferralPage(
      const StaffRequest& r, const std::string& reference, int status,
      const std::vector<ServiceAnswer<common::v1::RightsState>>& states,
      const ActionOutcome* outcome,
      const std::map<std::string, std::string>& values,
      const std::vector<ConsoleError>& errors, const char* route);
  std::vector<ServiceAnswer<common::v1::RightsState>> States(
      const StaffRequest& r, const std::string& reference) const;

  const RightsCalls& calls_;
  SubjectAccessStore& exports_;
  const bool show_staff_names_;
};

}  // namespace frontdoor::web
