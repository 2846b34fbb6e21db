#pragma once

// The team leaders' pages of the console, pure: which page a path is,
// reading their forms, mapping the services' field violations to the
// forms' fields, and rendering (Mustache, every value escaped). No HTTP,
// no calls: console_leader.cc does those.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/errors.h"
#include "frontdoor/allocation/v1/allocation.pb.h"
#include "frontdoor/triage/v1/triage.pb.h"
#include "web-svc/console_triage_pages.h"  // OverridePath
#include "web-svc/console_pages.h"

namespace frontdoor::web {

// The longest reasons the services take, in characters (triage's override
// reason, several lines; allocation's release reason, one line).
inline constexpr size_t kMaxOverrideReasonChars = 2000;
inline constexpr size_t kMaxReleaseReasonChars = 500;

enum class LeaderPage {
  // /console/referrals/REF/override
  kOverride,
  // /console/placements/REF/release
  kRelease,
  // /console/placements/REF/released: after a release, who took the place.
  kReleased,
};

struct LeaderPath {
  LeaderPage page;
  std::string reference;
};

// The leader page `path` is, with its well-formed reference; nullopt for
// any other path.
std::optional<LeaderPath> ParseLeaderPath(std::string_view path);

// OverridePath is console_triage_pages.h's.
std::string ReleasePath(const std::string& reference);
// The page after a release; `allocated` (who took the freed place) may be
// empty.
std::string ReleasedPath(const std::string& reference,
                         const std::string& allocated);
// Where an override goes after it is recorded: the referral's decision
// page, whose banner says the tier was changed (done=override).
std::string DecisionAfterOverridePath(const std::string& reference);

// The override form's fields: radios "tier" (1 to 4) and textarea "reason".
struct OverrideInput {
  std::map<std::string, std::string> values;  // as typed, to show again
  std::vector<ConsoleError> errors;
  triage::v1::TierOverride tier_override;     // when errors is empty
};
OverrideInput ReadOverrideForm(const std::map<std::string, std::string>& form);

// The release form's field: input "reason" (one line).
struct ReleaseInput {
  std::map<std::string, std::string> values;
  std::vector<ConsoleError> errors;
  std::string reason;  // when errors is empty
};
ReleaseInput ReadReleaseForm(const std::map<std::string, std::string>& form);

// The services' field violations as the forms' errors: tier_override.tier
// (and tier_override) to "tier", tier_override.reason and reason to
// "reason". `unmapped` gets the paths of any other.
std::vector<ConsoleError> MapLeaderViolations(
    const std::vector<FieldViolation>& violations,
    std::vector<std::string>* unmapped);

// The override page: the decision as it stands (risk, tier, any earlier
// override), then the form.
std::string RenderOverridePage(const SignedInBar& bar,
                               const std::string& reference,
                               const triage::v1::Decision& current,
                               const std::map<std::string, std::string>& values,
                               const std::vector<ConsoleError>& errors);

// The release page: the placement, then the form when it holds a place
// (otherwise why it cannot be released).
std::string RenderReleasePage(const SignedInBar& bar,
                              const std::string& reference,
                              const allocation::v1::Placement& placement,
                              const std::map<std::string, std::string>& values,
                              const std::vector<ConsoleError>& errors);

// After a release: a success banner and who was allocated the freed place
// (its reference only), or that nobody was waiting.
std::string RenderReleasedPage(const SignedInBar& bar,
                               const std::string& reference,
                               const std::string& allocated);

}  // namespace frontdoor::web
