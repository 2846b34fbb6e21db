-- placements.reason may hold what staff typed (how consent was given, why
-- a place was released, a failure note), which can name people, phone
-- numbers and refuges. It is now sealed: sealed_reason is the reason,
-- AES-256-GCM under the key ring with "<reference>:reason" as associated
-- data (binding it to its row and column), and reason holds ''. Rows
-- stored before this migration keep their text in reason, with
-- sealed_reason NULL, until allocation-svc seals them at start-up
-- (allocation-svc/seal_reasons.cc), a batch at a time, before it serves;
-- the partial index finds the rows still to do.
ALTER TABLE placements ADD COLUMN sealed_reason BLOB;
CREATE INDEX placements_unsealed_reason ON placements (reference)
  WHERE sealed_reason IS NULL;
