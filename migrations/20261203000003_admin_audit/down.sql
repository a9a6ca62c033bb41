DROP TABLE audit_log;
ALTER TABLE users DROP KEY ix_users_disabled, DROP COLUMN disabled_reason, DROP COLUMN disabled_at;
