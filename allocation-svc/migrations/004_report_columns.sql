-- What reports (AllocationService.Report) break placements down by, and
-- when they left the list, as codes (no personal data): the referral's
-- district and source ("self", or the referring agency's sector, as
-- intake-svc records it), the front door ("adult_victim", ...) and the side
-- ("victim", "behaviour_change") of the decision the placement was planned
-- from, each written again with every change of the placement; and when it
-- failed (0: it has not) and when its place was released (0: it was not).
-- Rows stored before this migration hold '' and 0 until they next change,
-- and are reported as "unknown".
ALTER TABLE placements ADD COLUMN district TEXT NOT NULL DEFAULT '';
ALTER TABLE placements ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE placements ADD COLUMN service TEXT NOT NULL DEFAULT '';
ALTER TABLE placements ADD COLUMN side TEXT NOT NULL DEFAULT '';
ALTER TABLE placements ADD COLUMN failed_at_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE placements ADD COLUMN released_at_us INTEGER NOT NULL DEFAULT 0;
-- Reports read one period of placements by when they were allocated, when
-- their first contact fell due and when they failed.
CREATE INDEX placements_by_allocated ON placements (allocated_at_us);
CREATE INDEX placements_by_first_contact_due
  ON placements (first_contact_due_us);
CREATE INDEX placements_by_failed ON placements (failed_at_us);
