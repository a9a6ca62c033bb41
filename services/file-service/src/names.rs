//! Client-supplied file names: cleaned for display and for `Content-Disposition`, never
//! used for storage.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Longest name kept, in bytes (the `files.filename` column).
pub const MAX_NAME_BYTES: usize = 255;

/// The last path component, without control characters (NUL included), bidirectional
/// overrides or isolates, and zero-width marks; trimmed, at most 255 bytes on a character
/// boundary; `file` when nothing is left.
pub fn clean(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = base
        .chars()
        .filter(|c| !common_proto::text::is_hidden_control(*c))
        .collect();
    let trimmed = kept.trim().trim_start_matches('.');
    let mut end = trimmed.len().min(MAX_NAME_BYTES);
    while !trimmed.is_char_boundary(end) {
        end -= 1;
    }
    let name = trimmed[..end].trim();
    if name.is_empty() {
        "file".to_owned()
    } else {
        name.to_owned()
    }
}

const ATTR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// RFC 6266 `attachment` with an ASCII fallback and the exact name in `filename*`.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        utf8_percent_encode(name, ATTR)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_controls_and_direction_marks() {
        assert_eq!(clean("../../etc/passwd"), "passwd");
        assert_eq!(clean("C:\\Users\\x\\report.pdf"), "report.pdf");
        assert_eq!(clean("a\0b.txt"), "ab.txt");
        assert_eq!(clean("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(clean("..hidden"), "hidden");
        assert_eq!(clean(""), "file");
        assert_eq!(clean("../"), "file");
        let long = "é".repeat(10_000);
        let cleaned = clean(&long);
        assert!(cleaned.len() <= MAX_NAME_BYTES && cleaned.chars().all(|c| c == 'é'));
    }

    #[test]
    fn disposition_has_ascii_fallback_and_exact_name() {
        assert_eq!(
            content_disposition("naïve \"plan\".txt"),
            "attachment; filename=\"na_ve _plan_.txt\"; filename*=UTF-8''na%C3%AFve%20%22plan%22.txt"
        );
    }
}
