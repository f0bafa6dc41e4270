-- Where an unfinished initial cycle resumes (issue 17): the kind and id of
-- the last object of the last page it committed, and the directory's latest
-- change when it first began (its watermark once done, so that changes made
-- while it ran, or while it was stopped, are left to incremental cycles).
ALTER TABLE cycle_status ADD COLUMN initial_kind TEXT;
ALTER TABLE cycle_status ADD COLUMN initial_after TEXT;
ALTER TABLE cycle_status ADD COLUMN initial_latest BIGINT;
