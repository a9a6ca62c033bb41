-- Bot accounts: users with role 'bot' (so every user view marks them) and no usable
-- password; they authenticate with long-lived API tokens (stored as SHA-256, shown once)
-- exchanged for ordinary short-lived access tokens (`POST /auth/bot-token`). Revoking or
-- rotating a bot's token also revokes its live access tokens (the admin revocation path).
CREATE TABLE bot_tokens (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    bot_id BIGINT NOT NULL,
    token_hash CHAR(64) NOT NULL,
    created_by BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_used_at DATETIME(6) NULL,
    revoked_at DATETIME(6) NULL,
    UNIQUE KEY ux_bot_tokens_hash (token_hash),
    KEY ix_bot_tokens_bot (bot_id),
    CONSTRAINT fk_bot_tokens_bot FOREIGN KEY (bot_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
