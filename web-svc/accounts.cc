#include "web-svc/accounts.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "web-svc/web_security.h"

namespace frontdoor::web {
namespace {

// Debian's Abseil has its own string_view.
absl::string_view A(std::string_view s) { return {s.data(), s.size()}; }

constexpr char kLawfulBasis[] = "UK GDPR art. 6(1)(e), art. 32";
constexpr char kAccountColumns[] =
    "SELECT account_id, role, sealed_username, sealed_display_name, "
    "password_hash, sealed_totp_secret, totp_confirmed, totp_last_step, "
    "failed_attempts, locked_until_us, disabled, enrolment_code_hash, "
    "enrolment_expires_us FROM staff_accounts ";

std::string Aad(std::string_view column, std::string_view account_id) {
  return absl::StrCat("staff_accounts.", A(column), ":", A(account_id));
}

int64_t Us(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }

std::string UsernameIndex(const crypto::KeyRing& keys,
                          std::string_view username) {
  return keys.BlindIndex(
      absl::StrCat("staff-username\n", NormaliseUsername(username)));
}

std::string Json(
    std::initializer_list<std::pair<std::string_view, std::string>> kv) {
  std::string out = "{";
  for (const auto& [k, v] : kv) {
    if (out.size() > 1) out += ",";
    absl::StrAppend(&out, "\"", std::string(k), "\":\"", v, "\"");
  }
  return out + "}";
}

}  // namespace

std::vector<rewrap::SealedColumn> SealedColumns() {
  std::vector<rewrap::SealedColumn> out;
  for (const char* column :
       {"sealed_username", "sealed_display_name", "sealed_totp_secret"}) {
    out.push_back(
        {"staff_accounts",
         column,
         {"account_id"},
         absl::StrCat("'staff_accounts.", column, ":' || account_id")});
  }
  return out;
}

std::string NormaliseUsername(std::string_view username) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(A(username)));
}

std::string SecretHash(std::string_view secret) {
  return crypto::Sha256Hex(secret);
}

namespace {

// One audit entry of the console, in the caller's transaction.
absl::Status AuditIn(store::Tx& tx, const crypto::KeyRing& keys, absl::Time at,
                     std::string_view actor, std::string_view action,
                     std::string_view subject, std::string_view reason,
                     std::string details) {
  audit::Entry e;
  e.at = at;
  e.actor_agency = kWebAgency;
  e.actor_person = std::string(actor);
  e.action = std::string(action);
  e.subject = std::string(subject);
  e.reason = std::string(reason);
  e.lawful_basis = kLawfulBasis;
  e.details = std::move(details);
  return audit::Append(tx, keys, e);
}

std::string StaffActor(std::string_view account_id) {
  return absl::StrCat("staff:", A(account_id));
}

}  // namespace

absl::StatusOr<std::optional<AccountRecord>> AccountStore::Load(
    store::Tx& tx, std::string_view where, const store::Params& p) {
  absl::StatusOr<std::vector<store::Row>> rows =
      tx.Query(absl::StrCat(kAccountColumns, A(where)), p);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::nullopt;
  const store::Row& r = rows->front();
  AccountRecord a;
  a.id = r.Text(0);
  a.role = RoleFromInt(r.Int(1)).value_or(Role::kUnspecified);
  absl::StatusOr<std::string> username =
      keys_.Open(r.Text(2), Aad("sealed_username", a.id));
  if (!username.ok()) return username.status();
  a.username = *std::move(username);
  absl::StatusOr<std::string> name =
      keys_.Open(r.Text(3), Aad("sealed_display_name", a.id));
  if (!name.ok()) return name.status();
  a.display_name = *std::move(name);
  a.password_hash = r.Text(4);
  if (!r.IsNull(5)) {
    absl::StatusOr<std::string> secret =
        keys_.Open(r.Text(5), Aad("sealed_totp_secret", a.id));
    if (!secret.ok()) return secret.status();
    a.totp_secret = *std::move(secret);
  }
  a.totp_confirmed = r.Int(6) != 0;
  a.totp_last_step = r.Int(7);
  a.attempts.failed = static_cast<int>(r.Int(8));
  a.attempts.locked_until = FromUs(r.Int(9));
  a.disabled = r.Int(10) != 0;
  a.enrolment_code_hash = r.Text(11);
  a.enrolment_expires = FromUs(r.Int(12));
  return a;
}

absl::StatusOr<Enrolment> AccountStore::Create(std::string_view username,
                                               std::string_view display_name,
                                               Role role,
                                               std::string_view actor) {
  const std::string normalised = NormaliseUsername(username);
  if (normalised.empty() || normalised.size() > kMaxUsernameBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("username: 1 to ", kMaxUsernameBytes, " bytes"));
  }
  const std::string name(absl::StripAsciiWhitespace(A(display_name)));
  if (name.empty() || name.size() > kMaxDisplayNameBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("display name: 1 to ", kMaxDisplayNameBytes, " bytes"));
  }
  if (FindRole(role) == nullptr) {
    return absl::InvalidArgumentError("role: not one of the roles");
  }
  Enrolment out;
  out.account_id = absl::StrCat("staff-", NewToken().substr(0, 16));
  out.code = NewToken();
  const absl::Time now = clock_.Now();
  out.expires = now + kEnrolmentCodeLifetime;
  absl::StatusOr<std::string> sealed_username =
      keys_.Seal(normalised, Aad("sealed_username", out.account_id));
  if (!sealed_username.ok()) return sealed_username.status();
  absl::StatusOr<std::string> sealed_name =
      keys_.Seal(name, Aad("sealed_display_name", out.account_id));
  if (!sealed_name.ok()) return sealed_name.status();
  const absl::Status s = store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<int64_t> n = tx.Exec(
        "INSERT INTO staff_accounts (account_id, username_index, "
        "sealed_username, sealed_display_name, role, enrolment_code_hash, "
        "enrolment_expires_us, created_at_us, updated_at_us) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        {out.account_id, UsernameIndex(keys_, normalised),
         store::Blob{*sealed_username}, store::Blob{*sealed_name},
         static_cast<int64_t>(role), SecretHash(out.code), Us(out.expires),
         Us(now)});
    if (!n.ok()) return n.status();
    return AuditIn(tx, keys_, now, actor, "web.account_created", out.account_id,
                   kAuditReasonAccountAdmin,
                   Json({{"role", std::string(FindRole(role)->code)}}));
  });
  if (s.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("an account has this username");
  }
  if (!s.ok()) return s;
  return out;
}

absl::Status AccountStore::SetDisabled(std::string_view username, bool disabled,
                                       std::string_view actor) {
  const absl::Time now = clock_.Now();
  return store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::optional<AccountRecord>> a =
        Load(tx, "WHERE username_index = $1", {UsernameIndex(keys_, username)});
    if (!a.ok()) return a.status();
    if (!a->has_value())
      return absl::NotFoundError("no account has this username");
    const std::string& id = (*a)->id;
    absl::StatusOr<int64_t> n = tx.Exec(
        "UPDATE staff_accounts SET disabled = $2, updated_at_us = $3 "
        "WHERE account_id = $1",
        {id, int64_t{disabled ? 1 : 0}, Us(now)});
    if (!n.ok()) return n.status();
    int64_t ended = 0;
    if (disabled) {
      absl::StatusOr<int64_t> d =
          tx.Exec("DELETE FROM staff_sessions WHERE account_id = $1", {id});
      if (!d.ok()) return d.status();
      ended = *d;
    }
    return AuditIn(tx, keys_, now, actor,
                   disabled ? "web.account_disabled" : "web.account_enabled",
                   id, kAuditReasonAccountAdmin,
                   absl::StrCat("{\"sessions_ended\":", ended, "}"));
  });
}

absl::StatusOr<Enrolment> AccountStore::Reset(std::string_view username,
                                              std::string_view actor) {
  const absl::Time now = clock_.Now();
  Enrolment out;
  out.code = NewToken();
  out.expires = now + kEnrolmentCodeLifetime;
  const absl::Status s = store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::optional<AccountRecord>> a =
        Load(tx, "WHERE username_index = $1", {UsernameIndex(keys_, username)});
    if (!a.ok()) return a.status();
    if (!a->has_value())
      return absl::NotFoundError("no account has this username");
    out.account_id = (*a)->id;
    // totp_last_step is kept: a code of the old authenticator stays used.
    absl::StatusOr<int64_t> n = tx.Exec(
        "UPDATE staff_accounts SET password_hash = NULL, "
        "sealed_totp_secret = NULL, totp_confirmed = 0, failed_attempts = 0, "
        "locked_until_us = 0, enrolment_code_hash = $2, "
        "enrolment_expires_us = $3, updated_at_us = $4 WHERE account_id = $1",
        {out.account_id, SecretHash(out.code), Us(out.expires), Us(now)});
    if (!n.ok()) return n.status();
    absl::StatusOr<int64_t> d = tx.Exec(
        "DELETE FROM staff_sessions WHERE account_id = $1", {out.account_id});
    if (!d.ok()) return d.status();
    return AuditIn(tx, keys_, now, actor, "web.account_reset", out.account_id,
                   kAuditReasonAccountAdmin,
                   absl::StrCat("{\"sessions_ended\":", *d, "}"));
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::optional<AccountRecord>> AccountStore::FindByUsername(
    std::string_view username) {
  std::optional<AccountRecord> out;
  const absl::Status s = store_.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::optional<AccountRecord>> a =
        Load(tx, "WHERE username_index = $1", {UsernameIndex(keys_, username)});
    if (!a.ok()) return a.status();
    out = *std::move(a);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::Status AccountStore::RecordFailure(const std::string& account_id,
                                         std::string_view outcome,
                                         const SignInPolicy& policy,
                                         bool* locked_now,
                                         std::string_view action) {
  *locked_now = false;
  const absl::Time now = clock_.Now();
  return store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    const std::string actor =
        account_id.empty() ? "anonymous" : StaffActor(account_id);
    if (!account_id.empty()) {
      absl::StatusOr<std::optional<AccountRecord>> a =
          Load(tx, "WHERE account_id = $1", {account_id});
      if (!a.ok()) return a.status();
      if (a->has_value() && !(*a)->disabled && !IsLocked((*a)->attempts, now)) {
        const Attempts after =
            AfterFailure((*a)->attempts, now, policy, locked_now);
        absl::StatusOr<int64_t> n = tx.Exec(
            "UPDATE staff_accounts SET failed_attempts = $2, "
            "locked_until_us = $3 WHERE account_id = $1",
            {account_id, int64_t{after.failed}, Us(after.locked_until)});
        if (!n.ok()) return n.status();
      }
    }
    absl::Status s =
        AuditIn(tx, keys_, now, actor, action, account_id,
                kAuditReasonSignIn, Json({{"outcome", std::string(outcome)}}));
    if (!s.ok() || !*locked_now) return s;
    return AuditIn(tx, keys_, now, actor, "web.account_locked", account_id,
                   kAuditReasonSignIn,
                   absl::StrCat("{\"lockout_seconds\":",
                                absl::ToInt64Seconds(policy.lockout), "}"));
  });
}

absl::StatusOr<std::string> AccountStore::InsertSession(
    store::Tx& tx, const std::string& account_id, SessionStage stage) {
  const std::string cookie = NewToken() + NewToken();
  const int64_t now = Us(clock_.Now());
  // A signed-in session starts with the password and code just given.
  const int64_t authenticated = stage == SessionStage::kSignedIn ? now : 0;
  absl::StatusOr<int64_t> n = tx.Exec(
      "INSERT INTO staff_sessions (session_hash, account_id, stage, "
      "created_at_us, last_seen_us, authenticated_at_us) "
      "VALUES ($1, $2, $3, $4, $4, $5)",
      {SecretHash(cookie), account_id, static_cast<int64_t>(stage), now,
       authenticated});
  if (!n.ok()) return n.status();
  return cookie;
}

absl::StatusOr<std::string> AccountStore::Enrol(
    const std::string& account_id, const std::string& code_hash,
    const std::string& password_hash, const std::string& totp_secret) {
  const absl::Time now = clock_.Now();
  absl::StatusOr<std::string> sealed_secret =
      keys_.Seal(totp_secret, Aad("sealed_totp_secret", account_id));
  if (!sealed_secret.ok()) return sealed_secret.status();
  std::string cookie;
  const absl::Status s = store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<int64_t> n = tx.Exec(
        "UPDATE staff_accounts SET password_hash = $2, "
        "sealed_totp_secret = $3, totp_confirmed = 0, failed_attempts = 0, "
        "locked_until_us = 0, enrolment_code_hash = NULL, "
        "enrolment_expires_us = 0, updated_at_us = $4 "
        "WHERE account_id = $1 AND enrolment_code_hash = $5 "
        "AND enrolment_expires_us > $4 AND disabled = 0",
        {account_id, password_hash, store::Blob{*sealed_secret}, Us(now),
         code_hash});
    if (!n.ok()) return n.status();
    if (*n != 1)
      return absl::PermissionDeniedError("enrolment code no longer holds");
    absl::StatusOr<std::string> c =
        InsertSession(tx, account_id, SessionStage::kEnrollingAuthenticator);
    if (!c.ok()) return c.status();
    cookie = *std::move(c);
    return AuditIn(tx, keys_, now, StaffActor(account_id), "web.password_set",
                   account_id, kAuditReasonSignIn, "");
  });
  if (!s.ok()) return s;
  return cookie;
}

absl::StatusOr<std::string> AccountStore::StartSession(
    const std::string& account_id, SessionStage stage,
    const std::string& replaced_hash) {
  std::string cookie;
  const absl::Status s = store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    if (!replaced_hash.empty()) {
      absl::StatusOr<int64_t> d =
          tx.Exec("DELETE FROM staff_sessions WHERE session_hash = $1",
                  {replaced_hash});
      if (!d.ok()) return d.status();
    }
    // Failures are not reset here: only a whole sign-in (the code too)
    // resets them, or the password alone would reopen code guessing.
    absl::StatusOr<std::string> c = InsertSession(tx, account_id, stage);
    if (!c.ok()) return c.status();
    cookie = *std::move(c);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return cookie;
}

absl::StatusOr<std::string> AccountStore::CompleteSignIn(
    const std::string& session_hash, const std::string& account_id,
    int64_t step) {
  const absl::Time now = clock_.Now();
  std::string cookie;
  const absl::Status s = store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> was = tx.Query(
        "SELECT totp_confirmed FROM staff_accounts WHERE account_id = $1",
        {account_id});
    if (!was.ok()) return was.status();
    if (was->empty()) return absl::PermissionDeniedError("no account");
    const bool enrolling = was->front().Int(0) == 0;
    absl::StatusOr<int64_t> n = tx.Exec(
        "UPDATE staff_accounts SET totp_last_step = $2, totp_confirmed = 1, "
        "failed_attempts = 0, locked_until_us = 0, updated_at_us = $3 "
        "WHERE account_id = $1 AND totp_last_step < $2 AND disabled = 0",
        {account_id, step, Us(now)});
    if (!n.ok()) return n.status();
    if (*n != 1) return absl::PermissionDeniedError("code already used");
    absl::StatusOr<int64_t> d = tx.Exec(
        "DELETE FROM staff_sessions WHERE session_hash = $1", {session_hash});
    if (!d.ok()) return d.status();
    if (*d != 1) return absl::PermissionDeniedError("session ended");
    absl::StatusOr<std::string> c =
        InsertSession(tx, account_id, SessionStage::kSignedIn);
    if (!c.ok()) return c.status();
    cookie = *std::move(c);
    if (enrolling) {
      absl::Status a = AuditIn(tx, keys_, now, StaffActor(account_id),
                               "web.authenticator_enrolled", account_id,
                               kAuditReasonSignIn, "");
      if (!a.ok()) return a;
    }
    return AuditIn(tx, keys_, now, StaffActor(account_id), "web.signed_in",
                   account_id, kAuditReasonSignIn, "");
  });
  if (!s.ok()) return s;
  return cookie;
}

absl::Status AccountStore::Reauthenticate(const std::string& session_hash,
                                          const std::string& account_id,
                                          int64_t step) {
  const absl::Time now = clock_.Now();
  return store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    // The same step rule as sign-in: a code works once, across sign-ins
    // and re-authentications.
    absl::StatusOr<int64_t> n = tx.Exec(
        "UPDATE staff_accounts SET totp_last_step = $2, failed_attempts = 0, "
        "locked_until_us = 0, updated_at_us = $3 WHERE account_id = $1 "
        "AND totp_last_step < $2 AND disabled = 0",
        {account_id, step, Us(now)});
    if (!n.ok()) return n.status();
    if (*n != 1) return absl::PermissionDeniedError("code already used");
    absl::StatusOr<int64_t> s = tx.Exec(
        "UPDATE staff_sessions SET authenticated_at_us = $3 "
        "WHERE session_hash = $1 AND account_id = $2 AND stage = $4",
        {session_hash, account_id, Us(now),
         static_cast<int64_t>(SessionStage::kSignedIn)});
    if (!s.ok()) return s.status();
    if (*s != 1) return absl::PermissionDeniedError("session ended");
    return AuditIn(tx, keys_, now, StaffActor(account_id),
                   "web.reauthenticated", account_id, kAuditReasonSignIn, "");
  });
}

absl::StatusOr<std::optional<SessionRecord>> AccountStore::Session(
    const std::string& cookie, const SignInPolicy& policy) {
  if (!IsWellFormedToken(cookie.substr(0, 2 * kTokenBytes)) ||
      cookie.size() != 4 * kTokenBytes ||
      !IsWellFormedToken(cookie.substr(2 * kTokenBytes))) {
    return std::nullopt;
  }
  const std::string hash = SecretHash(cookie);
  const absl::Time now = clock_.Now();
  std::optional<SessionRecord> out;
  std::optional<SessionVerdict> expired;
  absl::Status s = store_.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
        "SELECT account_id, stage, created_at_us, last_seen_us, "
        "authenticated_at_us FROM staff_sessions WHERE session_hash = $1",
        {hash});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return absl::OkStatus();
    const store::Row& r = rows->front();
    SessionRecord session;
    session.hash = hash;
    session.stage = static_cast<SessionStage>(r.Int(1));
    session.created = FromUs(r.Int(2));
    session.last_seen = FromUs(r.Int(3));
    session.authenticated_at = FromUs(r.Int(4));
    absl::StatusOr<std::optional<AccountRecord>> a =
        Load(tx, "WHERE account_id = $1", {r.Text(0)});
    if (!a.ok()) return a.status();
    if (!a->has_value() || (*a)->disabled) return absl::OkStatus();
    session.account = **std::move(a);
    const SessionVerdict v = CheckSession(session.stage, session.created,
                                          session.last_seen, now, policy);
    if (v != SessionVerdict::kLive) {
      expired = v;
      out = std::move(session);
      return absl::OkStatus();
    }
    out = std::move(session);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (!out.has_value()) return std::nullopt;
  if (expired.has_value()) {
    const std::string account_id = out->account.id;
    s = store_.WriteSync([&](store::Tx& tx) -> absl::Status {
      absl::StatusOr<int64_t> d =
          tx.Exec("DELETE FROM staff_sessions WHERE session_hash = $1", {hash});
      if (!d.ok()) return d.status();
      if (*d == 0) return absl::OkStatus();  // another request ended it
      return AuditIn(tx, keys_, now, StaffActor(account_id),
                     "web.session_expired", account_id, kAuditReasonSignIn,
                     Json({{"why", VerdictCode(*expired)}}));
    });
    if (!s.ok()) return s;
    return std::nullopt;
  }
  if (out->stage == SessionStage::kSignedIn) {
    s = store_.WriteSync([&](store::Tx& tx) -> absl::Status {
      return tx
          .Exec(
              "UPDATE staff_sessions SET last_seen_us = $2 "
              "WHERE session_hash = $1",
              {hash, Us(now)})
          .status();
    });
    if (!s.ok()) return s;
    out->last_seen = now;
  }
  return out;
}

absl::Status AccountStore::SignOut(const SessionRecord& session,
                                   bool everywhere) {
  const absl::Time now = clock_.Now();
  const std::string& id = session.account.id;
  return store_.WriteSync([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<int64_t> d =
        everywhere
            ? tx.Exec("DELETE FROM staff_sessions WHERE account_id = $1", {id})
            : tx.Exec("DELETE FROM staff_sessions WHERE session_hash = $1",
                      {session.hash});
    if (!d.ok()) return d.status();
    return AuditIn(
        tx, keys_, now, StaffActor(id),
        everywhere ? "web.signed_out_everywhere" : "web.signed_out", id,
        kAuditReasonSignIn,
        everywhere ? absl::StrCat("{\"sessions_ended\":", *d, "}") : "");
  });
}

absl::StatusOr<int64_t> AccountStore::SessionCount(
    const std::string& account_id) {
  int64_t count = 0;
  const absl::Status s = store_.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> rows =
        tx.Query("SELECT COUNT(*) FROM staff_sessions WHERE account_id = $1",
                 {account_id});
    if (!rows.ok()) return rows.status();
    count = rows->front().Int(0);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return count;
}

}  // namespace frontdoor::web
