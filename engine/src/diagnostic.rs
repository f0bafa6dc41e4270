//! Serialisable diagnostics: a stable code, a message, the span it is about,
//! optional labels and a help line, and their rendering in compiler style.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::span::Span;

/// Stable diagnostic codes. Each variant's documentation shows an input that
/// triggers it; the codes never change meaning once published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Code {
    /// A character that starts no token: `ToLower([a]) ;`
    #[serde(rename = "E0001")]
    UnexpectedCharacter,
    /// A string literal without its closing quote: `"abc`
    #[serde(rename = "E0002")]
    UnterminatedString,
    /// A backslash followed by something other than `"` or `\`: `"a\qb"`
    #[serde(rename = "E0003")]
    InvalidEscape,
    /// An attribute reference without its closing bracket: `[mail`
    #[serde(rename = "E0004")]
    UnterminatedAttribute,
    /// An attribute reference with no name, or a character not allowed in one: `[]`, `[a"b]`
    #[serde(rename = "E0005")]
    InvalidAttributeName,
    /// An integer literal that does not fit in 64 bits: `99999999999999999999`
    #[serde(rename = "E0006")]
    IntegerOutOfRange,
    /// `&H` without hexadecimal digits: `&HZZ`
    #[serde(rename = "E0007")]
    InvalidHexLiteral,
    /// The expression is longer than 10,000 characters.
    #[serde(rename = "E0101")]
    ExpressionTooLong,
    /// Nothing at all, or only whitespace.
    #[serde(rename = "E0102")]
    EmptyExpression,
    /// A token where a value was expected: `Left(, 3)` is fine, `Left()) ` is not.
    #[serde(rename = "E0103")]
    ExpectedValue,
    /// A call whose argument list is not closed: `Left("a", 1`
    #[serde(rename = "E0104")]
    UnclosedCall,
    /// More input after a complete expression: `[a] [b]`
    #[serde(rename = "E0105")]
    TrailingInput,
    /// A comparison outside a function argument: `[a] = "x"`
    #[serde(rename = "E0106")]
    ComparisonNotAllowed,
    /// Two comparisons in one argument: `IIF([a] = [b] = [c], 1, 2)`
    #[serde(rename = "E0107")]
    ChainedComparison,
    /// Calls nested deeper than the documented limit.
    #[serde(rename = "E0108")]
    NestingTooDeep,
    /// A bare word that is neither a function call nor a known constant: `ToLower(mail)`
    #[serde(rename = "E0109")]
    UnknownIdentifier,
    /// A function name that does not exist: `Tolower([mail])`
    #[serde(rename = "E0201")]
    UnknownFunction,
    /// Too few or too many arguments: `Left("abc")`
    #[serde(rename = "E0202")]
    WrongArgumentCount,
    /// A required argument left empty: `Left(, 3)`
    #[serde(rename = "E0203")]
    MissingArgument,
    /// A function that must be the whole expression used inside another: `ToLower(SelectUniqueValue([a], [b]))`
    #[serde(rename = "E0204")]
    MustBeOutermost,
    /// A regular expression that does not compile: `Replace([a], , "(", , "", , )`
    #[serde(rename = "E0205")]
    InvalidRegex,
    /// A literal of the wrong kind for its parameter: `Left("abc", "x")`
    #[serde(rename = "E0206")]
    InvalidLiteral,
    /// `Replace` with a combination of arguments that selects none of its modes.
    #[serde(rename = "E0207")]
    InvalidReplaceMode,
    /// `vbTextCompare` / `vbBinaryCompare` anywhere but `InStr`'s fourth argument.
    #[serde(rename = "E0208")]
    MisplacedConstant,
    /// An argument value of the wrong type at run time: `Left([givenName], [surname])`
    #[serde(rename = "E0301")]
    InvalidArgument,
    /// A date/time string that cannot be parsed: `CDate("yesterday")`
    #[serde(rename = "E0302")]
    InvalidDateTime,
    /// `SelectUniqueValue` found every candidate already taken in the target.
    #[serde(rename = "E0303")]
    NoUniqueValue,
    /// An input the evaluation needs was not supplied, e.g. the default domain.
    #[serde(rename = "E0304")]
    MissingInput,
    /// A numeric or date result out of range: `DateAdd("yyyy", 99999, Now())`
    #[serde(rename = "E0305")]
    OutOfRange,
    /// A regular expression that failed while matching (for example, backtracking limit).
    #[serde(rename = "E0306")]
    RegexFailed,
    /// A warning, found when a job definition is checked against the
    /// directory's attribute catalogue: a source attribute no source object
    /// has, so it is always null: `[surnmae]`
    #[serde(rename = "W0401")]
    UnknownAttribute,
}

impl Code {
    /// The stable code, e.g. `E0201`.
    pub fn as_str(self) -> &'static str {
        use Code::*;
        match self {
            UnexpectedCharacter => "E0001",
            UnterminatedString => "E0002",
            InvalidEscape => "E0003",
            UnterminatedAttribute => "E0004",
            InvalidAttributeName => "E0005",
            IntegerOutOfRange => "E0006",
            InvalidHexLiteral => "E0007",
            ExpressionTooLong => "E0101",
            EmptyExpression => "E0102",
            ExpectedValue => "E0103",
            UnclosedCall => "E0104",
            TrailingInput => "E0105",
            ComparisonNotAllowed => "E0106",
            ChainedComparison => "E0107",
            NestingTooDeep => "E0108",
            UnknownIdentifier => "E0109",
            UnknownFunction => "E0201",
            WrongArgumentCount => "E0202",
            MissingArgument => "E0203",
            MustBeOutermost => "E0204",
            InvalidRegex => "E0205",
            InvalidLiteral => "E0206",
            InvalidReplaceMode => "E0207",
            MisplacedConstant => "E0208",
            InvalidArgument => "E0301",
            InvalidDateTime => "E0302",
            NoUniqueValue => "E0303",
            MissingInput => "E0304",
            OutOfRange => "E0305",
            RegexFailed => "E0306",
            UnknownAttribute => "W0401",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A secondary span with its own short message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem found in an expression, at a place in its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Label>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span,
            labels: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Renders the diagnostic the way compilers do:
    ///
    /// ```text
    /// error[E0201]: unknown function `Tolower`
    ///  --> 1:1
    ///   |
    /// 1 | Tolower([mail])
    ///   | ^^^^^^^
    ///   = help: did you mean `ToLower`?
    /// ```
    pub fn render(&self, source: &str) -> String {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let at = self.span.start_line_column(source);
        let line_text = source.lines().nth(at.line - 1).unwrap_or("");
        let gutter = " ".repeat(at.line.to_string().len());
        let mut out = String::new();
        let _ = writeln!(out, "{severity}[{}]: {}", self.code, self.message);
        let _ = writeln!(out, "{gutter}--> {}:{}", at.line, at.column);
        let _ = writeln!(out, "{gutter} |");
        let _ = writeln!(out, "{} | {}", at.line, line_text);
        let _ = writeln!(
            out,
            "{gutter} | {}{}",
            " ".repeat(at.column - 1),
            "^".repeat(self.caret_width(source, line_text, at.column))
        );
        for label in &self.labels {
            let place = label.span.start_line_column(source);
            let _ = writeln!(
                out,
                "{gutter} = note: {} (at {}:{})",
                label.message, place.line, place.column
            );
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{gutter} = help: {help}");
        }
        out
    }

    /// Carets under the span, at least one, never past the end of its line.
    fn caret_width(&self, source: &str, line_text: &str, column: usize) -> usize {
        let start = self.span.start.min(source.len());
        let end = self.span.end.clamp(start, source.len());
        let spanned = source.get(start..end).unwrap_or_default();
        let first_line = spanned.split('\n').next().unwrap_or_default();
        let room = line_text.chars().count().saturating_sub(column - 1);
        first_line.chars().count().min(room).max(1)
    }
}

/// Renders every diagnostic, separated by blank lines.
pub fn render_all(diagnostics: &[Diagnostic], source: &str) -> String {
    diagnostics
        .iter()
        .map(|d| d.render(source))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_in_compiler_style() {
        let d = Diagnostic::error(Code::UnknownFunction, Span::new(0, 7), "unknown function `Tolower`")
            .with_help("did you mean `ToLower`?");
        assert_eq!(
            d.render("Tolower([mail])"),
            "error[E0201]: unknown function `Tolower`\n --> 1:1\n  |\n1 | Tolower([mail])\n  | ^^^^^^^\n  = help: did you mean `ToLower`?\n"
        );
    }

    #[test]
    fn an_empty_span_at_the_end_gets_one_caret() {
        let d = Diagnostic::error(Code::UnclosedCall, Span::new(4, 4), "unclosed");
        assert!(d.render("F([a]").contains("  |     ^\n"), "{}", d.render("F([a]"));
    }

    #[test]
    fn codes_serialise_as_their_stable_strings() {
        assert_eq!(serde_json::to_string(&Code::InvalidRegex).unwrap(), "\"E0205\"");
        assert_eq!(Code::InvalidRegex.as_str(), "E0205");
    }
}
