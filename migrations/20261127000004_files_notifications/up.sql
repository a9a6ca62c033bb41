-- Uploaded files: storage_key is generated, never derived from the client's file name.
CREATE TABLE files (
    id CHAR(26) NOT NULL PRIMARY KEY,
    uploader_id BIGINT NOT NULL,
    filename VARCHAR(255) NOT NULL,
    storage_key VARCHAR(128) NOT NULL,
    size BIGINT NOT NULL,
    content_type VARCHAR(127) NOT NULL,
    sha256 CHAR(64) NOT NULL,
    width INT NULL,
    height INT NULL,
    conversation_id BIGINT NULL,
    is_avatar BOOLEAN NOT NULL DEFAULT FALSE,
    referenced_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY uq_files_storage_key (storage_key),
    KEY ix_files_uploader (uploader_id, created_at),
    KEY ix_files_conversation (conversation_id),
    KEY ix_files_unreferenced (referenced_at, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A user's notification inbox. Broadcasts are not copied here per user (see broadcasts).
CREATE TABLE notifications (
    id CHAR(26) NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    kind VARCHAR(64) NOT NULL,
    payload JSON NOT NULL,
    read_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY ix_notifications_user (user_id, created_at),
    KEY ix_notifications_unread (user_id, read_at),
    CONSTRAINT fk_notifications_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
