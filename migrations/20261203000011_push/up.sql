-- Offline push: the devices a user registered (a provider token each: FCM, APNs, ...),
-- their do-not-disturb hours, and per-conversation notification mutes. push-worker reads
-- all three when a message reaches a member with no live socket.
CREATE TABLE push_devices (
    token VARCHAR(256) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    platform VARCHAR(16) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    registered_at DATETIME(6) NOT NULL,
    KEY ix_push_devices_user (user_id, registered_at),
    CONSTRAINT fk_push_devices_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Do-not-disturb as minutes of the day in the user's own UTC offset; start = end is off.
CREATE TABLE push_settings (
    user_id BIGINT NOT NULL PRIMARY KEY,
    dnd_start_minute SMALLINT NULL,
    dnd_end_minute SMALLINT NULL,
    utc_offset_minutes SMALLINT NOT NULL DEFAULT 0,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT fk_push_settings_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- A member silenced a conversation's pushes until this time (not the admin's send mute,
-- `muted_until`). Mentions still break through.
ALTER TABLE conversation_members
    ADD COLUMN push_muted_until DATETIME(6) NULL;
