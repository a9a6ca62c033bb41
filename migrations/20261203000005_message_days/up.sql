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
