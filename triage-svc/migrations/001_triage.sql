-- Referrals handed over by intake-svc, each recorded once (by reference).
-- sealed_event is the ReferralReceived event, AES-256-GCM sealed with the
-- reference as associated data; the other columns hold no personal data.
CREATE TABLE triage_referrals (
  reference         TEXT PRIMARY KEY,
  event_id          TEXT NOT NULL,
  agency_id         TEXT NOT NULL,
  subject_index     TEXT NOT NULL,
  front_door        INTEGER NOT NULL,
  received_at_us    INTEGER NOT NULL,
  recorded_at_us    INTEGER NOT NULL,
  -- 1 waiting for a practitioner, 2 decided.
  state             INTEGER NOT NULL,
  provisional_risk  INTEGER NOT NULL,
  waiting_reason    TEXT NOT NULL,
  decisions         INTEGER NOT NULL DEFAULT 0,
  sealed_event      BLOB NOT NULL
);
-- The queue: waiting referrals, highest provisional risk first, then oldest.
CREATE INDEX triage_queue
  ON triage_referrals (state, provisional_risk DESC, received_at_us, reference);

-- Every decision, the latest one the highest number. sealed_decision is the
-- Decision (it may hold a practitioner's free-text reason), sealed with
-- "<reference>:<number>" as associated data.
CREATE TABLE triage_decisions (
  reference         TEXT NOT NULL,
  number            INTEGER NOT NULL,
  decided_at_us     INTEGER NOT NULL,
  decided_by        TEXT NOT NULL,
  risk_level        INTEGER NOT NULL,
  tier              INTEGER NOT NULL,
  auto_triaged      INTEGER NOT NULL,
  rules_version     TEXT NOT NULL,
  sealed_decision   BLOB NOT NULL,
  PRIMARY KEY (reference, number)
);

-- Referrals that went to MARAC, for the repeat criterion: the incident time
-- (intake's receipt) by blind index.
CREATE TABLE marac_referrals (
  subject_index     TEXT NOT NULL,
  referred_at_us    INTEGER NOT NULL,
  reference         TEXT NOT NULL,
  PRIMARY KEY (reference)
);
CREATE INDEX marac_by_subject ON marac_referrals (subject_index, referred_at_us);
