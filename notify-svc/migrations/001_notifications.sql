-- Events received from intake, triage and allocation, each once.
CREATE TABLE notify_events (
  event_id        TEXT PRIMARY KEY,
  received_at_us  INTEGER NOT NULL
);
-- One row per notification per recipient agency. seq is the stream
-- position partners resume from; sealed is the Notification (it names
-- people), sealed with its id as associated data.
CREATE TABLE notifications (
  seq               INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  recipient_agency  TEXT NOT NULL,
  recipient_kind    INTEGER NOT NULL,
  event_kind        INTEGER NOT NULL,
  reference         TEXT NOT NULL,
  referring_agency  TEXT NOT NULL,
  created_at_us     INTEGER NOT NULL,
  sealed            BLOB NOT NULL
);
CREATE INDEX notifications_by_recipient ON notifications (recipient_agency, seq);
CREATE INDEX notifications_by_reference
  ON notifications (referring_agency, reference, recipient_kind, seq);
-- Each pull partner's last acknowledged position.
CREATE TABLE subscriptions (
  agency_id   TEXT PRIMARY KEY,
  acked_seq   INTEGER NOT NULL
);
