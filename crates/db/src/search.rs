//! Full-text search over messages, in MySQL/MariaDB's own InnoDB FULLTEXT index.
//!
//! Why not a FULLTEXT index on the content itself: MariaDB has no n-gram parser (MySQL's
//! is not in it), so Chinese, Japanese and other text without spaces would be one "word"
//! per run of characters, and InnoDB also drops tokens shorter than 3 characters and
//! English stopwords. So the index holds *terms* we make ourselves (see [`terms`]):
//!
//! * text with word breaks (Latin, Cyrillic, digits…): each word, lowercased — `w` + its
//!   UTF-8 bytes in hex; a query word matches as a prefix (`searc` finds "search");
//! * Han, kana and Hangul: each character (`u` + hex) and each pair of neighbours (`b` +
//!   hex): a query of two or more such characters must contain all its pairs, which finds
//!   the phrase (and, rarely, the same pairs in another order).
//!
//! Hex keeps every term a single InnoDB token of at least 3 ASCII characters that is never
//! a stopword, and a prefix of a word stays a prefix of its term. Why not a separate search
//! engine: one less stateful system to run, back up and secure; the index lives beside the
//! messages, is rebuilt from them with one command, and a query joins the reader's
//! membership in the same statement. The terms are written from the bus (never in the
//! send request) by chat-api's indexer.

use crate::{DbError, schema::messages};
use chrono::NaiveDateTime;
use common_proto::{ConversationId, UserId};
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};
use std::fmt::Write;

/// Longest word indexed, in bytes (InnoDB tokens are at most 84 characters; hex doubles).
const MAX_WORD_BYTES: usize = 40;
/// Terms one message contributes at most (a message is at most 8 000 characters).
const MAX_TERMS: usize = 4000;
/// Words in one query at most.
pub const MAX_QUERY_TERMS: usize = 16;

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FFFF) // CJK Extensions B–F
}

fn hex(prefix: char, s: &str) -> String {
    let mut out = String::with_capacity(1 + s.len() * 2);
    out.push(prefix);
    for b in s.bytes() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A piece of text split for the index: words, and runs of CJK characters.
enum Piece {
    Word(String),
    Cjk(Vec<char>),
}

fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    let flush_word = |word: &mut String, out: &mut Vec<Piece>| {
        if !word.is_empty() {
            let mut w = std::mem::take(word).to_lowercase();
            while w.len() > MAX_WORD_BYTES {
                w.pop();
            }
            out.push(Piece::Word(w));
        }
    };
    let flush_run = |run: &mut Vec<char>, out: &mut Vec<Piece>| {
        if !run.is_empty() {
            out.push(Piece::Cjk(std::mem::take(run)));
        }
    };
    for c in text.chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut out);
            run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut run, &mut out);
            word.push(c);
        } else {
            flush_word(&mut word, &mut out);
            flush_run(&mut run, &mut out);
        }
    }
    flush_word(&mut word, &mut out);
    flush_run(&mut run, &mut out);
    out
}

/// The index terms of a message's text, space-separated, each once.
pub fn terms(text: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<String> = Vec::new();
    let mut add = |t: String, out: &mut Vec<String>| {
        if out.len() < MAX_TERMS && seen.insert(t.clone()) {
            out.push(t);
        }
    };
    for piece in pieces(text) {
        match piece {
            Piece::Word(w) => add(hex('w', &w), &mut out),
            Piece::Cjk(run) => {
                for (i, c) in run.iter().enumerate() {
                    add(hex('u', &c.to_string()), &mut out);
                    if let Some(next) = run.get(i + 1) {
                        add(hex('b', &format!("{c}{next}")), &mut out);
                    }
                }
            }
        }
    }
    out.join(" ")
}

/// A query in InnoDB boolean syntax (every term required), and the plain fragments to
/// highlight; `None` when the query has nothing to search for.
pub fn query(q: &str) -> Option<(String, Vec<String>)> {
    let mut required: Vec<String> = Vec::new();
    let mut marks: Vec<String> = Vec::new();
    for piece in pieces(q) {
        match piece {
            Piece::Word(w) => {
                required.push(format!("+{}*", hex('w', &w)));
                marks.push(w);
            }
            Piece::Cjk(run) if run.len() == 1 => {
                required.push(format!("+{}", hex('u', &run[0].to_string())));
                marks.push(run[0].to_string());
            }
            Piece::Cjk(run) => {
                for pair in run.windows(2) {
                    required.push(format!("+{}", hex('b', &format!("{}{}", pair[0], pair[1]))));
                }
                marks.push(run.iter().collect());
            }
        }
        if required.len() >= MAX_QUERY_TERMS {
            break;
        }
    }
    required.truncate(MAX_QUERY_TERMS);
    (!required.is_empty()).then(|| (required.join(" "), marks))
}

/// Indexes (or re-indexes) a message at `rev`. A change older than what the index holds
/// (a redelivered send after an edit) changes nothing; a recall is indexed as empty terms
/// at its rev, so a late copy of the send cannot bring the text back.
pub async fn upsert(c: &mut AsyncMysqlConnection, entries: &[Entry]) -> Result<(), DbError> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "INSERT INTO message_search (message_id, conversation_id, seq, rev, created_at, terms) VALUES ",
    );
    for (i, _) in entries.iter().enumerate() {
        sql.push_str(if i == 0 {
            "(?, ?, ?, ?, ?, ?)"
        } else {
            ", (?, ?, ?, ?, ?, ?)"
        });
    }
    sql.push_str(
        " ON DUPLICATE KEY UPDATE \
         terms = IF(VALUES(rev) >= rev, VALUES(terms), terms), \
         rev = GREATEST(rev, VALUES(rev))",
    );
    let mut query = diesel::sql_query(sql).into_boxed::<diesel::mysql::Mysql>();
    for e in entries {
        use diesel::sql_types::{BigInt, Datetime, Text};
        query = query
            .bind::<Text, _>(e.message_id.clone())
            .bind::<BigInt, _>(e.conversation_id)
            .bind::<BigInt, _>(e.seq)
            .bind::<BigInt, _>(e.rev)
            .bind::<Datetime, _>(e.created_at)
            .bind::<Text, _>(e.terms.clone());
    }
    query.execute(c).await?;
    Ok(())
}

/// One message's row in the index.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub message_id: String,
    pub conversation_id: ConversationId,
    pub seq: i64,
    pub rev: i64,
    pub created_at: NaiveDateTime,
    /// From [`terms`]; empty for a recalled message.
    pub terms: String,
}

/// What a search asks for.
#[derive(Debug, Clone)]
pub struct Search<'a> {
    pub reader: UserId,
    /// From [`query`].
    pub boolean: &'a str,
    pub conversation: Option<ConversationId>,
    pub from: Option<NaiveDateTime>,
    pub before: Option<NaiveDateTime>,
    pub offset: i64,
    pub limit: i64,
    /// Milliseconds the statement may run (0: no limit); past it, [`DbError::TimedOut`].
    pub max_ms: u64,
}

/// Message ids matching, best first (then newest), among what `reader` can read now: a
/// member (current, or former up to their departure), not recalled, not hidden by them.
pub async fn find(c: &mut AsyncMysqlConnection, s: &Search<'_>) -> Result<Vec<String>, DbError> {
    // InnoDB's MATCH ... AGAINST has no diesel DSL; the statement is written out, every
    // value bound.
    // The time limit: MariaDB's per-statement max_statement_time, MySQL's optimizer hint
    // (each server ignores the other's form only if it is not there, so ask which it is).
    let mut sql = String::new();
    if s.max_ms > 0 {
        if crate::is_mariadb(c).await? {
            let _ = write!(
                sql,
                "SET STATEMENT max_statement_time = {:.3} FOR ",
                s.max_ms as f64 / 1000.0
            );
        }
        let _ = write!(sql, "SELECT /*+ MAX_EXECUTION_TIME({}) */ ", s.max_ms);
    } else {
        sql.push_str("SELECT ");
    }
    sql.push_str(
        "s.message_id AS id FROM message_search s \
         JOIN conversation_members m ON m.conversation_id = s.conversation_id AND m.user_id = ? \
         JOIN messages g ON g.id = s.message_id \
         WHERE MATCH(s.terms) AGAINST(? IN BOOLEAN MODE) \
         AND (m.left_seq IS NULL OR s.seq <= m.left_seq) \
         AND g.recalled_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM message_hidden h WHERE h.user_id = ? AND h.message_id = s.message_id)",
    );
    if s.conversation.is_some() {
        sql.push_str(" AND s.conversation_id = ?");
    }
    if s.from.is_some() {
        sql.push_str(" AND s.created_at >= ?");
    }
    if s.before.is_some() {
        sql.push_str(" AND s.created_at < ?");
    }
    sql.push_str(" ORDER BY MATCH(s.terms) AGAINST(? IN BOOLEAN MODE) DESC, s.created_at DESC LIMIT ? OFFSET ?");
    use diesel::sql_types::{BigInt, Datetime, Text};
    let mut query = diesel::sql_query(sql)
        .into_boxed::<diesel::mysql::Mysql>()
        .bind::<BigInt, _>(s.reader)
        .bind::<Text, _>(s.boolean.to_owned())
        .bind::<BigInt, _>(s.reader);
    if let Some(id) = s.conversation {
        query = query.bind::<BigInt, _>(id);
    }
    if let Some(t) = s.from {
        query = query.bind::<Datetime, _>(t);
    }
    if let Some(t) = s.before {
        query = query.bind::<Datetime, _>(t);
    }
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Char)]
        id: String,
    }
    let rows: Vec<Id> = query
        .bind::<Text, _>(s.boolean.to_owned())
        .bind::<BigInt, _>(s.limit)
        .bind::<BigInt, _>(s.offset)
        .load(c)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Rebuilds the index from the messages, `batch` at a time in id order; returns how many
/// messages were indexed. Safe beside the live indexer (rev decides).
pub async fn rebuild(c: &mut AsyncMysqlConnection, batch: i64) -> Result<u64, DbError> {
    use crate::{lifecycle::MessageState, messages::MessageRow};
    let mut after = String::new();
    let mut total = 0u64;
    loop {
        let rows: Vec<crate::lifecycle::Stored> = messages::table
            .filter(messages::id.gt(&after))
            .order(messages::id.asc())
            .limit(batch)
            .select((MessageRow::as_select(), MessageState::as_select()))
            .load(c)
            .await?;
        let Some((last, _)) = rows.last() else {
            return Ok(total);
        };
        after = last.id.clone();
        let entries: Vec<Entry> = rows
            .into_iter()
            .filter(|(m, _)| m.kind != "system")
            .map(|(m, state)| Entry {
                terms: if state.recalled_at.is_some() {
                    String::new()
                } else {
                    terms(&m.content)
                },
                message_id: m.id,
                conversation_id: m.conversation_id,
                seq: m.seq,
                rev: state.rev,
                created_at: m.created_at,
            })
            .collect();
        total += entries.len() as u64;
        upsert(c, &entries).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercased_and_cjk_is_split_into_characters_and_pairs() {
        assert_eq!(
            terms("Hello, WORLD hello"),
            format!("{} {}", hex('w', "hello"), hex('w', "world"))
        );
        let t = terms("你好世界");
        for expected in [
            hex('u', "你"),
            hex('b', "你好"),
            hex('b', "好世"),
            hex('b', "世界"),
            hex('u', "界"),
        ] {
            assert!(t.split(' ').any(|x| x == expected), "{expected} in {t}");
        }
        assert!(!t.contains(&hex('b', "你世")));
        // Mixed text without spaces: the word and the run are split at the script change.
        let mixed = terms("用Rust写");
        assert!(mixed.contains(&hex('w', "rust")));
        assert!(mixed.contains(&hex('u', "用")));
        assert!(terms("").is_empty());
        assert!(terms("!!! ...").is_empty());
    }

    #[test]
    fn every_term_is_one_innodb_token() {
        let long = "x".repeat(500);
        for t in terms(&format!("{long} é 中 a")).split(' ') {
            assert!(t.len() >= 3 && t.len() <= 84, "{t}");
            assert!(t.chars().all(|c| c.is_ascii_alphanumeric()), "{t}");
        }
    }

    #[test]
    fn queries_require_every_term_and_words_match_as_prefixes() {
        let (q, marks) = query("Searc 世界和平").expect("query");
        assert_eq!(
            q,
            format!(
                "+{}* +{} +{} +{}",
                hex('w', "searc"),
                hex('b', "世界"),
                hex('b', "界和"),
                hex('b', "和平")
            )
        );
        assert_eq!(marks, vec!["searc".to_owned(), "世界和平".to_owned()]);
        assert_eq!(
            query("中").map(|q| q.0),
            Some(format!("+{}", hex('u', "中")))
        );
        assert!(query("  ?! ").is_none());
        let many: String = (0..40).map(|i| format!("w{i} ")).collect();
        assert_eq!(
            query(&many).map(|q| q.0.split(' ').count()),
            Some(MAX_QUERY_TERMS)
        );
    }
}
