#pragma once

// The console's section for keying a referral taken by phone, live chat or
// secure email (Permission::kKeyReferral):
//   GET  /console/new-referral          how it came, who made it, which form
//   POST /console/new-referral          those answers; then the form itself
//   POST /console/new-referral/details  the referral, to intake as the
//                                       person signed in (StaffCalls); 303 to
//   GET  /console/new-referral/received/REF  the reference, with a banner.
// The pages and the form's building are console_keying_pages.h.

#include <string_view>

#include "web-svc/console.h"
#include "web-svc/staff_calls.h"

namespace frontdoor::web {

class KeyingSection final : public ConsoleSection {
 public:
  // `calls` outlives the section.
  explicit KeyingSection(const StaffCalls& calls) : calls_(calls) {}

  bool Owns(std::string_view path) const override;
  ConsoleResponse Handle(const StaffRequest& r) override;

 private:
  ConsoleResponse Start(const StaffRequest& r);
  ConsoleResponse Send(const StaffRequest& r);
  ConsoleResponse Received(const StaffRequest& r, const std::string& reference);

  const StaffCalls& calls_;
};

}  // namespace frontdoor::web
