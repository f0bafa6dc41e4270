//! The filter and PATCH-path grammar of RFC 7644 §3.4.2.2 (Figure 1) and
//! §3.5.2: a lexer that reports the character position of every problem,
//! and a recursive-descent parser with `and` binding tighter than `or`.

use provisio_engine::scim_path::syntax::boolean;

use super::*;

/// Parses a filter; errors are 400 `invalidFilter` and give the character position.
pub fn parse(text: &str) -> Result<Filter, ScimError> {
    let mut parser = Parser::new(text, ScimType::InvalidFilter)?;
    let filter = parser.or(false, 0)?;
    match parser.peek() {
        None => Ok(filter),
        Some(token) => Err(parser.error(
            token.pos,
            format!("expected \"and\", \"or\" or the end, found {}", token.show()),
        )),
    }
}

/// Parses a PATCH path; errors are 400 `invalidPath`.
pub fn parse_path(text: &str) -> Result<PatchPath, ScimError> {
    let mut parser = Parser::new(text, ScimType::InvalidPath)?;
    let Some(first) = parser.next() else {
        return Err(parser.error(0, "the path is empty".into()));
    };
    let mut path = parser.attr_path(&first)?;
    let mut filter = None;
    if let Some(open) = parser.eat(&Tok::LBracket) {
        if path.sub_attr.is_some() {
            return Err(parser.error(
                open,
                "a value filter must follow the attribute, not its sub-attribute".into(),
            ));
        }
        filter = Some(parser.or(true, 1)?);
        parser.expect(&Tok::RBracket, "\"]\" to close the value filter")?;
        if let Some(sub) = parser.sub_attr()? {
            path.sub_attr = Some(sub);
        }
    }
    match parser.peek() {
        None => Ok(PatchPath { path, filter }),
        Some(token) => Err(parser.error(
            token.pos,
            format!("expected the end of the path, found {}", token.show()),
        )),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Word(String),
    Literal(Value),
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    tok: Tok,
    /// The 0-based character position where the token starts.
    pos: usize,
    text: String,
}

impl Token {
    fn show(&self) -> String {
        format!("\"{}\"", self.text)
    }

    fn word(&self) -> Option<&str> {
        match &self.tok {
            Tok::Word(word) => Some(word),
            _ => None,
        }
    }

    fn is_keyword(&self, keyword: &str) -> bool {
        self.word().is_some_and(|word| word.eq_ignore_ascii_case(keyword))
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.' | '$')
}

pub(super) fn lex(text: &str, kind: ScimType) -> Result<Vec<Token>, ScimError> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |index: usize| chars.get(index).map_or(text.len(), |&(byte, _)| byte);
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&(_, c)) = chars.get(i) {
        let start = i;
        let simple = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            _ => None,
        };
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = if let Some(tok) = simple {
            i += 1;
            tok
        } else if c == '"' {
            i += 1;
            loop {
                match chars.get(i).map(|&(_, c)| c) {
                    None => {
                        return Err(syntax_error(
                            text,
                            kind,
                            start,
                            "the string has no closing quote".into(),
                        ));
                    }
                    Some('\\') => i += 2,
                    Some('"') => break,
                    Some(_) => i += 1,
                }
            }
            i += 1;
            let source = text.get(byte_at(start)..byte_at(i)).unwrap_or_default();
            let string: String = serde_json::from_str(source)
                .map_err(|_| syntax_error(text, kind, start, format!("{source} is not a valid JSON string")))?;
            Tok::Literal(Value::String(string))
        } else if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(|&(_, next)| next.is_ascii_digit())) {
            i += 1;
            while chars
                .get(i)
                .is_some_and(|&(_, c)| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
            {
                i += 1;
            }
            let source = text.get(byte_at(start)..byte_at(i)).unwrap_or_default();
            let number: serde_json::Number = serde_json::from_str(source)
                .map_err(|_| syntax_error(text, kind, start, format!("\"{source}\" is not a valid number")))?;
            Tok::Literal(Value::Number(number))
        } else if is_word_char(c) {
            while chars.get(i).is_some_and(|&(_, c)| is_word_char(c)) {
                i += 1;
            }
            Tok::Word(text.get(byte_at(start)..byte_at(i)).unwrap_or_default().to_owned())
        } else {
            return Err(syntax_error(text, kind, start, format!("unexpected character '{c}'")));
        };
        let source = text.get(byte_at(start)..byte_at(i)).unwrap_or_default().to_owned();
        tokens.push(Token {
            tok,
            pos: start,
            text: source,
        });
    }
    Ok(tokens)
}

pub(super) fn syntax_error(text: &str, kind: ScimType, pos: usize, message: String) -> ScimError {
    let what = match kind {
        ScimType::InvalidPath => format!("invalid path \"{text}\""),
        _ => "invalid filter".to_owned(),
    };
    ScimError::bad_request(kind, format!("{what} at character {}: {message}", pos + 1))
}

pub(super) struct Parser<'t> {
    text: &'t str,
    kind: ScimType,
    tokens: Vec<Token>,
    next: usize,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str, kind: ScimType) -> Result<Self, ScimError> {
        Ok(Parser {
            text,
            kind,
            tokens: lex(text, kind)?,
            next: 0,
        })
    }

    fn error(&self, pos: usize, message: String) -> ScimError {
        syntax_error(self.text, self.kind, pos, message)
    }

    /// The position just past the input, for "found the end" errors.
    fn end(&self) -> usize {
        self.text.chars().count()
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        self.next += 1;
        token
    }

    /// Takes the next token when it is `tok`, returning its position.
    fn eat(&mut self, tok: &Tok) -> Option<usize> {
        let token = self.peek().filter(|token| token.tok == *tok)?;
        let pos = token.pos;
        self.next += 1;
        Some(pos)
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<(), ScimError> {
        if self.eat(tok).is_some() {
            return Ok(());
        }
        Err(self.unexpected(&format!("expected {what}")))
    }

    fn unexpected(&self, expected: &str) -> ScimError {
        match self.peek() {
            Some(token) => self.error(token.pos, format!("{expected}, found {}", token.show())),
            None => self.error(self.end(), format!("{expected}, found the end")),
        }
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.peek().is_some_and(|token| token.is_keyword(keyword));
        if found {
            self.next += 1;
        }
        found
    }

    /// `or` binds loosest: `a or b and c` is `a or (b and c)`.
    fn or(&mut self, in_value: bool, depth: usize) -> Result<Filter, ScimError> {
        let mut operands = vec![self.and(in_value, depth)?];
        while self.eat_keyword("or") {
            operands.push(self.and(in_value, depth)?);
        }
        Ok(if operands.len() == 1 {
            operands.remove(0)
        } else {
            Filter::Or(operands)
        })
    }

    fn and(&mut self, in_value: bool, depth: usize) -> Result<Filter, ScimError> {
        let mut operands = vec![self.unary(in_value, depth)?];
        while self.eat_keyword("and") {
            operands.push(self.unary(in_value, depth)?);
        }
        Ok(if operands.len() == 1 {
            operands.remove(0)
        } else {
            Filter::And(operands)
        })
    }

    fn unary(&mut self, in_value: bool, depth: usize) -> Result<Filter, ScimError> {
        let Some(token) = self.next() else {
            return Err(self.error(
                self.end(),
                "expected an attribute, \"not\" or \"(\", found the end".into(),
            ));
        };
        if depth >= MAX_DEPTH {
            return Err(self.error(token.pos, format!("the filter nests more than {MAX_DEPTH} levels deep")));
        }
        match &token.tok {
            Tok::LParen => {
                let inner = self.or(in_value, depth + 1)?;
                self.expect(&Tok::RParen, "\")\"")?;
                Ok(inner)
            }
            // `not` is an attribute name only when an operator follows.
            Tok::Word(word) if word.eq_ignore_ascii_case("not") && !self.operator_follows() => {
                self.expect(&Tok::LParen, "\"(\" after \"not\"")?;
                let inner = self.or(in_value, depth + 1)?;
                self.expect(&Tok::RParen, "\")\"")?;
                Ok(Filter::Not(Box::new(inner)))
            }
            Tok::Word(_) => self.attr_expr(&token, in_value, depth),
            _ => Err(self.error(
                token.pos,
                format!("expected an attribute, \"not\" or \"(\", found {}", token.show()),
            )),
        }
    }

    fn operator_follows(&self) -> bool {
        let word = self.peek().and_then(Token::word);
        word.is_some_and(|word| CompareOp::parse(word).is_some() || word.eq_ignore_ascii_case("pr"))
    }

    fn attr_path(&self, token: &Token) -> Result<AttrPath, ScimError> {
        match &token.tok {
            Tok::Word(word) if !word.starts_with('.') => {
                AttrPath::parse(word).map_err(|message| self.error(token.pos, message))
            }
            _ => Err(self.error(token.pos, format!("expected an attribute path, found {}", token.show()))),
        }
    }

    /// `.value` after `]`.
    fn sub_attr(&mut self) -> Result<Option<String>, ScimError> {
        let Some(token) = self
            .peek()
            .filter(|token| token.word().is_some_and(|word| word.starts_with('.')))
        else {
            return Ok(None);
        };
        let (pos, word) = (token.pos, token.text.clone());
        self.next += 1;
        let name = word.get(1..).unwrap_or_default();
        match AttrPath::parse(name) {
            Ok(AttrPath {
                urn: None,
                attr,
                sub_attr: None,
            }) => Ok(Some(attr)),
            _ => Err(self.error(pos, format!("\"{word}\" is not a sub-attribute"))),
        }
    }

    fn attr_expr(&mut self, token: &Token, in_value: bool, depth: usize) -> Result<Filter, ScimError> {
        let path = self.attr_path(token)?;
        if let Some(open) = self.eat(&Tok::LBracket) {
            if in_value {
                return Err(self.error(open, "value filters cannot be nested".into()));
            }
            if path.sub_attr.is_some() {
                return Err(self.error(
                    open,
                    "a value filter must follow the attribute, not its sub-attribute".into(),
                ));
            }
            let inner = self.or(true, depth + 1)?;
            self.expect(&Tok::RBracket, "\"]\" to close the value filter")?;
            let filter = match self.sub_attr()? {
                Some(sub) => {
                    let sub_path = AttrPath {
                        urn: None,
                        attr: sub,
                        sub_attr: None,
                    };
                    let condition = self.operator(sub_path, &format!("{}[…]", token.text))?;
                    Filter::And(vec![inner, condition])
                }
                None => inner,
            };
            return Ok(Filter::ValuePath {
                path,
                filter: Box::new(filter),
            });
        }
        self.operator(path, &token.text)
    }

    /// The operator and value after an attribute path.
    fn operator(&mut self, path: AttrPath, after: &str) -> Result<Filter, ScimError> {
        let expected = format!("expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr) after \"{after}\"");
        let Some(token) = self.next() else {
            return Err(self.error(self.end(), format!("{expected}, found the end")));
        };
        let word = token.word().unwrap_or_default();
        if word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let Some(op) = CompareOp::parse(word) else {
            return Err(self.error(token.pos, format!("{expected}, found {}", token.show())));
        };
        let Some(token) = self.next() else {
            return Err(self.error(
                self.end(),
                format!("expected a value after \"{}\", found the end", op.as_str()),
            ));
        };
        let value = match (&token.tok, token.word().and_then(boolean)) {
            (Tok::Literal(value), _) => value.clone(),
            (_, Some(flag)) => Value::Bool(flag),
            _ if token.is_keyword("null") => Value::Null,
            _ => {
                return Err(self.error(
                    token.pos,
                    format!(
                        "expected a value (a quoted string, a number, true, false or null) after \"{}\", found {}",
                        op.as_str(),
                        token.show()
                    ),
                ));
            }
        };
        Ok(Filter::Compare { path, op, value })
    }
}
