-- Identity, version 2 (common/identity): intake-svc now sends subject_index
-- as the blind index of identity::PersonKey, the subject's name in one
-- Unicode canonical form and date of birth. Referrals recorded before hold
-- the old index in triage_referrals.subject_index, in the sealed event and
-- in marac_referrals. triage-svc re-computes them at start-up from each
-- sealed event (triage-svc/reindex.cc), in batches, in reference order.
-- This row records how far it got (after_reference) and when it has
-- finished (done = 1), so that it runs once and resumes after a stop.
CREATE TABLE identity_reindex (
  version          INTEGER NOT NULL,
  after_reference  TEXT NOT NULL,
  done             INTEGER NOT NULL,
  PRIMARY KEY (version)
);
INSERT INTO identity_reindex (version, after_reference, done) VALUES (2, '', 0);
