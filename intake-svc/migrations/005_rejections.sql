-- Submissions refused as not valid (INVALID_ARGUMENT), counted for reports
-- (IntakeService.Report, referrals_rejected): when, where from ("self" or
-- the referring agency's sector), the channel claimed, and the first field
-- at fault with list positions removed ("children.date_of_birth"). Nothing
-- of the submission itself is kept.
CREATE TABLE rejections (
  rejected_at_us  INTEGER NOT NULL,
  source          TEXT NOT NULL,
  channel         INTEGER NOT NULL,
  reason          TEXT NOT NULL
);
CREATE INDEX rejections_by_time ON rejections (rejected_at_us);
