//! The syntax tree of a mapping expression. Every node keeps its span, but
//! equality ignores spans, so `parse(print(e)) == e` holds.

use crate::span::Span;

/// A parsed expression node.
#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `[name]`
    Attribute(String),
    /// `"text"`, already unescaped.
    String(String),
    /// `42`, `-7` or the VBA hex form `&HF7` (kept so printing gives it back).
    Integer { value: i64, hex: bool },
    /// `vbTextCompare` / `vbBinaryCompare`.
    Constant(CompareMode),
    /// `Name(arg, , arg)`: `None` is an omitted argument.
    Call { name: Name, args: Vec<Option<Expr>> },
    /// `left op right`, allowed only as a function argument.
    Compare {
        op: CompareOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
}

/// A function name and where it stands; equality compares the text only.
#[derive(Debug, Clone)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareMode {
    /// `vbBinaryCompare` (0): case-sensitive.
    Binary,
    /// `vbTextCompare` (1): case-insensitive.
    Text,
}

impl CompareMode {
    pub fn keyword(self) -> &'static str {
        match self {
            CompareMode::Binary => "vbBinaryCompare",
            CompareMode::Text => "vbTextCompare",
        }
    }

    pub fn from_keyword(word: &str) -> Option<Self> {
        match word {
            "vbBinaryCompare" => Some(CompareMode::Binary),
            "vbTextCompare" => Some(CompareMode::Text),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "<>",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }

    /// Every attribute name the expression reads, in order of appearance.
    pub fn attributes(&self) -> Vec<&str> {
        self.attribute_references().into_iter().map(|(name, _)| name).collect()
    }

    /// Every `[attribute]` with where it stands, in order of appearance.
    pub fn attribute_references(&self) -> Vec<(&str, Span)> {
        let mut out = Vec::new();
        self.collect_attributes(&mut out);
        out
    }

    fn collect_attributes<'a>(&'a self, out: &mut Vec<(&'a str, Span)>) {
        match &self.kind {
            ExprKind::Attribute(name) => out.push((name, self.span)),
            ExprKind::Call { args, .. } => {
                for arg in args.iter().flatten() {
                    arg.collect_attributes(out);
                }
            }
            ExprKind::Compare { left, right, .. } => {
                left.collect_attributes(out);
                right.collect_attributes(out);
            }
            ExprKind::String(_) | ExprKind::Integer { .. } | ExprKind::Constant(_) => {}
        }
    }
}
