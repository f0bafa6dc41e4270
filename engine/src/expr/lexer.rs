//! Turns expression text into tokens that remember their byte spans,
//! collecting every lexical error in one pass instead of stopping at the first.

use crate::diagnostic::{Code, Diagnostic};
use crate::expr::ast::CompareOp;
use crate::span::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    LParen,
    RParen,
    Comma,
    Attribute(String),
    String(String),
    Integer { value: i64, hex: bool },
    Ident(String),
    Compare(CompareOp),
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// Lexes the whole input. Tokens after an error are still produced, so the
/// caller can decide whether to go on; the list always ends with `Eof`.
pub fn lex(src: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut lexer = Lexer {
        src,
        pos: 0,
        tokens: Vec::new(),
        errors: Vec::new(),
    };
    lexer.run();
    (lexer.tokens, lexer.errors)
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    errors: Vec<Diagnostic>,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..)?.chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        let mut chars = self.src.get(self.pos..)?.chars();
        chars.next();
        chars.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token {
            kind,
            span: Span::new(start, self.pos),
        });
    }

    fn error(&mut self, code: Code, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.errors.push(Diagnostic::error(code, span, message));
        let last = self.errors.len() - 1;
        #[allow(clippy::indexing_slicing)] // just pushed
        &mut self.errors[last]
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            let start = self.pos;
            match c {
                c if c.is_whitespace() => {
                    self.bump();
                }
                '(' => self.single(TokenKind::LParen),
                ')' => self.single(TokenKind::RParen),
                ',' => self.single(TokenKind::Comma),
                '"' => self.string(),
                '[' => self.attribute(),
                '&' => self.hex(),
                '=' | '<' | '>' | '!' => self.comparison(),
                '-' if self.peek_second().is_some_and(|d| d.is_ascii_digit()) => {
                    self.bump();
                    self.integer(start);
                }
                c if c.is_ascii_digit() => self.integer(start),
                c if c.is_ascii_alphabetic() || c == '_' => self.ident(),
                other => {
                    self.bump();
                    let help = match other {
                        '\'' | '“' | '”' => Some("string literals use straight double quotes: \"text\""),
                        '+' => Some("to join text use Join(\"\", a, b) or Append(a, b)"),
                        _ => None,
                    };
                    let d = self.error(
                        Code::UnexpectedCharacter,
                        Span::new(start, self.pos),
                        format!("unexpected character `{other}`"),
                    );
                    if let Some(help) = help {
                        d.help = Some(help.to_owned());
                    }
                }
            }
        }
        let end = self.src.len();
        self.tokens.push(Token {
            kind: TokenKind::Eof,
            span: Span::new(end, end),
        });
    }

    fn single(&mut self, kind: TokenKind) {
        let start = self.pos;
        self.bump();
        self.push(kind, start);
    }

    fn string(&mut self) {
        let start = self.pos;
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => {
                    self.error(
                        Code::UnterminatedString,
                        Span::new(start, self.pos),
                        "string literal is missing its closing `\"`",
                    )
                    .help = Some("close the string with `\"`; write a quote inside a string as `\\\"`".into());
                    break;
                }
                Some('"') => break,
                Some('\\') => {
                    let escape_start = self.pos - 1;
                    match self.peek() {
                        Some(c @ ('"' | '\\')) => {
                            self.bump();
                            text.push(c);
                        }
                        other => {
                            // Keep the backslash so an unescaped regex such as "\d" still
                            // shows the admin what they wrote in the error.
                            text.push('\\');
                            let end = escape_start + 1 + other.map_or(0, char::len_utf8);
                            self.error(
                                Code::InvalidEscape,
                                Span::new(escape_start, end),
                                "a backslash in a string must be followed by `\"` or `\\`",
                            )
                            .help =
                                Some("write a literal backslash as `\\\\`, e.g. the regex `\\d` is \"\\\\d\"".into());
                        }
                    }
                }
                Some(c) => text.push(c),
            }
        }
        self.push(TokenKind::String(text), start);
    }

    fn attribute(&mut self) {
        let start = self.pos;
        self.bump();
        let name_start = self.pos;
        loop {
            match self.peek() {
                None | Some('\n') => {
                    self.error(
                        Code::UnterminatedAttribute,
                        Span::new(start, self.pos),
                        "attribute reference is missing its closing `]`",
                    );
                    break;
                }
                Some(']') => break,
                // A value filter of a SCIM path, as inbound source attributes
                // are named: [emails[type eq "work"].value].
                Some('[') => self.value_filter(),
                Some(c) if c == '"' || c.is_control() => {
                    let at = self.pos;
                    self.bump();
                    self.error(
                        Code::InvalidAttributeName,
                        Span::new(at, self.pos),
                        format!("`{}` is not allowed in an attribute name", c.escape_debug()),
                    );
                }
                Some(_) => {
                    self.bump();
                }
            }
        }
        let raw = self.src.get(name_start..self.pos).unwrap_or_default();
        let name = raw.trim().to_owned();
        if self.peek() == Some(']') {
            self.bump();
            if name.is_empty() {
                self.error(
                    Code::InvalidAttributeName,
                    Span::new(start, self.pos),
                    "attribute reference has no name",
                )
                .help = Some("name the source attribute, e.g. [userPrincipalName]".into());
            }
        }
        self.push(TokenKind::Attribute(name), start);
    }

    /// Skips a `[…]` inside an attribute name, quoted text included; an
    /// unclosed one is reported by the caller as an unclosed reference.
    fn value_filter(&mut self) {
        self.bump();
        let mut quoted = false;
        while let Some(c) = self.peek() {
            match c {
                '\n' => return,
                '"' => quoted = !quoted,
                '\\' if quoted => {
                    self.bump();
                }
                ']' if !quoted => {
                    self.bump();
                    return;
                }
                _ => {}
            }
            self.bump();
        }
    }

    fn hex(&mut self) {
        let start = self.pos;
        self.bump();
        if !matches!(self.peek(), Some('H' | 'h')) {
            self.error(
                Code::UnexpectedCharacter,
                Span::new(start, self.pos),
                "unexpected character `&`",
            )
            .help = Some("hexadecimal literals are written &HF7".into());
            return;
        }
        self.bump();
        let digits_start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.bump();
        }
        let digits = self.src.get(digits_start..self.pos).unwrap_or_default();
        let span = Span::new(start, self.pos);
        match i64::from_str_radix(digits, 16) {
            Ok(value) if !digits.is_empty() => self.push(TokenKind::Integer { value, hex: true }, start),
            _ if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_hexdigit()) => {
                self.error(
                    Code::IntegerOutOfRange,
                    span,
                    "hexadecimal literal does not fit in 64 bits",
                );
            }
            _ => {
                self.error(
                    Code::InvalidHexLiteral,
                    span,
                    format!("`&H{digits}` is not a hexadecimal number"),
                )
                .help = Some("use the digits 0-9 and A-F, e.g. &HF7".into());
            }
        }
    }

    fn integer(&mut self, start: usize) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        let text = self.src.get(start..self.pos).unwrap_or_default();
        match text.parse::<i64>() {
            Ok(value) => self.push(TokenKind::Integer { value, hex: false }, start),
            Err(_) => {
                self.error(
                    Code::IntegerOutOfRange,
                    Span::new(start, self.pos),
                    format!("integer `{text}` does not fit in 64 bits"),
                );
            }
        }
    }

    fn ident(&mut self) {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.bump();
        }
        let word = self.src.get(start..self.pos).unwrap_or_default().to_owned();
        self.push(TokenKind::Ident(word), start);
    }

    fn comparison(&mut self) {
        let start = self.pos;
        let first = self.bump();
        let second = self.peek();
        let (op, two) = match (first, second) {
            (Some('<'), Some('>')) => (Some(CompareOp::Ne), true),
            (Some('<'), Some('=')) => (Some(CompareOp::Le), true),
            (Some('>'), Some('=')) => (Some(CompareOp::Ge), true),
            (Some('<'), _) => (Some(CompareOp::Lt), false),
            (Some('>'), _) => (Some(CompareOp::Gt), false),
            (Some('='), Some('=')) => (None, true),
            (Some('='), _) => (Some(CompareOp::Eq), false),
            (Some('!'), Some('=')) => (None, true),
            _ => (None, false),
        };
        if two {
            self.bump();
        }
        let span = Span::new(start, self.pos);
        match op {
            Some(op) => self.push(TokenKind::Compare(op), start),
            None => {
                let text = self.src.get(start..self.pos).unwrap_or_default().to_owned();
                let help = match text.as_str() {
                    "==" => "equality is written with a single `=`",
                    "!=" => "inequality is written `<>`",
                    _ => "comparison operators are =, <>, <, <=, > and >=",
                };
                self.error(Code::UnexpectedCharacter, span, format!("unexpected `{text}`"))
                    .help = Some(help.into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        let (tokens, errors) = lex(src);
        assert!(errors.is_empty(), "{errors:?}");
        tokens.into_iter().map(|t| t.kind).collect()
    }

    fn first_error(src: &str) -> Code {
        lex(src).1.first().map(|d| d.code).expect("an error")
    }

    #[test]
    fn tokens() {
        use TokenKind::*;
        assert_eq!(
            kinds("Left( [a.b-c:d] ,\n-3, &HF7 )"),
            vec![
                Ident("Left".into()),
                LParen,
                Attribute("a.b-c:d".into()),
                Comma,
                Integer { value: -3, hex: false },
                Comma,
                Integer { value: 247, hex: true },
                RParen,
                Eof
            ]
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(kinds(r#""a\"b\\c""#)[0], TokenKind::String("a\"b\\c".into()));
    }

    #[test]
    fn comparisons() {
        use CompareOp::*;
        let ops: Vec<_> = kinds("= <> < <= > >=")
            .into_iter()
            .filter_map(|k| match k {
                TokenKind::Compare(op) => Some(op),
                _ => None,
            })
            .collect();
        assert_eq!(ops, vec![Eq, Ne, Lt, Le, Gt, Ge]);
    }

    #[test]
    fn urn_attribute_names() {
        let name = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
        assert_eq!(kinds(&format!("[{name}]"))[0], TokenKind::Attribute(name.into()));
    }

    #[test]
    fn scim_paths_with_value_filters() {
        for name in [
            r#"emails[type eq "work"].value"#,
            r#"addresses[type eq "a]b"].locality"#,
        ] {
            assert_eq!(kinds(&format!("[{name}]"))[0], TokenKind::Attribute(name.into()));
        }
        assert_eq!(first_error(r#"[emails[type eq "work"]"#), Code::UnterminatedAttribute);
        assert_eq!(first_error(r#"[a"b]"#), Code::InvalidAttributeName);
    }

    #[test]
    fn errors() {
        assert_eq!(first_error("\"abc"), Code::UnterminatedString);
        assert_eq!(first_error(r#""a\qb""#), Code::InvalidEscape);
        assert_eq!(first_error("[mail"), Code::UnterminatedAttribute);
        assert_eq!(first_error("[]"), Code::InvalidAttributeName);
        assert_eq!(first_error("99999999999999999999"), Code::IntegerOutOfRange);
        assert_eq!(first_error("&HZZ"), Code::InvalidHexLiteral);
        assert_eq!(first_error("a ; b"), Code::UnexpectedCharacter);
        assert_eq!(first_error("a != b"), Code::UnexpectedCharacter);
    }

    #[test]
    fn all_errors_are_collected_in_one_pass() {
        let (_, errors) = lex("F(; [a\"b], &HQ)");
        let codes: Vec<_> = errors.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            vec![
                Code::UnexpectedCharacter,
                Code::InvalidAttributeName,
                Code::InvalidHexLiteral
            ]
        );
    }

    #[test]
    fn error_spans_point_at_the_problem() {
        let (_, errors) = lex("Left(\"ab, 3)");
        assert_eq!(errors[0].span, Span::new(5, 12));
    }
}
