//! Message search: the query a reader runs, and the rebuild. How text becomes terms, and
//! why the index is InnoDB FULLTEXT over terms of our own, is `db::search`; the index is
//! kept current from the bus by the persistence-worker (in its batches, never in the send
//! request), and `chat-api search-rebuild` rebuilds it from MySQL.

use super::{Caller, Error, Result};
use crate::state::State;
use chrono::NaiveDateTime;
use common_proto::{
    ConversationId,
    rest::{SearchHit, SearchPage},
};

/// Characters of a query.
pub const MAX_QUERY_CHARS: usize = 100;
/// Results one query pages through at most (a relevance ranking is paged by offset).
pub const MAX_OFFSET: i64 = 1000;
/// Characters of a snippet around the first hit.
const SNIPPET_CHARS: usize = 120;

/// What a search asks for (shapes checked by the handler).
pub struct Query {
    pub q: String,
    pub conversation_id: Option<ConversationId>,
    pub from: Option<NaiveDateTime>,
    pub before: Option<NaiveDateTime>,
    pub limit: i64,
    pub offset: i64,
}

/// Messages the caller can read now that match `q`, best first, each with a snippet.
pub async fn search(state: &State, caller: &Caller, query: Query) -> Result<SearchPage> {
    let n = query.q.chars().count();
    if n == 0 || n > MAX_QUERY_CHARS {
        return Err(Error::invalid(
            "q",
            format!("must be 1 to {MAX_QUERY_CHARS} characters"),
        ));
    }
    let (boolean, marks) = db::search::query(&query.q)
        .ok_or_else(|| Error::invalid("q", "has no letters or digits to search for"))?;
    let mut conn = state.conn().await?;
    let ids = db::search::find(
        &mut conn,
        &db::search::Search {
            reader: caller.id,
            boolean: &boolean,
            conversation: query.conversation_id,
            from: query.from,
            before: query.before,
            offset: query.offset,
            limit: query.limit,
            max_ms: state.search_max_ms,
        },
    )
    .await
    .map_err(|e| match e {
        db::DbError::TimedOut => Error::invalid(
            "q",
            "matches too many messages to rank in time: add a word, or narrow it with \
             conversation_id, from or before",
        ),
        other => other.into(),
    })?;
    let rows = db::lifecycle::by_ids(&mut conn, &ids).await?;
    let mut messages = super::lifecycle::present(&mut conn, rows, caller.id).await?;
    // Back into rank order.
    messages.sort_by_key(|m| ids.iter().position(|id| *id == m.id));
    let next = query.offset + ids.len() as i64;
    let next_cursor =
        (ids.len() as i64 == query.limit && next < MAX_OFFSET).then(|| next.to_string());
    let items = messages
        .into_iter()
        .map(|message| {
            let (snippet, highlights) = snippet(&message.content, &marks);
            SearchHit {
                message,
                snippet,
                highlights,
            }
        })
        .collect();
    Ok(SearchPage { items, next_cursor })
}

/// Up to `SNIPPET_CHARS` characters of `content` around the first of `marks` found
/// (case-insensitively), and where each mark occurs in it: `[start, length]` in
/// characters. Plain text: the client marks it up.
pub fn snippet(content: &str, marks: &[String]) -> (String, Vec<[usize; 2]>) {
    let chars: Vec<char> = content.chars().collect();
    let lower: Vec<char> = chars
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let needles: Vec<Vec<char>> = marks
        .iter()
        .map(|m| m.chars().collect::<Vec<char>>())
        .filter(|m| !m.is_empty())
        .collect();
    let find_all = |from: usize, to: usize| -> Vec<[usize; 2]> {
        let mut hits = Vec::new();
        let mut i = from;
        while i < to {
            if let Some(n) = needles
                .iter()
                .find(|n| i + n.len() <= to && lower[i..i + n.len()] == n[..])
            {
                hits.push([i, n.len()]);
                i += n.len();
            } else {
                i += 1;
            }
        }
        hits
    };
    let first = find_all(0, chars.len()).first().map(|h| h[0]).unwrap_or(0);
    let start = first.saturating_sub(SNIPPET_CHARS / 4);
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let start = end.saturating_sub(SNIPPET_CHARS).min(start);
    let text: String = chars[start..end].iter().collect();
    let highlights = find_all(start, end)
        .into_iter()
        .map(|[at, len]| [at - start, len])
        .collect();
    (text, highlights)
}

/// `chat-api search-rebuild`: the whole index from `messages`.
pub async fn rebuild(pool: &db::Pool) -> anyhow::Result<u64> {
    let mut conn = db::pool::conn(pool).await?;
    Ok(db::search::rebuild(&mut conn, 2000).await?)
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn snippets_center_the_first_hit_and_mark_every_hit() {
        let (s, h) = snippet(
            "Deploy the Search service; search works",
            &["search".into()],
        );
        assert_eq!(s, "Deploy the Search service; search works");
        assert_eq!(h, vec![[11, 6], [27, 6]]);
        let long = format!("{}需要部署{}", "前".repeat(200), "后".repeat(200));
        let (s, h) = snippet(&long, &["部署".into()]);
        assert_eq!(s.chars().count(), 120);
        assert_eq!(h.len(), 1);
        let [at, len] = h[0];
        assert_eq!(s.chars().skip(at).take(len).collect::<String>(), "部署");
        let (s, h) = snippet("nothing here", &["zzz".into()]);
        assert_eq!((s.as_str(), h.len()), ("nothing here", 0));
    }
}
