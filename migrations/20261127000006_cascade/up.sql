-- Peer platforms of the cascade (upper = parent, lower = child) and their sync jobs.
CREATE TABLE cascade_platforms (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code VARCHAR(32) NOT NULL,
    name VARCHAR(100) NOT NULL,
    relation VARCHAR(16) NOT NULL,
    level INT NOT NULL DEFAULT 0,
    api_url VARCHAR(255) NULL,
    amqp_url VARCHAR(255) NULL,
    sip JSON NULL,
    registration_token_hash CHAR(64) NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    status VARCHAR(16) NOT NULL DEFAULT 'offline',
    last_heartbeat_at DATETIME(6) NULL,
    forwarded_count BIGINT NOT NULL DEFAULT 0,
    dropped_count BIGINT NOT NULL DEFAULT 0,
    last_error VARCHAR(1000) NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY uq_cascade_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE cascade_sync_jobs (
    id CHAR(26) NOT NULL PRIMARY KEY,
    platform_id BIGINT NOT NULL,
    kind VARCHAR(16) NOT NULL,
    since DATETIME(6) NOT NULL,
    status VARCHAR(16) NOT NULL,
    total BIGINT NOT NULL DEFAULT 0,
    done BIGINT NOT NULL DEFAULT 0,
    last_error VARCHAR(1000) NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY ix_sync_platform (platform_id, created_at),
    CONSTRAINT fk_sync_platform FOREIGN KEY (platform_id) REFERENCES cascade_platforms (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
