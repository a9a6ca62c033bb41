-- Sessions per device: a refresh-token family is one login on one device; it remembers
-- the device's user agent and address and when it was last used (login, then each
-- refresh), for `GET /users/me/sessions`.
ALTER TABLE refresh_token_families
    ADD COLUMN user_agent VARCHAR(255) NULL,
    ADD COLUMN ip VARCHAR(64) NULL,
    ADD COLUMN last_used_at DATETIME(6) NULL;

-- `GET /admin/stats` counts the users active today and this week from this index.
ALTER TABLE users ADD KEY ix_users_last_seen (last_seen_at);

-- Messages per day for `GET /admin/stats`, maintained by the persistence-worker in the
-- transaction that inserts them (a redelivered message inserts nothing and counts
-- nothing). Up to 16 rows a day so that several workers'
-- commits do not queue on one row (the shard is the batch's first seq mod 16); the stats
-- sum them. Filled once here from what exists.
CREATE TABLE message_days (
    day DATE NOT NULL,
    shard TINYINT NOT NULL,
    messages BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, shard)
) ENGINE=InnoDB;
INSERT INTO message_days (day, shard, messages)
SELECT DATE(created_at), 0, COUNT(*) FROM messages GROUP BY DATE(created_at);
