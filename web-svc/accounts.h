#pragma once

// Staff accounts and sessions in web-svc's own store (migrations/), each
// change appended to web-svc's audit chain in the same transaction (codes
// and ids, never names). Sign-in names are found by blind index; names and
// TOTP secrets are sealed with the key ring, bound to their account.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/crypto/key_ring.h"
#include "common/rewrap/rewrap.h"
#include "common/store/store.h"
#include "web-svc/roles.h"
#include "web-svc/sessions.h"

namespace frontdoor::web {

// web-svc's schema (web-svc/migrations/*.sql).
std::vector<store::Migration> Migrations();

// The sealed columns of staff_accounts, for re-sealing after a key
// rotation (associated data "staff_accounts.<column>:<account id>").
std::vector<rewrap::SealedColumn> SealedColumns();

// Audit reason codes of the console (common/audit/README.md).
inline constexpr char kAuditReasonSignIn[] = "staff_sign_in";
inline constexpr char kAuditReasonAccountAdmin[] = "staff_account_admin";
// Audit actions of a refused sign-in step and of a refused
// re-authentication.
inline constexpr char kAuditSignInFailed[] = "web.sign_in_failed";
inline constexpr char kAuditReauthenticationFailed[] =
    "web.reauthentication_failed";
// The actor_agency of every console entry.
inline constexpr char kWebAgency[] = "frontdoor-web";
// Longest sign-in name and display name, in bytes.
inline constexpr size_t kMaxUsernameBytes = 254;
inline constexpr size_t kMaxDisplayNameBytes = 200;

// The sign-in name as compared: trimmed, ASCII lower case.
std::string NormaliseUsername(std::string_view username);

struct AccountRecord {
  std::string id;
  Role role = Role::kUnspecified;
  std::string username;       // opened
  std::string display_name;   // opened
  std::string password_hash;  // PHC string; "" until enrolled
  std::string totp_secret;    // raw, opened; "" until enrolled
  bool totp_confirmed = false;
  int64_t totp_last_step = 0;
  Attempts attempts;
  bool disabled = false;
  std::string enrolment_code_hash;  // "" when there is none
  absl::Time enrolment_expires = absl::UnixEpoch();
};

struct SessionRecord {
  std::string hash;  // SHA-256 of the cookie value
  SessionStage stage = SessionStage::kAwaitingCode;
  absl::Time created;
  absl::Time last_seen;
  // When the person last gave their password and code in this session (at
  // sign-in, or re-authenticating); the epoch for sessions before it was
  // kept, and for sessions still signing in.
  absl::Time authenticated_at = absl::UnixEpoch();
  AccountRecord account;
};

// What the operator command gets back from create and reset.
struct Enrolment {
  std::string account_id;
  std::string code;  // one-time, shown once, stored only as its SHA-256
  absl::Time expires;
};

class AccountStore {
 public:
  AccountStore(store::Store& store, const crypto::KeyRing& keys,
               const Clock& clock)
      : store_(store), keys_(keys), clock_(clock) {}

  // --- the operator command; `actor` names the operator for the audit
  // trail (an id or "operator", never a name).

  // A new account, not yet enrolled. ALREADY_EXISTS for a sign-in name in
  // use; INVALID_ARGUMENT for an empty or too long name.
  absl::StatusOr<Enrolment> Create(std::string_view username,
                                   std::string_view display_name, Role role,
                                   std::string_view actor);
  // Disables (or enables again) an account; disabling ends its sessions.
  // NOT_FOUND for an unknown name.
  absl::Status SetDisabled(std::string_view username, bool disabled,
                           std::string_view actor);
  // Clears the password and the authenticator, unlocks, ends every
  // session and issues a new enrolment code. NOT_FOUND for an unknown name.
  absl::StatusOr<Enrolment> Reset(std::string_view username,
                                  std::string_view actor);

  // --- sign-in

  absl::StatusOr<std::optional<AccountRecord>> FindByUsername(
      std::string_view username);

  // A refused sign-in step, audited (`outcome`: wrong_password,
  // wrong_code, locked, disabled, not_enrolled, unknown_account). With an
  // account (not "" and not locked or disabled), counts the failure and
  // locks the account at the policy's limit (audited as
  // web.account_locked); `locked_now` tells.
  // `action` is web.sign_in_failed, or web.reauthentication_failed for a
  // signed-in person's re-authentication (which counts the same).
  absl::Status RecordFailure(const std::string& account_id,
                             std::string_view outcome,
                             const SignInPolicy& policy, bool* locked_now,
                             std::string_view action = kAuditSignInFailed);

  // Enrolment with a one-time code: checks the code (its hash, unexpired)
  // against the account in the same transaction, sets the password hash
  // and a sealed TOTP secret (unconfirmed), consumes the code and starts a
  // session in kEnrollingAuthenticator. Returns the session cookie value.
  // PERMISSION_DENIED when the code no longer holds.
  absl::StatusOr<std::string> Enrol(const std::string& account_id,
                                    const std::string& code_hash,
                                    const std::string& password_hash,
                                    const std::string& totp_secret);

  // A session for `account_id` at `stage`, replacing `replaced_hash` (if
  // any: a new id at every step). Failures are not reset: only
  // CompleteSignIn resets them.
  absl::StatusOr<std::string> StartSession(const std::string& account_id,
                                           SessionStage stage,
                                           const std::string& replaced_hash);

  // The authenticator code matched `step`: records it as the last used
  // step (PERMISSION_DENIED if a concurrent sign-in used it or a later one
  // first), confirms the authenticator, resets failures, and replaces the
  // pending session `session_hash` with a signed-in one (new id). Audited
  // as web.signed_in (or web.enrolled then web.signed_in).
  absl::StatusOr<std::string> CompleteSignIn(const std::string& session_hash,
                                             const std::string& account_id,
                                             int64_t step);

  // A signed-in person gave their password and a code matching `step`
  // again: records the step as used (PERMISSION_DENIED if a sign-in or
  // re-authentication used it or a later one first, or the session or
  // account has gone), resets failures and sets the session's
  // authenticated_at to now. Audited as web.reauthenticated.
  absl::Status Reauthenticate(const std::string& session_hash,
                              const std::string& account_id, int64_t step);

  // The session whose cookie value is `cookie`, if it is live and its
  // account enabled. An expired session is deleted (audited
  // web.session_expired with the verdict). A live signed-in session's
  // last_seen becomes now.
  absl::StatusOr<std::optional<SessionRecord>> Session(
      const std::string& cookie, const SignInPolicy& policy);

  // Ends one session (web.signed_out) or every session of its account
  // (web.signed_out_everywhere, details holding how many).
  absl::Status SignOut(const SessionRecord& session, bool everywhere);

  // Sessions of an account, for tests and the operator.
  absl::StatusOr<int64_t> SessionCount(const std::string& account_id);

 private:
  absl::StatusOr<std::optional<AccountRecord>> Load(store::Tx& tx,
                                                    std::string_view where,
                                                    const store::Params& p);
  absl::StatusOr<std::string> InsertSession(store::Tx& tx,
                                            const std::string& account_id,
                                            SessionStage stage);

  store::Store& store_;
  const crypto::KeyRing& keys_;
  const Clock& clock_;
};

// The SHA-256 of a cookie value or enrolment code, as stored.
std::string SecretHash(std::string_view secret);

}  // namespace frontdoor::web
