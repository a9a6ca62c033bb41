-- The audit log's relay onto the bus (`system.audit`): the id of the newest row published.
-- One row; the relay locks it, so of several auth replicas one publishes at a time, in
-- chain order, and advances it only after the broker confirmed.
CREATE TABLE audit_published (
    id TINYINT NOT NULL PRIMARY KEY,
    last_id BIGINT NOT NULL
) ENGINE = InnoDB;

INSERT INTO audit_published (id, last_id) VALUES (1, 0);
