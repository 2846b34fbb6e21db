-- An erased referral's decisions (DataRights.Erase): their sealed_decision
-- no longer opens (the referral's data key is destroyed), so erasure keeps
-- here, unsealed, what reports count from each decision and nothing
-- personal: a triage.v1.Decision holding only its codes (front door, side,
-- risk level, MARAC flags, tier, tier from risk, score, child severity,
-- recipients, rules version, automatic or not); no reference, no
-- practitioner, no free text. NULL for every decision not erased.
ALTER TABLE triage_decisions ADD COLUMN report_codes BLOB;
-- triage_referrals.state 3: erased while waiting for a practitioner, off
-- the queue (its referral can no longer be opened to assess).
