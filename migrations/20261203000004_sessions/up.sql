-- Sessions per device: a refresh-token family is one login on one device; it remembers
-- the device's user agent and address and when it was last used (login, then each
-- refresh), for `GET /users/me/sessions`.
ALTER TABLE refresh_token_families
    ADD COLUMN user_agent VARCHAR(255) NULL,
    ADD COLUMN ip VARCHAR(64) NULL,
    ADD COLUMN last_used_at DATETIME(6) NULL;

-- `GET /admin/stats` counts the users active today and this week from this index.
ALTER TABLE users ADD KEY ix_users_last_seen (last_seen_at);
