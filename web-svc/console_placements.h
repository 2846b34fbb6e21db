#pragma once

// The console's placements and waiting lists (issue 14), over allocation-svc
// for the person signed in (StaffCalls):
//   GET  /console/placements/REF                where a placement stands
//        (kRecordPlacement or kViewWaitingLists);
//   POST /console/placements/REF/consent        RecordConsent,
//   POST /console/placements/REF/first-contact  RecordFirstContact,
//   POST /console/placements/REF/failure        RecordFailure
//        (kRecordPlacement), each then 303 back to the placement, whose
//        next view shows a success banner;
//   GET  /console/waiting-lists                 every programme's list,
//   GET  /console/waiting-lists/PROGRAMME_ID    one programme's
//        (kViewWaitingLists).
// A refused post shows the placement again with allocation's field
// violations on the form's fields (GOV.UK error summary). Releasing a
// place (/console/placements/REF/release) is another section's.

#include <memory>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "web-svc/console.h"
#include "web-svc/console_placement_pages.h"
#include "web-svc/staff_calls.h"

namespace frontdoor::web {

// Holds what the last post recorded ("<reference> <code>"), for the
// banner of the placement's next view, which clears it: post/redirect/get
// without anything in the URL. "__Host-": Secure, Path=/, no Domain.
inline constexpr char kRecordedCookie[] = "__Host-frontdoor-recorded";
// How long the banner waits for that next view.
inline constexpr absl::Duration kRecordedCookieLifetime = absl::Minutes(5);

class PlacementsSection : public ConsoleSection {
 public:
  // `zone`: where times are shown and typed (ConsoleTimeZone()).
  PlacementsSection(const StaffCalls& calls, const Clock& clock,
                    absl::TimeZone zone)
      : calls_(calls), clock_(clock), zone_(zone) {}

  bool Owns(std::string_view path) const override;
  ConsoleResponse Handle(const StaffRequest& r) override;

 private:
  ConsoleResponse ShowPlacement(const StaffRequest& r,
                                const std::string& reference);
  ConsoleResponse Record(const StaffRequest& r, const std::string& reference,
                         PlacementForm form);
  ConsoleResponse WaitingLists(const StaffRequest& r,
                               const std::string& programme_id);
  // The placement's page: allocation's placement, its programme's name and
  // place on the list; `view` holds the rest.
  ConsoleResponse PlacementPage(const StaffRequest& r,
                                const std::string& reference,
                                PlacementPageView view, int status,
                                const std::string& route);

  const StaffCalls& calls_;
  const Clock& clock_;
  const absl::TimeZone zone_;
};

}  // namespace frontdoor::web
