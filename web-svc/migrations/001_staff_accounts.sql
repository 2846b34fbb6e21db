-- Staff accounts for the console (web-svc/accounts.h) and their sessions.
-- The sign-in name is found by its blind index (HMAC under the key ring);
-- the name itself and the display name are sealed (AES-256-GCM, associated
-- data naming the account and the column), as is the TOTP secret. The
-- password is an Argon2id PHC string ("$argon2id$v=19$m=...,t=...,p=...$
-- salt$hash"); NULL until the person enrols. The one-time enrolment code is
-- kept only as its SHA-256. Sessions are kept by the SHA-256 of the cookie
-- value, never the value. Times are microseconds since the Unix epoch.
CREATE TABLE staff_accounts (
  account_id            TEXT PRIMARY KEY,
  username_index        TEXT NOT NULL UNIQUE,
  sealed_username       BLOB NOT NULL,
  sealed_display_name   BLOB NOT NULL,
  role                  INTEGER NOT NULL,
  password_hash         TEXT,
  sealed_totp_secret    BLOB,
  totp_confirmed        INTEGER NOT NULL DEFAULT 0,
  totp_last_step        INTEGER NOT NULL DEFAULT 0,
  failed_attempts       INTEGER NOT NULL DEFAULT 0,
  locked_until_us       INTEGER NOT NULL DEFAULT 0,
  disabled              INTEGER NOT NULL DEFAULT 0,
  enrolment_code_hash   TEXT,
  enrolment_expires_us  INTEGER NOT NULL DEFAULT 0,
  created_at_us         INTEGER NOT NULL,
  updated_at_us         INTEGER NOT NULL
);
CREATE TABLE staff_sessions (
  session_hash   TEXT PRIMARY KEY,
  account_id     TEXT NOT NULL REFERENCES staff_accounts (account_id),
  stage          INTEGER NOT NULL,
  created_at_us  INTEGER NOT NULL,
  last_seen_us   INTEGER NOT NULL
);
CREATE INDEX staff_sessions_by_account ON staff_sessions (account_id);
