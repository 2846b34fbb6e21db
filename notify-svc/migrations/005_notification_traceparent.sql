-- The W3C traceparent of the call that recorded each notification (the
-- event's delivery from triage-svc or allocation-svc, which continues the
-- referral's trace; common/logging/traceparent.h), so that a stream's
-- delivery of it logs under the referral's trace id, as the outbox does for
-- push and email. '' for notifications recorded before and outside any
-- trace. Not personal data.
ALTER TABLE notifications ADD COLUMN traceparent TEXT NOT NULL DEFAULT '';
