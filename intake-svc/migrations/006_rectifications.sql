-- Rectifications (UK GDPR art. 16) of a referral's copies held here: one
-- row per change, seq counting from 1 per reference. field names the
-- person's field ("subject.name.familyName", "children[0].dateOfBirth");
-- sealed_old and sealed_new are the values before and after, each sealed
-- with "<reference>:<seq>:rectification:old" (or ":new") as associated
-- data (common/rights/rectify.h SealRectifiedValue). The change is audited
-- as rights.rectify.
CREATE TABLE rectifications (
  reference   TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  at_us       INTEGER NOT NULL,
  field       TEXT NOT NULL,
  sealed_old  BLOB NOT NULL,
  sealed_new  BLOB NOT NULL,
  PRIMARY KEY (reference, seq)
);
