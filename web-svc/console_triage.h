#pragma once

// The console's triage section: the queue, a referral in full (each view
// audited by intake-svc with the person and the purpose they give), the
// DASH and the children's assessment, and the decision. Every page checks
// the person's role (roles.h) before calling a service, and each service
// checks again (ADR 0012). Rendering and form reading are in
// console_triage_pages.h.
//
// | path                                 | permission                  |
// |--------------------------------------|-----------------------------|
// | /console/queue                       | kViewQueue                  |
// | /console/referrals/REF (GET, POST)   | kViewReferral               |
// | /console/referrals/REF/assessment    | kAssess                     |
// | /console/referrals/REF/decision      | kAssess or kViewReferral    |

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "web-svc/console_placement_pages.h"  // ConsoleTimeZone
#include "web-svc/console.h"
#include "web-svc/staff_calls.h"

namespace frontdoor::web {

// After a successful post the page redirects (303) to a GET page, which
// shows a success banner once. The banner's text waits here, keyed by the
// session and the page, for that GET; it is in this process's memory, so
// with several web-svc replicas and no session affinity the GET may land
// elsewhere and show the page without it (nothing else is lost). At most
// kMaxNotices wait; the oldest go first.
class OneTimeNotices {
 public:
  static constexpr size_t kMaxNotices = 10000;
  void Put(const std::string& session, const std::string& page,
           std::string text);
  // The notice for the session's page, removed; "" when none.
  std::string Take(const std::string& session, const std::string& page);

 private:
  absl::Mutex mu_;
  // (session hash, page) -> (sequence, text); and sequence -> key.
  std::map<std::pair<std::string, std::string>,
           std::pair<uint64_t, std::string>>
      notices_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::pair<std::string, std::string>> order_
      ABSL_GUARDED_BY(mu_);
  uint64_t next_ ABSL_GUARDED_BY(mu_) = 0;
};

class TriageSection final : public ConsoleSection {
 public:
  // `calls` and `clock` must outlive the section. Times are shown in
  // ConsoleTimeZone().
  TriageSection(const StaffCalls& calls, const Clock& clock)
      : calls_(calls), clock_(clock), zone_(ConsoleTimeZone()) {}

  bool Owns(std::string_view path) const override;
  ConsoleResponse Handle(const StaffRequest& r) override;

 private:
  ConsoleResponse Queue(const StaffRequest& r);
  ConsoleResponse Referral(const StaffRequest& r, const std::string& reference);
  ConsoleResponse Assessment(const StaffRequest& r,
                             const std::string& reference);
  ConsoleResponse Decision(const StaffRequest& r, const std::string& reference);

  const StaffCalls& calls_;
  const Clock& clock_;
  const absl::TimeZone zone_;
  OneTimeNotices notices_;
};

}  // namespace frontdoor::web
