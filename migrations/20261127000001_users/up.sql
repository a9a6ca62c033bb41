-- Accounts and refresh-token families.
-- Usernames are unique regardless of case (the _ci collation).
CREATE TABLE users (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(32) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    display_name VARCHAR(64) NOT NULL,
    avatar_file_id CHAR(26) NULL,
    bio VARCHAR(500) NULL,
    role VARCHAR(16) NOT NULL DEFAULT 'user',
    last_seen_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY uq_users_username (username),
    KEY ix_users_display_name (display_name),
    KEY ix_users_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A family is one login; every refresh rotates the token inside it. Presenting a spent
-- token revokes the whole family (a stolen token's thief and the owner both lose it).
CREATE TABLE refresh_token_families (
    id CHAR(26) NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    revoked_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY ix_rtf_user (user_id),
    CONSTRAINT fk_rtf_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Only the SHA-256 of a refresh token is stored.
CREATE TABLE refresh_tokens (
    token_hash CHAR(64) NOT NULL PRIMARY KEY,
    family_id CHAR(26) NOT NULL,
    user_id BIGINT NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    used_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY ix_rt_family (family_id),
    CONSTRAINT fk_rt_family FOREIGN KEY (family_id) REFERENCES refresh_token_families (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
