-- Whether anyone's referrer notifications exist for a reference, without
-- the referring agency: how a refused ListUpdates is audited (another
-- agency's reference or an unknown one) without scanning the table.
CREATE INDEX notifications_of_reference
  ON notifications (reference, recipient_kind);
