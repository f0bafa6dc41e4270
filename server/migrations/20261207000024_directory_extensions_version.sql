-- The extension attributes' version: every change to their definitions
-- increments it, and every directory write reads it together with the
-- change log's counter, so a catalogue of attributes kept in memory is used
-- only while it is the current one.
INSERT INTO directory_sequence (name, value) VALUES ('extensions', 0);
