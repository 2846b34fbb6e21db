#pragma once

// The console's sign-in rules, pure: lockout after repeated failures and
// session timeouts. Time comes in as an argument (an injected Clock's Now()).

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace frontdoor::web {

// Defaults of WebConfig.console (ConsoleConfig).
inline constexpr int kDefaultMaxFailedSignIns = 5;
inline constexpr absl::Duration kDefaultLockout = absl::Minutes(15);
inline constexpr absl::Duration kDefaultIdleTimeout = absl::Minutes(30);
inline constexpr absl::Duration kDefaultAbsoluteTimeout = absl::Hours(12);
// A session half way through signing in (password given, code not yet) or
// enrolling an authenticator lasts this long.
inline constexpr absl::Duration kPendingSessionTimeout = absl::Minutes(10);
// A team leader's override or release asks for the password and code
// again when they were last given longer ago than this.
inline constexpr absl::Duration kDefaultReauthentication = absl::Minutes(5);
// How long a one-time enrolment code from the operator command lasts.
inline constexpr absl::Duration kEnrolmentCodeLifetime = absl::Hours(72);

struct SignInPolicy {
  // Wrong passwords or codes in a row that lock the account.
  int max_failures = kDefaultMaxFailedSignIns;
  // How long a locked account stays locked.
  absl::Duration lockout = kDefaultLockout;
  // A signed-in session ends after this long without a request...
  absl::Duration idle_timeout = kDefaultIdleTimeout;
  // ...and this long after sign-in whatever happens.
  absl::Duration absolute_timeout = kDefaultAbsoluteTimeout;
  // Overrides and releases need the password and code given within this.
  absl::Duration reauthentication = kDefaultReauthentication;
};

// An account's recent failures.
struct Attempts {
  int failed = 0;
  absl::Time locked_until = absl::UnixEpoch();
};

// Whether the account refuses sign-in at `now`.
bool IsLocked(const Attempts& a, absl::Time now);

// The attempts after one more failure at `now`. A lock that has run out
// starts the count again; the max_failures-th failure in a row locks the
// account until now + lockout (and the count starts again for then).
// `locked_now` tells whether this failure locked it.
Attempts AfterFailure(const Attempts& a, absl::Time now,
                      const SignInPolicy& policy, bool* locked_now);

// Where a session is in signing in. Stored in staff_sessions.stage: never
// renumber.
enum class SessionStage : int {
  // Password accepted; waiting for the authenticator code.
  kAwaitingCode = 1,
  // Password set or accepted; the authenticator is being enrolled.
  kEnrollingAuthenticator = 2,
  // Signed in.
  kSignedIn = 3,
};

enum class SessionVerdict {
  kLive,
  // No request for longer than idle_timeout (or kPendingSessionTimeout
  // before sign-in has finished).
  kIdleExpired,
  // Older than absolute_timeout.
  kAbsoluteExpired,
};

// The verdict on a session at `now`.
SessionVerdict CheckSession(SessionStage stage, absl::Time created,
                            absl::Time last_seen, absl::Time now,
                            const SignInPolicy& policy);

std::string VerdictCode(SessionVerdict v);

// Whether an action that needs a recent sign-in (a team leader's override
// or release) must first ask for the password and code again: they were
// last given (`authenticated_at`: sign-in or the last re-authentication)
// more than policy.reauthentication before `now`, or the time is after
// `now` (a clock set back proves nothing).
bool ReauthenticationDue(absl::Time authenticated_at, absl::Time now,
                         const SignInPolicy& policy);

}  // namespace frontdoor::web
