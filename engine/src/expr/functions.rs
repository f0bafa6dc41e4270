//! The registry of built-in functions: names, parameters, documentation and
//! a worked example for each. It drives name resolution, argument checks,
//! help text, the portal's function reference and the docs test.

mod catalogue;
mod dates;
mod diacritics;
mod dn;
mod dotnet_datetime;
mod generate;
mod logic;
mod multi;
mod replace;
mod text;

use serde::Serialize;

pub use catalogue::FUNCTIONS;
pub(crate) use dates::parse_datetime;
pub(crate) use diacritics::normalize_diacritics;
pub use dn::escape_dn_component;

/// Every built-in function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Func {
    Append,
    AppRoleAssignmentsComplex,
    AssertiveAppRoleAssignmentsComplex,
    BitAnd,
    CBool,
    CDate,
    Coalesce,
    ConvertToBase64,
    ConvertToUTF8Hex,
    Count,
    CStr,
    DateAdd,
    DateDiff,
    DateFromNum,
    DefaultDomain,
    EscapeDNComponent,
    FormatDateTime,
    Guid,
    IgnoreFlowIfNullOrEmpty,
    IIF,
    InStr,
    IsNull,
    IsNullOrEmpty,
    IsPresent,
    IsString,
    Item,
    Join,
    Left,
    Mid,
    NormalizeDiacritics,
    Not,
    Now,
    NumFromDate,
    PCase,
    RandomString,
    Redact,
    RemoveDuplicates,
    Replace,
    SelectUniqueValue,
    SingleAppRoleAssignment,
    Split,
    StripSpaces,
    Switch,
    ToLower,
    ToUpper,
    Word,
}

/// How often a parameter may appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arity {
    Required,
    Optional,
    /// One or more, in place of this parameter.
    Repeating,
}

/// What a parameter expects; literal arguments are checked against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    Any,
    String,
    Integer,
    Boolean,
    DateTime,
    MultiValued,
    /// A DateAdd/DateDiff interval code such as `"d"` or `"yyyy"`.
    Interval,
    /// A .NET regular expression.
    Regex,
    /// An RFC 4646 culture name such as `"en-US"`.
    Culture,
    /// `vbTextCompare` or `vbBinaryCompare`.
    CompareMode,
    /// A .NET custom date and time format string.
    DateFormat,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Param {
    pub name: &'static str,
    pub ty: ParamType,
    pub arity: Arity,
}

/// A function's documentation, as shown in help, the portal and the docs.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FunctionInfo {
    #[serde(skip)]
    pub func: Func,
    pub name: &'static str,
    pub params: &'static [Param],
    /// For Switch: after the fixed parameters, the rest come in pairs.
    pub pairs: bool,
    pub returns: &'static str,
    pub summary: &'static str,
    /// What the function does when an input is null (absent).
    pub null_behaviour: &'static str,
    pub example: &'static str,
    /// A JSON object of the attributes the example reads.
    pub example_source: &'static str,
    /// The example's result as JSON, or `None` when it depends on time or chance.
    pub example_result: Option<&'static str>,
}

impl FunctionInfo {
    /// `Left(String, NumChars)`, with optional parameters in brackets and
    /// repeating ones followed by `…`.
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| match p.arity {
                Arity::Required => p.name.to_owned(),
                Arity::Optional => format!("[{}]", p.name),
                Arity::Repeating => format!("{}…", p.name),
            })
            .collect();
        let mut list = params.join(", ");
        if self.pairs {
            list.push_str(", …");
        }
        format!("{}({})", self.name, list)
    }

    /// The smallest and largest number of arguments (`None`: no upper bound).
    /// An optional parameter before a required one (Switch's defaultValue,
    /// FormatDateTime's dateTimeStyles) keeps its slot and may only be left empty.
    pub fn arg_range(&self) -> (usize, Option<usize>) {
        let min = self
            .params
            .iter()
            .rposition(|p| p.arity != Arity::Optional)
            .map_or(0, |last| last + 1);
        let unbounded = self.pairs || self.params.iter().any(|p| p.arity == Arity::Repeating);
        (min, if unbounded { None } else { Some(self.params.len()) })
    }
}

/// Looks a function up by its exact (case-sensitive) name.
pub fn lookup(name: &str) -> Option<&'static FunctionInfo> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

pub fn info(func: Func) -> &'static FunctionInfo {
    #[allow(clippy::indexing_slicing)] // a non-empty static table; a test shows every Func is in it
    FUNCTIONS.iter().find(|f| f.func == func).unwrap_or(&FUNCTIONS[0])
}

/// The closest known function name, for "did you mean" help.
pub fn closest(name: &str) -> Option<&'static str> {
    crate::suggest::closest(name, FUNCTIONS.iter().map(|f| f.name))
}

pub(crate) use dates::{Interval, date_add, date_diff, date_from_num, format_date_time, format_with, num_from_date};
pub(crate) use dotnet_datetime::validate_format;
pub(crate) use generate::{guid, random_string};
pub(crate) use logic::{bit_and, compare, is_single, truthy};
pub(crate) use multi::{app_role_objects, count, item, join, remove_duplicates, single_app_role, split};
pub(crate) use replace::{Mode as ReplaceMode, ReplaceArgs, replace, replace_mode};
pub(crate) use text::{
    Culture, append, base64_utf16, cstr, instr, left, mid, pcase, strip_spaces, to_lower, to_upper, utf8_hex, word,
};

/// An error from a function's implementation; the evaluator adds the span
/// of the argument it names (or of the whole call).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FnError {
    pub code: crate::diagnostic::Code,
    pub message: String,
    pub help: Option<String>,
    /// The 0-based argument at fault, if one is.
    pub arg: Option<usize>,
}

impl FnError {
    pub fn new(code: crate::diagnostic::Code, message: impl Into<String>) -> Self {
        FnError {
            code,
            message: message.into(),
            help: None,
            arg: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Blames argument `i`, unless a more specific argument is already named.
    pub fn at(mut self, i: usize) -> Self {
        self.arg.get_or_insert(i);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_sorted() {
        let names: Vec<_> = FUNCTIONS.iter().map(|f| f.name.to_lowercase()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
        assert_eq!(FUNCTIONS.len(), 46);
    }

    #[test]
    fn every_function_resolves_to_its_own_entry() {
        for f in FUNCTIONS {
            assert_eq!(info(f.func).name, f.name);
            assert_eq!(lookup(f.name).map(|i| i.func), Some(f.func));
        }
    }

    #[test]
    fn signatures() {
        assert_eq!(lookup("Left").unwrap().signature(), "Left(string, numChars)");
        assert_eq!(lookup("Join").unwrap().signature(), "Join(separator, source…)");
        assert_eq!(
            lookup("Switch").unwrap().signature(),
            "Switch(source, [defaultValue], key, value, …)"
        );
        assert_eq!(lookup("Switch").unwrap().arg_range(), (4, None));
        assert_eq!(lookup("FormatDateTime").unwrap().arg_range(), (4, Some(4)));
        assert_eq!(lookup("InStr").unwrap().arg_range(), (2, Some(4)));
    }

    #[test]
    fn closest_names() {
        assert_eq!(closest("Tolower"), Some("ToLower"));
        assert_eq!(closest("Concat"), None);
        assert_eq!(closest("Coalese"), Some("Coalesce"));
    }
}
