-- First contact, recorded by staff (RecordFirstContact): when it was made
-- (0: not yet) and how (allocation.v1.ContactMethod), so that each
-- placement's first-contact target is met or missed, not only overdue.
ALTER TABLE placements ADD COLUMN first_contact_at_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE placements ADD COLUMN first_contact_method INTEGER NOT NULL DEFAULT 0;
