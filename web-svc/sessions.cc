#include "web-svc/sessions.h"

namespace frontdoor::web {

bool IsLocked(const Attempts& a, absl::Time now) {
  return now < a.locked_until;
}

Attempts AfterFailure(const Attempts& a, absl::Time now,
                      const SignInPolicy& policy, bool* locked_now) {
  Attempts out = a;
  *locked_now = false;
  if (out.locked_until != absl::UnixEpoch() && now >= out.locked_until) {
    out = Attempts{};  // the lock has run out: a fresh count
  }
  if (IsLocked(out, now)) return out;  // already locked: nothing more
  ++out.failed;
  if (out.failed >= policy.max_failures) {
    out.failed = 0;
    out.locked_until = now + policy.lockout;
    *locked_now = true;
  }
  return out;
}

SessionVerdict CheckSession(SessionStage stage, absl::Time created,
                            absl::Time last_seen, absl::Time now,
                            const SignInPolicy& policy) {
  if (stage != SessionStage::kSignedIn) {
    return now - created >= kPendingSessionTimeout
               ? SessionVerdict::kIdleExpired
               : SessionVerdict::kLive;
  }
  if (now - created >= policy.absolute_timeout) {
    return SessionVerdict::kAbsoluteExpired;
  }
  if (now - last_seen >= policy.idle_timeout) {
    return SessionVerdict::kIdleExpired;
  }
  return SessionVerdict::kLive;
}

std::string VerdictCode(SessionVerdict v) {
  switch (v) {
    case SessionVerdict::kLive:
      return "live";
    case SessionVerdict::kIdleExpired:
      return "idle_timeout";
    case SessionVerdict::kAbsoluteExpired:
      return "absolute_timeout";
  }
  return "unknown";
}

bool ReauthenticationDue(absl::Time authenticated_at, absl::Time now,
                         const SignInPolicy& policy) {
  return now < authenticated_at ||
         now - authenticated_at > policy.reauthentication;
}

}  // namespace frontdoor::web
