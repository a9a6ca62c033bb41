ALTER TABLE users DROP KEY ix_users_last_seen;
ALTER TABLE refresh_token_families
    DROP COLUMN last_used_at,
    DROP COLUMN ip,
    DROP COLUMN user_agent;
