-- One-time password-reset tokens an admin issues (`POST /admin/users/{id}/reset-password`):
-- stored as SHA-256 only, shown once; the user sets a new password with it
-- (`POST /auth/reset-password`). At most one open token per user.
CREATE TABLE password_resets (
    token_hash CHAR(64) NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    created_by BIGINT NULL,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    used_at DATETIME(6) NULL,
    KEY ix_password_resets_user (user_id),
    CONSTRAINT fk_password_resets_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
