-- Identity, version 2 (common/identity): subject_index is now the blind
-- index of identity::PersonKey, the subject's name in one Unicode canonical
-- form (NFKC with case folding, invisible characters and punctuation
-- removed) and date of birth. subject_loose_index is the blind index of
-- identity::LoosePersonKey (accents ignored as well), for
-- REPEAT_STATUS_POSSIBLE. identity_version is the key version a row is
-- indexed under. Rows stored before this migration keep version 1 (the
-- ASCII-only key) until intake-svc re-indexes them from the sealed referral
-- at start-up (intake-svc/reindex.cc), a batch at a time, and sets 2
-- (kIdentityVersion). The partial index finds the rows still to do.
ALTER TABLE referrals ADD COLUMN subject_loose_index TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN identity_version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX referrals_by_loose_subject
  ON referrals (subject_loose_index, received_at_us);
CREATE INDEX referrals_to_reindex ON referrals (reference)
  WHERE identity_version < 2;
