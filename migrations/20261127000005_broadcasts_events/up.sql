-- System broadcasts: one row per broadcast, whatever the number of users. Each user's
-- inbox merges broadcasts newer than the account with the user's read cursor below.
CREATE TABLE broadcasts (
    id CHAR(26) NOT NULL PRIMARY KEY,
    sender_id BIGINT NULL,
    title VARCHAR(200) NOT NULL,
    content TEXT NOT NULL,
    origin VARCHAR(32) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    KEY ix_broadcasts_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE broadcast_read_cursors (
    user_id BIGINT NOT NULL PRIMARY KEY,
    read_up_to DATETIME(6) NOT NULL,
    CONSTRAINT fk_brc_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Reported events (from users, services or lower platforms).
CREATE TABLE events (
    id CHAR(26) NOT NULL PRIMARY KEY,
    type VARCHAR(100) NOT NULL,
    severity VARCHAR(16) NOT NULL,
    payload JSON NOT NULL,
    reporter_id BIGINT NULL,
    origin VARCHAR(32) NOT NULL,
    occurred_at DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY ix_events_occurred (occurred_at),
    KEY ix_events_type (type, occurred_at),
    KEY ix_events_severity (severity, occurred_at),
    KEY ix_events_reporter (reporter_id, occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
