-- For reports (TriageService.Report): each referral's district code, as
-- intake derived it (the ReferralReceived receipt's district), written
-- when triage records the referral. Rows recorded before this column hold
-- '' and are reported as "unknown": the district is inside the sealed
-- event, which a migration cannot read.
ALTER TABLE triage_referrals ADD COLUMN district TEXT NOT NULL DEFAULT '';
-- Reports read one period of referrals by when intake received them.
CREATE INDEX triage_referrals_by_received ON triage_referrals (received_at_us);
