-- When each session's person last gave their password and authenticator
-- code: at sign-in, and again at each re-authentication that a team
-- leader's override or release asks for (web-svc/sessions.h,
-- ReauthenticationDue). Microseconds since the Unix epoch; 0 for sessions
-- from before this column, which re-authenticate at their next override or
-- release.
ALTER TABLE staff_sessions ADD COLUMN authenticated_at_us INTEGER NOT NULL DEFAULT 0;
