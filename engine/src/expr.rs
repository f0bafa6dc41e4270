//! The attribute-mapping expression language that Microsoft Entra ID uses for
//! application provisioning: parse, check, evaluate and print.
//!
//! ```
//! use provisio_engine::expr::{self, EvalContext, MappingKind};
//! use provisio_engine::object::SourceObject;
//!
//! let program = expr::compile(r#"Left([givenName], 3)"#).unwrap();
//! assert_eq!(program.kind(), MappingKind::Expression);
//! let user = SourceObject::new().with("givenName", "John");
//! let out = program.evaluate(&user, &mut EvalContext::default()).unwrap();
//! assert_eq!(out.value, "Joh".into());
//!
//! let errors = expr::compile("Tolower([mail])").unwrap_err();
//! assert_eq!(errors[0].help.as_deref(), Some("did you mean `ToLower`?"));
//! ```

pub mod ast;
mod check;
mod context;
mod eval;
pub mod functions;
pub mod lexer;
pub mod parser;
mod printer;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::object::Attributes;
use crate::value::Value;

pub use ast::{Expr, ExprKind};
pub use context::{EvalContext, ExistingValues, NoExistingValues};
pub use functions::{FUNCTIONS, FunctionInfo};
pub use parser::{MAX_DEPTH, MAX_LENGTH, parse};
pub use printer::{pretty, print};

/// What a mapping is, judged from its expression as Entra does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MappingKind {
    /// A bare `[attribute]`.
    Direct,
    /// A bare `"text"` (or number).
    Constant,
    /// A function call.
    Expression,
}

/// A checked expression, ready to evaluate any number of times.
#[derive(Debug, Clone)]
pub struct Program {
    expr: Expr,
    root: check::Node,
}

/// The result of evaluating an expression against one object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The value to provision; `Null` means "do not provision a value".
    pub value: Value,
    /// `Redact` was applied: logs must show `[Redact]` instead of the value.
    pub redacted: bool,
    /// `IgnoreFlowIfNullOrEmpty` saw nothing: leave the target attribute out
    /// of the flow entirely.
    pub ignore_flow: bool,
}

/// An evaluation whose value may borrow from the expression or the source
/// object, for callers that compare before they copy.
#[derive(Debug, Clone, PartialEq)]
pub struct BorrowedEvaluation<'a> {
    pub value: std::borrow::Cow<'a, Value>,
    pub redacted: bool,
    pub ignore_flow: bool,
}

impl BorrowedEvaluation<'_> {
    pub fn into_owned(self) -> Evaluation {
        Evaluation {
            value: self.value.into_owned(),
            redacted: self.redacted,
            ignore_flow: self.ignore_flow,
        }
    }
}

impl Evaluation {
    /// What provisioning logs may show of the value.
    pub fn loggable(&self) -> Value {
        if self.redacted && !self.value.is_null() {
            Value::str("[Redact]")
        } else {
            self.value.clone()
        }
    }
}

/// Checks a parsed expression: known functions, argument counts, literal
/// arguments, regular expressions and where special functions may appear.
pub fn check(expr: &Expr) -> Result<Program, Vec<Diagnostic>> {
    let root = check::check(expr)?;
    Ok(Program {
        expr: expr.clone(),
        root,
    })
}

/// Parses and checks, returning every diagnostic found.
pub fn compile(src: &str) -> Result<Program, Vec<Diagnostic>> {
    check(&parse(src)?)
}

impl Program {
    /// Evaluates against one object. Errors name the span of the failing call.
    pub fn evaluate(&self, source: &dyn Attributes, ctx: &mut EvalContext<'_>) -> Result<Evaluation, Diagnostic> {
        self.evaluate_borrowed(source, ctx).map(BorrowedEvaluation::into_owned)
    }

    /// Like [`Program::evaluate`], without copying a value that comes
    /// straight from the expression or the source object.
    pub fn evaluate_borrowed<'a>(
        &'a self,
        source: &'a dyn Attributes,
        ctx: &mut EvalContext<'_>,
    ) -> Result<BorrowedEvaluation<'a>, Diagnostic> {
        eval::evaluate(&self.root, source, ctx)
    }

    pub fn kind(&self) -> MappingKind {
        match self.expr.kind {
            ExprKind::Attribute(_) => MappingKind::Direct,
            ExprKind::String(_) | ExprKind::Integer { .. } => MappingKind::Constant,
            _ => MappingKind::Expression,
        }
    }

    /// The function the whole expression is a call of, if it is one.
    pub fn root_call(&self) -> Option<&str> {
        match &self.expr.kind {
            ExprKind::Call { name, .. } => Some(&name.text),
            _ => None,
        }
    }

    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The source attributes this expression reads.
    pub fn attributes(&self) -> BTreeSet<&str> {
        self.expr.attributes().into_iter().collect()
    }

    /// Whether the expression calls the function anywhere.
    pub fn calls(&self, name: &str) -> bool {
        fn walk(e: &Expr, name: &str) -> bool {
            match &e.kind {
                ExprKind::Call { name: n, args } => n.text == name || args.iter().flatten().any(|a| walk(a, name)),
                ExprKind::Compare { left, right, .. } => walk(left, name) || walk(right, name),
                _ => false,
            }
        }
        walk(&self.expr, name)
    }
}
