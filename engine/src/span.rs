//! Byte spans into expression source text, and their conversion to the
//! line/column and UTF-16 positions that people and editors use.

use serde::{Deserialize, Serialize};

/// A half-open byte range `start..end` into the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineColumn {
    pub line: usize,
    pub column: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Line and column of the span's start in `source`.
    pub fn start_line_column(self, source: &str) -> LineColumn {
        line_column(source, self.start)
    }

    /// The span as UTF-16 code-unit offsets, which is what browser text
    /// editors and JavaScript strings index by. The one place the portal
    /// converts byte offsets.
    pub fn to_utf16(self, source: &str) -> (usize, usize) {
        (utf16_offset(source, self.start), utf16_offset(source, self.end))
    }
}

fn clamp_to_char_boundary(source: &str, mut byte: usize) -> usize {
    byte = byte.min(source.len());
    while byte > 0 && !source.is_char_boundary(byte) {
        byte -= 1;
    }
    byte
}

fn line_column(source: &str, byte: usize) -> LineColumn {
    let byte = clamp_to_char_boundary(source, byte);
    let before = source.get(..byte).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    LineColumn { line, column }
}

fn utf16_offset(source: &str, byte: usize) -> usize {
    let byte = clamp_to_char_boundary(source, byte);
    source
        .get(..byte)
        .unwrap_or_default()
        .chars()
        .map(char::len_utf16)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let src = "Join(\",\",\n  [ä], x)";
        let at = src.find('x').unwrap();
        assert_eq!(
            Span::new(at, at + 1).start_line_column(src),
            LineColumn { line: 2, column: 8 }
        );
    }

    #[test]
    fn utf16_offsets_count_surrogate_pairs() {
        let src = "\"😀\" x";
        let at = src.find('x').unwrap();
        assert_eq!(Span::new(at, at + 1).to_utf16(src), (5, 6));
    }

    #[test]
    fn offsets_past_the_end_are_clamped() {
        assert_eq!(Span::new(50, 60).to_utf16("abc"), (3, 3));
        assert_eq!(
            Span::new(50, 60).start_line_column("ab"),
            LineColumn { line: 1, column: 3 }
        );
    }
}
