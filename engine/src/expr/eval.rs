//! Evaluates a checked expression against one object. Values borrow from the
//! expression and the object wherever they can; only computed values allocate.

use std::borrow::Cow;

use smallvec::SmallVec;

use crate::diagnostic::{Code, Diagnostic};
use crate::expr::check::{Node, NodeKind};
use crate::expr::context::EvalContext;
use crate::expr::functions::{self as f, FnError, Func, ReplaceMode};
use crate::expr::{BorrowedEvaluation, functions};
use crate::object::Attributes;
use crate::pattern::Pattern;
use crate::span::Span;
use crate::value::Value;

static NULL: Value = Value::Null;

pub(crate) fn evaluate<'a>(
    root: &'a Node,
    source: &'a dyn Attributes,
    ctx: &mut EvalContext<'_>,
) -> Result<BorrowedEvaluation<'a>, Diagnostic> {
    let mut state = State {
        source,
        ctx,
        redacted: false,
        ignore_flow: false,
    };
    let value = state.eval(root)?;
    Ok(BorrowedEvaluation {
        value,
        redacted: state.redacted,
        ignore_flow: state.ignore_flow,
    })
}

struct State<'a, 'c, 'e> {
    source: &'a dyn Attributes,
    ctx: &'c mut EvalContext<'e>,
    redacted: bool,
    ignore_flow: bool,
}

type Evaluated<'a> = Result<Cow<'a, Value>, Diagnostic>;

impl<'a> State<'a, '_, '_> {
    fn eval(&mut self, node: &'a Node) -> Evaluated<'a> {
        match &node.kind {
            NodeKind::Attribute(name) => Ok(Cow::Borrowed(self.source.attribute(name).unwrap_or(&NULL))),
            NodeKind::Literal(value) => Ok(Cow::Borrowed(value)),
            NodeKind::Compare { op, left, right } => {
                let l = self.eval(left)?;
                let r = self.eval(right)?;
                Ok(Cow::Owned(Value::Bool(f::compare(*op, &l, &r))))
            }
            NodeKind::Call {
                func,
                args,
                replace_mode,
                regex,
            } => self.call(*func, args, node.span, *replace_mode, regex.as_deref()),
        }
    }

    fn arg(&mut self, args: &'a [Option<Node>], i: usize) -> Evaluated<'a> {
        match args.get(i) {
            Some(Some(node)) => self.eval(node),
            _ => Ok(Cow::Borrowed(&NULL)),
        }
    }

    fn call(
        &mut self,
        func: Func,
        nodes: &'a [Option<Node>],
        span: Span,
        replace_mode: Option<ReplaceMode>,
        regex: Option<&'a Pattern>,
    ) -> Evaluated<'a> {
        // Functions that decide which arguments to evaluate.
        match func {
            Func::IIF => {
                let condition = self.arg(nodes, 0)?;
                let branch = if f::truthy(&condition) { 1 } else { 2 };
                return self.arg(nodes, branch);
            }
            Func::Switch => return self.switch(nodes),
            Func::Coalesce => {
                for i in 0..nodes.len() {
                    let value = self.arg(nodes, i)?;
                    if !value.is_null() {
                        return Ok(value);
                    }
                }
                return Ok(Cow::Borrowed(&NULL));
            }
            Func::SelectUniqueValue => return self.select_unique_value(nodes, span),
            Func::IgnoreFlowIfNullOrEmpty => {
                let value = self.arg(nodes, 0)?;
                if value.is_null_or_empty() {
                    self.ignore_flow = true;
                }
                return Ok(value);
            }
            Func::Redact => {
                self.redacted = true;
                return self.arg(nodes, 0);
            }
            _ => {}
        }
        // Most calls take a handful of arguments; keep them off the heap.
        let mut values: SmallVec<[Cow<'a, Value>; 4]> = SmallVec::with_capacity(nodes.len());
        for i in 0..nodes.len() {
            values.push(self.arg(nodes, i)?);
        }
        if let Some(owned) = reusable_text(func, &mut values) {
            return Ok(Cow::Owned(Value::Str(reuse_buffer(func, owned))));
        }
        let args = Args {
            func,
            span,
            nodes,
            values: &values,
        };
        let result = self.apply(func, &args, replace_mode, regex);
        result.map(Cow::Owned).map_err(|e| args.diagnostic(e))
    }

    fn switch(&mut self, nodes: &'a [Option<Node>]) -> Evaluated<'a> {
        let source = self.arg(nodes, 0)?;
        let source_text = match source.as_ref() {
            Value::Null => Some(Cow::Borrowed("")),
            other => other.as_text(),
        };
        let mut i = 2;
        while i + 1 < nodes.len() {
            let key = self.arg(nodes, i)?;
            let key_text = key.as_text();
            if source_text.is_some() && key_text.as_deref() == source_text.as_deref() {
                return self.arg(nodes, i + 1);
            }
            i += 2;
        }
        self.arg(nodes, 1)
    }

    fn select_unique_value(&mut self, nodes: &'a [Option<Node>], span: Span) -> Evaluated<'a> {
        let mut tried = Vec::new();
        for i in 0..nodes.len() {
            let candidate = self.arg(nodes, i)?;
            let Some(text) = candidate.as_text().filter(|t| !t.is_empty()).map(Cow::into_owned) else {
                continue;
            };
            let ctx = &mut *self.ctx;
            match ctx.existing.exists_in(ctx.target_attribute.as_deref(), &text) {
                Ok(false) => return Ok(Cow::Owned(Value::Str(text))),
                Ok(true) => tried.push(text),
                Err(e) => {
                    return Err(Diagnostic::error(
                        Code::MissingInput,
                        span,
                        format!("SelectUniqueValue could not ask the target whether \"{text}\" exists: {e}"),
                    ));
                }
            }
        }
        Err(Diagnostic::error(
            Code::NoUniqueValue,
            span,
            if tried.is_empty() {
                "SelectUniqueValue: every rule produced an empty value".to_owned()
            } else {
                format!(
                    "SelectUniqueValue: every candidate already exists in the target ({})",
                    tried.join(", ")
                )
            },
        )
        .with_help("add another rule that yields a different value"))
    }

    fn apply(
        &mut self,
        func: Func,
        a: &Args<'_, '_>,
        replace_mode: Option<ReplaceMode>,
        regex: Option<&Pattern>,
    ) -> Result<Value, FnError> {
        Ok(match func {
            Func::Append => f::append(a.text(0)?.as_deref(), a.text(1)?.as_deref()),
            Func::AppRoleAssignmentsComplex => f::app_role_objects(a.value(0), false),
            Func::AssertiveAppRoleAssignmentsComplex => f::app_role_objects(a.value(0), true),
            Func::BitAnd => match (a.int(0)?, a.int(1)?) {
                (Some(x), Some(y)) => Value::Int(f::bit_and(x, y)),
                _ => Value::Null,
            },
            Func::CBool => Value::Bool(f::truthy(a.value(0))),
            Func::CDate => match a.value(0) {
                Value::DateTime(dt) => Value::DateTime(*dt),
                _ => match a.text(0)? {
                    Some(text) => Value::DateTime(f::parse_datetime(&text).map_err(|e| e.at(0))?),
                    None => Value::Null,
                },
            },
            Func::ConvertToBase64 => a.map_text(0, f::base64_utf16)?,
            Func::ConvertToUTF8Hex => a.map_text(0, f::utf8_hex)?,
            Func::Count => Value::Int(f::count(a.value(0))),
            Func::CStr => f::cstr(a.value(0)).map_err(|e| e.at(0))?,
            Func::DateAdd => match (a.int(1)?, a.datetime(2)?) {
                (Some(n), Some(dt)) => Value::DateTime(f::date_add(a.interval(0)?, n, dt)?),
                _ => Value::Null,
            },
            Func::DateDiff => match (a.datetime(1)?, a.datetime(2)?) {
                (Some(d1), Some(d2)) => Value::Int(f::date_diff(a.interval(0)?, d1, d2)),
                _ => Value::Null,
            },
            Func::DateFromNum => match a.int(0)? {
                Some(ticks) => Value::DateTime(f::date_from_num(ticks).map_err(|e| e.at(0))?),
                None => Value::Null,
            },
            Func::DefaultDomain => {
                match &self.ctx.default_domain {
                    Some(domain) => Value::Str(domain.clone()),
                    None => {
                        return Err(FnError::new(Code::MissingInput, "no default domain is configured")
                        .help("set the organisation's default domain in Provisio's settings (or pass --default-domain)"));
                    }
                }
            }
            Func::EscapeDNComponent => a.map_text(0, f::escape_dn_component)?,
            Func::FormatDateTime => {
                let (Some(input_format), Some(output_format)) = (a.text(2)?, a.text(3)?) else {
                    return Ok(Value::Null);
                };
                match a.value(0) {
                    Value::DateTime(dt) => Value::Str(f::format_with(dt, &output_format)),
                    _ => match a.text(0)? {
                        Some(source) => Value::Str(
                            f::format_date_time(&source, &input_format, &output_format).map_err(|e| e.at(0))?,
                        ),
                        None => Value::Null,
                    },
                }
            }
            Func::Guid => Value::Str(f::guid(self.ctx.random.as_mut())),
            Func::InStr => {
                let (Some(haystack), Some(needle)) = (a.text(0)?, a.text(1)?) else {
                    return Ok(Value::Null);
                };
                let start = a.int(2)?.unwrap_or(1);
                let ignore_case = a.int(3)?.unwrap_or(0) == 1;
                Value::Int(f::instr(&haystack, &needle, start, ignore_case).map_err(|e| e.at(2))?)
            }
            Func::IsNull => Value::Bool(a.value(0).is_null()),
            Func::IsNullOrEmpty => Value::Bool(a.value(0).is_null_or_empty()),
            Func::IsPresent => Value::Bool(!a.value(0).is_null_or_empty()),
            Func::IsString => Value::Bool(f::is_single(a.value(0))),
            Func::Item => match a.int(1)? {
                Some(index) => f::item(a.value(0), index),
                None => Value::Null,
            },
            Func::Join => {
                let separator = a.text(0)?.unwrap_or_default();
                f::join(&separator, a.values.iter().skip(1).map(AsRef::as_ref))
            }
            Func::Left => Value::Str(f::left(a.text(0)?.as_deref(), a.int(1)?.unwrap_or(0))),
            Func::Mid => match (a.text(0)?, a.int(1)?, a.int(2)?) {
                (Some(s), Some(start), Some(length)) => Value::Str(f::mid(&s, start, length)?),
                _ => Value::Null,
            },
            Func::NormalizeDiacritics => a.map_text(0, f::normalize_diacritics)?,
            Func::Not => Value::Bool(!f::truthy(a.value(0))),
            Func::Now => Value::DateTime(self.ctx.now),
            Func::NumFromDate => match a.datetime(0)? {
                Some(dt) => Value::Int(f::num_from_date(dt).map_err(|e| e.at(0))?),
                None => Value::Null,
            },
            Func::PCase => {
                let separators = a.text(1)?;
                match a.text(0)? {
                    Some(s) => Value::Str(f::pcase(&s, separators.as_deref())),
                    None => Value::Null,
                }
            }
            Func::RandomString => {
                let mut n = [0i64; 5];
                for (i, slot) in n.iter_mut().enumerate() {
                    *slot = a.int(i)?.ok_or_else(|| {
                        FnError::new(Code::InvalidArgument, "RandomString's counts cannot be null").at(i)
                    })?;
                }
                let avoid = a.text(5)?.unwrap_or_default();
                Value::Str(f::random_string(self.ctx.random.as_mut(), n, &avoid)?)
            }
            Func::RemoveDuplicates => f::remove_duplicates(a.value(0)),
            Func::Replace => {
                let Some(mode) = replace_mode else {
                    return Ok(Value::Null);
                };
                let compiled;
                let regex = match (regex, mode.uses_regex()) {
                    (Some(r), _) => Some(r),
                    (None, true) => match a.text(2)? {
                        Some(pattern) => {
                            compiled = Pattern::new(&pattern).map_err(|e| {
                                FnError::new(Code::InvalidRegex, format!("invalid regular expression: {e}")).at(2)
                            })?;
                            Some(&compiled)
                        }
                        None => None,
                    },
                    (None, false) => None,
                };
                f::replace(
                    mode,
                    f::ReplaceArgs {
                        source: a.text(0)?.as_deref(),
                        old_value: a.text(1)?.as_deref(),
                        regex,
                        group: a.text(3)?.as_deref(),
                        replacement: a.text(4)?.as_deref(),
                        replacement_attribute: a.text(5)?.as_deref(),
                        template: a.text(6)?.as_deref(),
                    },
                )?
            }
            Func::SingleAppRoleAssignment => f::single_app_role(a.value(0)),
            Func::Split => match (a.text(0)?, a.text(1)?) {
                (Some(s), Some(delimiter)) => f::split(&s, &delimiter),
                (Some(s), None) => Value::Multi(vec![Value::Str(s.into_owned())]),
                _ => Value::Null,
            },
            Func::StripSpaces => a.map_text(0, f::strip_spaces)?,
            Func::ToLower | Func::ToUpper => {
                let culture = match a.text(1)? {
                    Some(name) => {
                        Some(f::Culture::parse(&name).map_err(|e| FnError::new(Code::InvalidArgument, e).at(1))?)
                    }
                    None => None,
                };
                match a.text(0)? {
                    Some(s) if func == Func::ToLower => Value::Str(f::to_lower(&s, culture)),
                    Some(s) => Value::Str(f::to_upper(&s, culture)),
                    None => Value::Null,
                }
            }
            Func::Word => Value::Str(f::word(
                a.text(0)?.as_deref(),
                a.int(1)?.unwrap_or(0),
                &a.text(2)?.unwrap_or_default(),
            )),
            // Handled lazily in `call`.
            Func::IIF
            | Func::Switch
            | Func::Coalesce
            | Func::SelectUniqueValue
            | Func::IgnoreFlowIfNullOrEmpty
            | Func::Redact => Value::Null,
        })
    }
}

/// For the unary text functions, the argument's own string when the call
/// computed it (so nothing else refers to it) and no culture is given.
fn reusable_text(func: Func, values: &mut [Cow<'_, Value>]) -> Option<String> {
    let unary = matches!(
        func,
        Func::StripSpaces | Func::NormalizeDiacritics | Func::ToLower | Func::ToUpper
    );
    let no_culture = values.get(1).is_none_or(|culture| culture.is_null());
    match values.first_mut() {
        Some(Cow::Owned(Value::Str(text))) if unary && no_culture => Some(std::mem::take(text)),
        _ => None,
    }
}

/// The unary text functions, writing into the string they are given where
/// they can: in a chain such as ToLower(StripSpaces(Join(…))) only Join allocates.
fn reuse_buffer(func: Func, mut text: String) -> String {
    match func {
        Func::StripSpaces => {
            text.retain(|c| c != ' ');
            text
        }
        Func::NormalizeDiacritics if !text.is_ascii() => f::normalize_diacritics(&text),
        Func::ToLower if text.is_ascii() => {
            text.make_ascii_lowercase();
            text
        }
        Func::ToLower => f::to_lower(&text, None),
        Func::ToUpper if text.is_ascii() => {
            text.make_ascii_uppercase();
            text
        }
        Func::ToUpper => f::to_upper(&text, None),
        _ => text,
    }
}

/// The evaluated arguments of one call, with typed accessors whose errors
/// name the argument.
struct Args<'v, 'a> {
    func: Func,
    span: Span,
    nodes: &'a [Option<Node>],
    values: &'v [Cow<'a, Value>],
}

impl Args<'_, '_> {
    fn value(&self, i: usize) -> &Value {
        self.values.get(i).map_or(&NULL, AsRef::as_ref)
    }

    fn param_name(&self, i: usize) -> &'static str {
        let info = functions::info(self.func);
        info.params
            .get(i)
            .or_else(|| info.params.last())
            .map_or("argument", |p| p.name)
    }

    /// A single value as text; `None` for null. Multi-valued values with
    /// exactly one value count as that value.
    fn text(&self, i: usize) -> Result<Option<Cow<'_, str>>, FnError> {
        let value = single(self.value(i));
        match value {
            Value::Null => Ok(None),
            Value::Multi(items) => Err(FnError::new(
                Code::InvalidArgument,
                format!(
                    "`{}` of {} expects a single value, but got {} values",
                    self.param_name(i),
                    functions::info(self.func).name,
                    items.len()
                ),
            )
            .help("pick one value with Item(...) or combine them with Join(...)")
            .at(i)),
            Value::Complex(_) => Err(FnError::new(
                Code::InvalidArgument,
                format!(
                    "`{}` of {} expects text, but got a complex value",
                    self.param_name(i),
                    functions::info(self.func).name
                ),
            )
            .at(i)),
            other => Ok(other.as_text()),
        }
    }

    fn map_text(&self, i: usize, f: impl FnOnce(&str) -> String) -> Result<Value, FnError> {
        Ok(self.text(i)?.map_or(Value::Null, |s| Value::Str(f(&s))))
    }

    fn int(&self, i: usize) -> Result<Option<i64>, FnError> {
        match single(self.value(i)) {
            Value::Null => Ok(None),
            Value::Int(n) => Ok(Some(*n)),
            Value::Str(s) if s.trim().parse::<i64>().is_ok() => Ok(s.trim().parse().ok()),
            other => Err(FnError::new(
                Code::InvalidArgument,
                format!(
                    "`{}` of {} expects a whole number, but got {} {}",
                    self.param_name(i),
                    functions::info(self.func).name,
                    other.type_name(),
                    describe(other)
                ),
            )
            .at(i)),
        }
    }

    fn datetime(&self, i: usize) -> Result<Option<chrono::DateTime<chrono::Utc>>, FnError> {
        match single(self.value(i)) {
            Value::DateTime(dt) => Ok(Some(*dt)),
            _ => match self.text(i)? {
                Some(text) => f::parse_datetime(&text).map(Some).map_err(|e| e.at(i)),
                None => Ok(None),
            },
        }
    }

    fn interval(&self, i: usize) -> Result<f::Interval, FnError> {
        let text = self.text(i)?.unwrap_or_default();
        f::Interval::parse(&text).map_err(|e| FnError::new(Code::InvalidArgument, e).help(f::Interval::HELP).at(i))
    }

    fn diagnostic(&self, e: FnError) -> Diagnostic {
        let span = e
            .arg
            .and_then(|i| self.nodes.get(i))
            .and_then(Option::as_ref)
            .map_or(self.span, |n| n.span);
        let mut d = Diagnostic::error(e.code, span, e.message);
        if span != self.span {
            d = d.with_label(
                self.span,
                format!("in this call of {}", functions::info(self.func).name),
            );
        }
        d.help = e.help;
        d
    }
}

fn single(value: &Value) -> &Value {
    match value {
        Value::Multi(items) if items.len() <= 1 => items.first().unwrap_or(&NULL),
        other => other,
    }
}

fn describe(value: &Value) -> String {
    match value.as_text() {
        Some(text) => format!("\"{text}\""),
        None => String::new(),
    }
}
