-- Running an organisation: disabled accounts, and an append-only audit log whose rows are
-- chained by hash (crates/db/src/audit.rs): each row's `hash` is SHA-256 over the previous
-- row's hash and this row's fields, so an edited or deleted row breaks the chain that
-- `auth audit-verify` walks. `detail` is JSON text exactly as hashed (a JSON column
-- would be re-serialised by MySQL). Row 1, written here, starts the chain.
ALTER TABLE users
    ADD COLUMN disabled_at DATETIME(6) NULL,
    ADD COLUMN disabled_reason VARCHAR(500) NULL,
    ADD KEY ix_users_disabled (disabled_at);

CREATE TABLE audit_log (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at DATETIME(6) NOT NULL,
    actor_id BIGINT NULL,
    action VARCHAR(64) NOT NULL,
    target_type VARCHAR(32) NOT NULL,
    target_id VARCHAR(64) NOT NULL,
    detail TEXT NOT NULL,
    prev_hash CHAR(64) CHARACTER SET ascii NOT NULL,
    hash CHAR(64) CHARACTER SET ascii NOT NULL,
    KEY ix_audit_actor (actor_id, id),
    KEY ix_audit_action (action, id),
    KEY ix_audit_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO audit_log (id, at, actor_id, action, target_type, target_id, detail, prev_hash, hash)
VALUES (1, '2026-12-03 00:00:00', NULL, 'audit.started', 'system', '', '{}',
        '0000000000000000000000000000000000000000000000000000000000000000',
        '857bdcb20240d9e511562ffc9fcd5b8815bef55657b2b3c617e1c930cfc2bdb2');
