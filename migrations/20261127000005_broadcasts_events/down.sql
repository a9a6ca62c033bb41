DROP TABLE events;
DROP TABLE broadcast_read_cursors;
DROP TABLE broadcasts;
