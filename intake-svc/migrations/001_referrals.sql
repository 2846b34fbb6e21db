-- Referrals as received. Personal data lives only in sealed_referral
-- (AES-256-GCM, key id inside the blob, associated data = reference).
-- subject_index is an HMAC blind index of the normalised name and date of
-- birth, for repeat matching without plaintext.
CREATE TABLE referrals (
  reference        TEXT PRIMARY KEY,
  agency_id        TEXT NOT NULL,
  idempotency_key  TEXT NOT NULL,
  request_hash     TEXT NOT NULL,
  status           INTEGER NOT NULL,
  front_door       INTEGER NOT NULL,
  channel          INTEGER NOT NULL,
  district         TEXT NOT NULL,
  received_at_us   INTEGER NOT NULL,
  subject_index    TEXT NOT NULL,
  is_repeat        INTEGER NOT NULL,
  receipt          BLOB NOT NULL,
  sealed_referral  BLOB NOT NULL,
  UNIQUE (agency_id, idempotency_key)
);
CREATE INDEX referrals_by_subject ON referrals (subject_index, received_at_us);
