//! Splits the expression text into plain and marked runs for the underline layer behind the
//! editor. Works on byte spans of the same string it slices, so no offset conversion is needed.

use provisio_engine::span::Span;

/// A run of the expression text, underlined or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub marked: bool,
}

/// The text split into runs, with every span marked. Overlapping spans merge; an empty span
/// (an error "at" a position) marks the character after it, or before it at the end of a line,
/// or a single space when the text is empty.
pub fn segments(text: &str, spans: &[Span]) -> Vec<Segment> {
    let mut ranges: Vec<(usize, usize)> = spans.iter().map(|span| widen(text, *span)).collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (start, end) in merged {
        push(&mut out, text.get(at..start), false);
        match text.get(start..end) {
            Some("") | None => push(&mut out, Some(" "), true),
            marked => push(&mut out, marked, true),
        }
        at = end;
    }
    push(&mut out, text.get(at..), false);
    out
}

fn push(out: &mut Vec<Segment>, text: Option<&str>, marked: bool) {
    if let Some(text) = text.filter(|t| !t.is_empty()) {
        out.push(Segment {
            text: text.to_owned(),
            marked,
        });
    }
}

/// The span clamped to `text` and to character boundaries, and at least one character wide
/// where the text allows.
fn widen(text: &str, span: Span) -> (usize, usize) {
    let start = floor_boundary(text, span.start);
    let end = floor_boundary(text, span.end).max(start);
    if end > start {
        return (start, end);
    }
    let after = text.get(start..).and_then(|rest| rest.chars().next());
    let before = text.get(..start).and_then(|head| head.chars().next_back());
    match (after, before) {
        (Some(c), _) if c != '\n' => (start, start + c.len_utf8()),
        (_, Some(c)) if c != '\n' => (start - c.len_utf8(), start),
        _ => (start, start),
    }
}

fn floor_boundary(text: &str, byte: usize) -> usize {
    let mut byte = byte.min(text.len());
    while !text.is_char_boundary(byte) {
        byte -= 1;
    }
    byte
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, spans: &[(usize, usize)]) -> String {
        let spans: Vec<Span> = spans.iter().map(|&(s, e)| Span::new(s, e)).collect();
        segments(text, &spans)
            .into_iter()
            .map(|s| if s.marked { format!("<{}>", s.text) } else { s.text })
            .collect()
    }

    #[test]
    fn marks_spans_and_keeps_the_rest() {
        assert_eq!(marked("Tolower([mail])", &[(0, 7)]), "<Tolower>([mail])");
        assert_eq!(marked("abc", &[]), "abc");
    }

    #[test]
    fn overlapping_and_adjacent_spans_merge() {
        assert_eq!(marked("abcdef", &[(3, 5), (1, 4)]), "a<bcde>f");
        assert_eq!(marked("abcdef", &[(0, 2), (2, 3)]), "<abc>def");
    }

    #[test]
    fn empty_spans_mark_a_neighbouring_character() {
        assert_eq!(marked("F(a", &[(1, 1)]), "F<(>a");
        assert_eq!(marked("F(a", &[(3, 3)]), "F(<a>");
        assert_eq!(marked("a\n", &[(2, 2)]), "a\n< >");
        assert_eq!(marked("", &[(0, 0)]), "< >");
    }

    #[test]
    fn spans_are_clamped_to_characters_and_the_text() {
        assert_eq!(marked("ëx", &[(1, 3)]), "<ëx>");
        assert_eq!(marked("ab", &[(1, 99)]), "a<b>");
    }
}
