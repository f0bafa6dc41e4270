-- Who or what started the run of each provisioning log entry and the
-- systems it went between (Entra's initiatedBy, sourceSystem and
-- targetSystem), as one JSON object; NULL for entries written before.
-- Portable SQL.

ALTER TABLE provisioning_logs ADD COLUMN origin TEXT;
