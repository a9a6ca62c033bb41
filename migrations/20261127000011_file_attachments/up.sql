-- Which conversations a file was sent to: their members may download it. Written when a
-- file or image message is sent (before it is published); a file with no row here and
-- no avatar use is "unreferenced" and cleaned up after a day.
CREATE TABLE file_attachments (
    file_id CHAR(26) NOT NULL,
    conversation_id BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (file_id, conversation_id),
    KEY ix_file_attachments_conversation (conversation_id),
    CONSTRAINT fk_file_attachments_file FOREIGN KEY (file_id) REFERENCES files (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
