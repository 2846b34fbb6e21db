-- One placement per referral. No personal data in the columns; the triage
-- decision event (with the referral) is sealed with the reference as
-- associated data.
CREATE TABLE placements (
  reference             TEXT PRIMARY KEY,
  agency_id             TEXT NOT NULL,
  decision_number       INTEGER NOT NULL,
  state                 INTEGER NOT NULL,
  programme_id          TEXT NOT NULL,
  practitioner_id       TEXT NOT NULL,
  risk_level            INTEGER NOT NULL,
  tier                  INTEGER NOT NULL,
  specialist_need       INTEGER NOT NULL,
  received_at_us        INTEGER NOT NULL,
  waiting_since_us      INTEGER NOT NULL,
  allocated_at_us       INTEGER NOT NULL,
  first_contact_due_us  INTEGER NOT NULL,
  failure               INTEGER NOT NULL,
  reason                TEXT NOT NULL,
  funders               TEXT NOT NULL,
  catalogue_version     TEXT NOT NULL,
  changes               INTEGER NOT NULL,
  -- Consent as last recorded (frontdoor.common.v1.Consent values).
  consent_subject       INTEGER NOT NULL,
  consent_carer         INTEGER NOT NULL,
  sealed_decision       BLOB NOT NULL
);
-- Waiting lists: per programme, highest risk first, then longest waiting.
CREATE INDEX placements_waiting
  ON placements (programme_id, state, risk_level DESC, waiting_since_us, reference);
-- Capacity in use: places held per programme and per practitioner.
CREATE INDEX placements_by_practitioner ON placements (practitioner_id, state);
