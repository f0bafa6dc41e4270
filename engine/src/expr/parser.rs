//! Builds the syntax tree from tokens: one call or atom per expression,
//! comparisons only inside arguments, omitted arguments, and hard limits on
//! length and nesting so no input can exhaust the stack.

use crate::diagnostic::{Code, Diagnostic};
use crate::expr::ast::{CompareMode, Expr, ExprKind, Name};
use crate::expr::functions;
use crate::expr::lexer::{Token, TokenKind, lex};
use crate::span::Span;

/// Entra rejects mapping expressions longer than this many characters.
pub const MAX_LENGTH: usize = 10_000;
/// Calls may nest this deep; Entra's documented examples need fewer than ten.
pub const MAX_DEPTH: usize = 64;

/// Parses an expression, returning every syntax error found.
pub fn parse(src: &str) -> Result<Expr, Vec<Diagnostic>> {
    let length = src.chars().count();
    if length > MAX_LENGTH {
        let cut = src.char_indices().nth(MAX_LENGTH).map_or(src.len(), |(i, _)| i);
        return Err(vec![
            Diagnostic::error(
                Code::ExpressionTooLong,
                Span::new(cut, src.len()),
                format!("expression is {length} characters long; the limit is {MAX_LENGTH}"),
            )
            .with_help("split the logic across several mappings, or simplify it"),
        ]);
    }
    let (tokens, lex_errors) = lex(src);
    if !lex_errors.is_empty() {
        return Err(lex_errors);
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        errors: Vec::new(),
    };
    let result = parser.top();
    match result {
        Some(expr) if parser.errors.is_empty() => Ok(expr),
        _ => Err(parser.errors),
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    errors: Vec<Diagnostic>,
}

/// Signals a structural error already recorded; parsing stops there.
struct Stop;

impl Parser {
    fn peek(&self) -> &Token {
        static EOF: Token = Token {
            kind: TokenKind::Eof,
            span: Span::new(0, 0),
        };
        self.tokens.get(self.pos).or(self.tokens.last()).unwrap_or(&EOF)
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    fn top(&mut self) -> Option<Expr> {
        if self.peek().kind == TokenKind::Eof {
            self.errors.push(
                Diagnostic::error(Code::EmptyExpression, self.peek().span, "the expression is empty")
                    .with_help("write an attribute such as [mail], a constant such as \"Sales\", or a function call"),
            );
            return None;
        }
        let expr = self.argument(0).ok()?;
        if let ExprKind::Compare { op, .. } = &expr.kind {
            self.errors.push(
                Diagnostic::error(
                    Code::ComparisonNotAllowed,
                    expr.span,
                    format!(
                        "a comparison (`{}`) is only allowed as a function argument",
                        op.symbol()
                    ),
                )
                .with_help("wrap it in a function, e.g. CBool([a] = \"x\") or IIF([a] = \"x\", \"yes\", \"no\")"),
            );
        }
        let trailing = self.peek().clone();
        if trailing.kind != TokenKind::Eof {
            let end = self.tokens.last().map_or(trailing.span.end, |t| t.span.end);
            self.errors.push(
                Diagnostic::error(
                    Code::TrailingInput,
                    Span::new(trailing.span.start, end),
                    "unexpected input after the end of the expression",
                )
                .with_help("an expression is a single attribute, constant or function call; combine values with a function such as Join"),
            );
            return None;
        }
        Some(expr)
    }

    /// `operand (op operand)?`
    fn argument(&mut self, depth: usize) -> Result<Expr, Stop> {
        let left = self.operand(depth)?;
        let TokenKind::Compare(op) = self.peek().kind else {
            return Ok(left);
        };
        self.next();
        let right = self.operand(depth)?;
        let span = left.span.to(right.span);
        if let TokenKind::Compare(second) = self.peek().kind {
            let at = self.peek().span;
            self.errors.push(
                Diagnostic::error(
                    Code::ChainedComparison,
                    at,
                    format!(
                        "a second comparison (`{}`) cannot follow `{}`",
                        second.symbol(),
                        op.symbol()
                    ),
                )
                .with_help("compare two values at a time; nest IIF for AND/OR logic"),
            );
            self.next();
            self.operand(depth)?;
        }
        Ok(Expr::new(
            ExprKind::Compare {
                op,
                left: Box::new(left),
                right: Box::new(right),
            },
            span,
        ))
    }

    fn operand(&mut self, depth: usize) -> Result<Expr, Stop> {
        let token = self.next();
        let span = token.span;
        match token.kind {
            TokenKind::Attribute(name) => Ok(Expr::new(ExprKind::Attribute(name), span)),
            TokenKind::String(text) => Ok(Expr::new(ExprKind::String(text), span)),
            TokenKind::Integer { value, hex } => Ok(Expr::new(ExprKind::Integer { value, hex }, span)),
            TokenKind::Ident(word) if self.peek().kind == TokenKind::LParen => self.call(word, span, depth),
            TokenKind::Ident(word) => match CompareMode::from_keyword(&word) {
                Some(mode) => Ok(Expr::new(ExprKind::Constant(mode), span)),
                None => {
                    self.errors.push(unknown_identifier(&word, span));
                    // Keep going as if it were an attribute so later errors still show.
                    Ok(Expr::new(ExprKind::Attribute(word), span))
                }
            },
            other => {
                let found = describe(&other);
                self.errors.push(
                    Diagnostic::error(Code::ExpectedValue, span, format!("expected a value, found {found}"))
                        .with_help("a value is an attribute [name], a string \"text\", a number, or a function call"),
                );
                Err(Stop)
            }
        }
    }

    fn call(&mut self, name: String, name_span: Span, depth: usize) -> Result<Expr, Stop> {
        if depth >= MAX_DEPTH {
            self.errors.push(
                Diagnostic::error(
                    Code::NestingTooDeep,
                    name_span,
                    format!("function calls are nested more than {MAX_DEPTH} deep"),
                )
                .with_help("flatten the expression; deeply nested IIFs can often become one Switch"),
            );
            return Err(Stop);
        }
        let open = self.next();
        let mut args: Vec<Option<Expr>> = Vec::new();
        if self.peek().kind == TokenKind::RParen {
            let close = self.next();
            return Ok(Expr::new(
                ExprKind::Call {
                    name: Name {
                        text: name,
                        span: name_span,
                    },
                    args,
                },
                name_span.to(close.span),
            ));
        }
        loop {
            match self.peek().kind {
                TokenKind::Comma | TokenKind::RParen => args.push(None),
                _ => args.push(Some(self.argument(depth + 1)?)),
            }
            let token = self.next();
            match token.kind {
                TokenKind::Comma => continue,
                TokenKind::RParen => {
                    return Ok(Expr::new(
                        ExprKind::Call {
                            name: Name {
                                text: name,
                                span: name_span,
                            },
                            args,
                        },
                        name_span.to(token.span),
                    ));
                }
                other => {
                    let message = if other == TokenKind::Eof {
                        format!("`{name}(` is never closed")
                    } else {
                        format!(
                            "expected `,` or `)` in the arguments of `{name}`, found {}",
                            describe(&other)
                        )
                    };
                    self.errors.push(
                        Diagnostic::error(Code::UnclosedCall, token.span, message)
                            .with_label(open.span, "the argument list opens here")
                            .with_help("separate arguments with commas and close the call with `)`"),
                    );
                    return Err(Stop);
                }
            }
        }
    }
}

fn unknown_identifier(word: &str, span: Span) -> Diagnostic {
    let d = Diagnostic::error(Code::UnknownIdentifier, span, format!("unknown name `{word}`"));
    if functions::lookup(word).is_some() {
        return d.with_help(format!("`{word}` is a function; call it with parentheses: {word}(...)"));
    }
    match word {
        "True" | "False" | "true" | "false" => d.with_help(format!("booleans are written as strings: \"{word}\"")),
        "Null" | "null" | "Nothing" => d.with_help("there is no null literal; leave the argument empty instead"),
        "AND" | "OR" | "And" | "Or" | "and" | "or" => {
            d.with_help("there are no AND/OR operators; nest IIF calls instead")
        }
        _ => d.with_help(format!(
            "write an attribute in square brackets ([{word}]) or text in double quotes (\"{word}\")"
        )),
    }
}

fn describe(kind: &TokenKind) -> String {
    match kind {
        TokenKind::LParen => "`(`".into(),
        TokenKind::RParen => "`)`".into(),
        TokenKind::Comma => "`,`".into(),
        TokenKind::Attribute(name) => format!("attribute `[{name}]`"),
        TokenKind::String(_) => "a string".into(),
        TokenKind::Integer { .. } => "a number".into(),
        TokenKind::Ident(word) => format!("`{word}`"),
        TokenKind::Compare(op) => format!("`{}`", op.symbol()),
        TokenKind::Eof => "the end of the expression".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::ast::CompareOp;

    fn ok(src: &str) -> Expr {
        parse(src).unwrap_or_else(|e| panic!("{src}: {e:?}"))
    }

    fn err(src: &str) -> Code {
        parse(src).expect_err(src)[0].code
    }

    fn call_args(e: &Expr) -> &[Option<Expr>] {
        match &e.kind {
            ExprKind::Call { args, .. } => args,
            other => panic!("not a call: {other:?}"),
        }
    }

    #[test]
    fn atoms() {
        assert_eq!(ok("[mail]").kind, ExprKind::Attribute("mail".into()));
        assert_eq!(ok("\"x\"").kind, ExprKind::String("x".into()));
        assert_eq!(ok(" 42 ").kind, ExprKind::Integer { value: 42, hex: false });
    }

    #[test]
    fn omitted_arguments() {
        let e = ok(r#"Replace([mail], "@x.com", , , "", , )"#);
        let present: Vec<bool> = call_args(&e).iter().map(Option::is_some).collect();
        assert_eq!(present, vec![true, true, false, false, true, false, false]);
        assert_eq!(call_args(&ok("Now()")).len(), 0);
        assert_eq!(call_args(&ok("F(,)")).len(), 2);
    }

    #[test]
    fn comparisons_inside_arguments() {
        let e = ok(r#"IIF([country]="USA",[country],[department])"#);
        assert!(matches!(
            &call_args(&e)[0],
            Some(Expr {
                kind: ExprKind::Compare { op: CompareOp::Eq, .. },
                ..
            })
        ));
    }

    #[test]
    fn multi_line_expressions() {
        ok("Switch([state],\n  \"Australia/Sydney\",\n  \"NSW\", \"Australia/Sydney\"\n)");
    }

    #[test]
    fn vb_constants() {
        let e = ok(r#"InStr("repEated","e",3,vbBinaryCompare)"#);
        assert_eq!(
            call_args(&e)[3].as_ref().map(|a| &a.kind),
            Some(&ExprKind::Constant(CompareMode::Binary))
        );
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(err(""), Code::EmptyExpression);
        assert_eq!(err("   \n "), Code::EmptyExpression);
        assert_eq!(err("Left(\"a\", 1"), Code::UnclosedCall);
        assert_eq!(err("Left(\"a\" 1)"), Code::UnclosedCall);
        assert_eq!(err("[a] [b]"), Code::TrailingInput);
        assert_eq!(err("[a] = \"x\""), Code::ComparisonNotAllowed);
        assert_eq!(err("IIF([a] = [b] = [c], 1, 2)"), Code::ChainedComparison);
        assert_eq!(err("ToLower(mail)"), Code::UnknownIdentifier);
        assert_eq!(err("ToLower())"), Code::TrailingInput);
        assert_eq!(err(")"), Code::ExpectedValue);
        assert_eq!(err("Left(=, 1)"), Code::ExpectedValue);
    }

    #[test]
    fn length_limit() {
        let long = format!("\"{}\"", "x".repeat(MAX_LENGTH));
        assert_eq!(err(&long), Code::ExpressionTooLong);
        let fits = format!("\"{}\"", "x".repeat(MAX_LENGTH - 2));
        ok(&fits);
    }

    #[test]
    fn depth_limit_never_overflows_the_stack() {
        let at_limit = format!("{}[a]{}", "F(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        ok(&at_limit);
        let too_deep = format!("{}[a]{}", "F(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        assert_eq!(err(&too_deep), Code::NestingTooDeep);
        let absurd = "F(".repeat(4_000);
        assert_eq!(err(&absurd), Code::NestingTooDeep);
    }

    #[test]
    fn spans_cover_calls() {
        let e = ok("  Left(\"ab\", 1) ");
        assert_eq!(e.span, Span::new(2, 15));
    }

    #[test]
    fn unknown_identifier_help_suggests_brackets() {
        let d = &parse("ToLower(mail)").unwrap_err()[0];
        assert_eq!(d.span, Span::new(8, 12));
        assert!(d.help.as_deref().unwrap_or_default().contains("[mail]"));
    }
}
