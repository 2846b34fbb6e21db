-- Notifications held back while their referral's processing is restricted
-- (common/rights: a data subject's right). One row per notification that
-- would have been shared (recorded while restricted), or that a pull
-- recipient had not yet acknowledged when the restriction was set
-- (withdrawn from the stream). Released in `seq` order, as new
-- notifications at the end of each stream (and onto the push or email
-- outbox), when the restriction is lifted: nothing is lost. sealed is the
-- Notification sealed with its id as associated data, as in notifications;
-- audit_reason and audit_details are the share's codes for its audit row
-- when released. No personal data outside sealed.
CREATE TABLE held_notifications (
  seq               INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  recipient_agency  TEXT NOT NULL,
  recipient_kind    INTEGER NOT NULL,
  event_kind        INTEGER NOT NULL,
  reference         TEXT NOT NULL,
  referring_agency  TEXT NOT NULL,
  push              INTEGER NOT NULL,
  email             INTEGER NOT NULL,
  audit_reason      TEXT NOT NULL,
  audit_details     TEXT NOT NULL,
  held_at_us        INTEGER NOT NULL,
  sealed            BLOB NOT NULL
);
CREATE INDEX held_notifications_by_reference
  ON held_notifications (reference, seq);
-- When the recipient acknowledged each notification: a pull recipient's
-- Ack at or past its position, or the push or email relay's delivery
-- (copied from the outbox by the retention purge). NULL: not yet. The
-- retention schedule (server.retention.acknowledged_notifications_days)
-- deletes notifications that long after it.
ALTER TABLE notifications ADD COLUMN acked_at_us INTEGER;
CREATE INDEX notifications_acked ON notifications (acked_at_us)
  WHERE acked_at_us IS NOT NULL;
