//! Text a client names things with (display names, group names, file names): which
//! characters are refused or stripped, defined once so every service agrees.

/// Characters that change how the text around them is shown without being visible:
/// control characters (NUL included), bidirectional overrides, embeddings and isolates
/// (U+202E before "fdp.exe" shows "invoice" + it as "invoiceexe.pdf"), the Arabic letter mark,
/// zero-width marks and the byte-order mark. A name with one can impersonate another.
pub fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            | '\u{061C}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    #[test]
    fn bidi_zero_width_and_control_characters_are_hidden_controls() {
        for c in [
            '\u{202E}', '\u{2067}', '\u{200B}', '\u{FEFF}', '\u{0}', '\n', '\u{061C}',
        ] {
            assert!(super::is_hidden_control(c), "{c:?}");
        }
        for c in ['a', '张', 'é', ' ', '😀', '\u{05D0}'] {
            assert!(!super::is_hidden_control(c), "{c:?}");
        }
    }
}
