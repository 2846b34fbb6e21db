-- The assessment each practitioner's decision was made on, so that a team
-- leader's override (OverrideDecision) re-decides the referral on it:
-- a SubmitAssessmentRequest holding the reference and the DASH or the
-- children's assessment (never the override), AES-256-GCM sealed with
-- "<reference>:<number>:assessment" as associated data. NULL for automatic
-- decisions (their assessment is the DASH in the sealed referral) and for
-- decisions made before this column.
ALTER TABLE triage_decisions ADD COLUMN sealed_assessment BLOB;
