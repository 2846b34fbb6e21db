-- Where each referral came from, for reports (IntakeService.Report):
-- "self" for a self-referral, otherwise the sector of the referring agency
-- as the registry said when it was received ("police", "health",
-- "social_care", "probation", "education", "housing",
-- "specialist_service" or "other"). Rows received before this column hold
-- '' and are reported as "unknown": a self-referral is marked inside the
-- sealed referral, which a migration cannot read.
ALTER TABLE referrals ADD COLUMN source TEXT NOT NULL DEFAULT '';
-- Reports read one period of referrals by when they were received.
CREATE INDEX referrals_by_received ON referrals (received_at_us);
