-- Full-text search over messages (crates/db/src/search.rs says why the terms are ours):
-- one row per indexed message, written from the bus by chat-api's indexer, rebuilt from
-- `messages` by `chat-api search-rebuild`. `rev` is the message's rev when indexed, so a
-- late copy of an older state never overwrites a newer one; a recalled message keeps its
-- row with empty terms.
CREATE TABLE message_search (
    message_id CHAR(26) NOT NULL PRIMARY KEY,
    conversation_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    rev BIGINT NOT NULL DEFAULT 0,
    created_at DATETIME(6) NOT NULL,
    terms MEDIUMTEXT CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    KEY ix_message_search_conversation (conversation_id, seq),
    FULLTEXT KEY ft_message_search_terms (terms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
