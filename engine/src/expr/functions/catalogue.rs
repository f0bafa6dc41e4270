//! The catalogue of built-in functions: every function's parameters,
//! summary, null behaviour and a worked example, in alphabetical order.

use super::{Arity, Func, FunctionInfo, Param, ParamType};

const fn req(name: &'static str, ty: ParamType) -> Param {
    Param {
        name,
        ty,
        arity: Arity::Required,
    }
}
const fn opt(name: &'static str, ty: ParamType) -> Param {
    Param {
        name,
        ty,
        arity: Arity::Optional,
    }
}
const fn many(name: &'static str, ty: ParamType) -> Param {
    Param {
        name,
        ty,
        arity: Arity::Repeating,
    }
}

use ParamType as T;

macro_rules! f {
    ($func:ident, [$($p:expr),* $(,)?], $returns:literal, $summary:literal, $null:literal,
     $example:literal, $source:literal, $result:expr) => {
        FunctionInfo {
            func: Func::$func,
            name: stringify!($func),
            params: &[$($p),*],
            pairs: false,
            returns: $returns,
            summary: $summary,
            null_behaviour: $null,
            example: $example,
            example_source: $source,
            example_result: $result,
        }
    };
}

/// Every function, in alphabetical order.
pub static FUNCTIONS: &[FunctionInfo] = &[
    f!(
        Append,
        [req("source", T::String), req("suffix", T::String)],
        "String",
        "Adds suffix to the end of source.",
        "A null source or suffix counts as empty; null only when both are null.",
        r#"Append([userPrincipalName], ".test")"#,
        r#"{"userPrincipalName": "John.Doe@contoso.com"}"#,
        Some(r#""John.Doe@contoso.com.test""#)
    ),
    f!(
        AppRoleAssignmentsComplex,
        [req("appRoleAssignments", T::MultiValued)],
        "Multi-valued roles",
        "Every app role the user holds, as SCIM role objects (value, display, type, primary=false). Updates add roles and never remove them; prefer AssertiveAppRoleAssignmentsComplex.",
        "Null gives null (no roles are sent).",
        "AppRoleAssignmentsComplex([appRoleAssignments])",
        r#"{"appRoleAssignments": ["Admin", "User"]}"#,
        Some(
            r#"[{"display":"Admin","primary":false,"type":"WindowsAzureActiveDirectoryRole","value":"Admin"},{"display":"User","primary":false,"type":"WindowsAzureActiveDirectoryRole","value":"User"}]"#
        )
    ),
    f!(
        AssertiveAppRoleAssignmentsComplex,
        [req("appRoleAssignments", T::MultiValued)],
        "Multi-valued roles",
        "Every app role the user holds, as SCIM role objects (value, display, type, primary=false). Updates replace the target's roles, so roles removed at the source are removed from the target.",
        "Null gives an empty list, which clears the target's roles.",
        "AssertiveAppRoleAssignmentsComplex([appRoleAssignments])",
        r#"{"appRoleAssignments": ["User"]}"#,
        Some(r#"[{"display":"User","primary":false,"type":"WindowsAzureActiveDirectoryRole","value":"User"}]"#)
    ),
    f!(
        BitAnd,
        [req("value1", T::Integer), req("value2", T::Integer)],
        "Integer",
        "Bitwise AND of two integers, e.g. to test userAccountControl flags.",
        "Null if either value is null.",
        "BitAnd(&HF, &HF7)",
        "{}",
        Some("7")
    ),
    f!(
        CBool,
        [req("expression", T::Any)],
        "Boolean",
        "True when the expression is true, \"True\" or a non-zero number; otherwise False.",
        "Null gives False.",
        "CBool([attribute1] = [attribute2])",
        r#"{"attribute1": "a", "attribute2": "a"}"#,
        Some("true")
    ),
    f!(
        CDate,
        [req("expression", T::String)],
        "DateTime",
        "Parses a date/time string (ISO 8601, with or without offset, or M/d/yyyy h:mm:ss tt) into a UTC date-time.",
        "Null gives null.",
        r#"CDate("2009-06-15T01:45:30-07:00")"#,
        "{}",
        Some(r#""6/15/2009 8:45:30 AM""#)
    ),
    FunctionInfo {
        func: Func::Coalesce,
        name: "Coalesce",
        params: &[many("source", T::Any)],
        pairs: false,
        returns: "String",
        summary: "The first source that is not null. An empty string counts as a value. The last argument serves as the default value.",
        null_behaviour: "Null sources are skipped; null when every source is null.",
        example: "Coalesce([mail], [userPrincipalName])",
        example_source: r#"{"userPrincipalName": "John.Doe@contoso.com"}"#,
        example_result: Some(r#""John.Doe@contoso.com""#),
    },
    f!(
        ConvertToBase64,
        [req("source", T::String)],
        "String",
        "Base64 of the string's UTF-16LE bytes.",
        "Null gives null.",
        r#"ConvertToBase64("Hello world!")"#,
        "{}",
        Some(r#""SABlAGwAbABvACAAdwBvAHIAbABkACEA""#)
    ),
    f!(
        ConvertToUTF8Hex,
        [req("source", T::String)],
        "String",
        "Upper-case hexadecimal of the string's UTF-8 bytes.",
        "Null gives null.",
        r#"ConvertToUTF8Hex("Hello world!")"#,
        "{}",
        Some(r#""48656C6C6F20776F726C6421""#)
    ),
    f!(
        Count,
        [req("attribute", T::MultiValued)],
        "Integer",
        "The number of values in a multi-valued attribute; a single value counts as 1.",
        "Null gives 0.",
        "Count([proxyAddresses])",
        r#"{"proxyAddresses": ["SMTP:a@contoso.com", "smtp:b@contoso.com"]}"#,
        Some("2")
    ),
    f!(
        CStr,
        [req("value", T::Any)],
        "String",
        "The value as a string: numbers in decimal, booleans as True/False, date-times as M/d/yyyy h:mm:ss tt.",
        "Null gives null.",
        "CStr([dn])",
        r#"{"dn": "cn=Joe,dc=contoso,dc=com"}"#,
        Some(r#""cn=Joe,dc=contoso,dc=com""#)
    ),
    f!(
        DateAdd,
        [
            req("interval", T::Interval),
            req("value", T::Integer),
            req("dateTime", T::DateTime)
        ],
        "DateTime",
        "Adds value intervals to dateTime. Intervals: yyyy (year), q (quarter), m (month), y or d (day), w (weekday: 1 day), ww (week), h (hour), n (minute), s (second).",
        "Null if value or dateTime is null.",
        r#"DateAdd("d", 7, CDate("2012-03-16-07:00"))"#,
        "{}",
        Some(r#""3/23/2012 7:00:00 AM""#)
    ),
    f!(
        DateDiff,
        [
            req("interval", T::Interval),
            req("date1", T::DateTime),
            req("date2", T::DateTime)
        ],
        "Integer",
        "date2 minus date1 in whole intervals, counted as Visual Basic's DateDiff does: negative when date2 is earlier.",
        "Null if either date is null.",
        r#"DateDiff("d", CDate("2021-08-18+08:00"), CDate("2021-08-31+08:00"))"#,
        "{}",
        Some("13")
    ),
    f!(
        DateFromNum,
        [req("value", T::Integer)],
        "DateTime",
        "Converts an Active Directory FILETIME (100-nanosecond ticks since 1601-01-01 UTC) to a date-time.",
        "Null gives null.",
        "DateFromNum([lastLogonTimestamp])",
        r#"{"lastLogonTimestamp": 129699324000000000}"#,
        Some(r#""1/1/2012 11:00:00 PM""#)
    ),
    f!(
        DefaultDomain,
        [],
        "String",
        "The organisation's default domain, as configured in Provisio's settings (PUT /api/v1/settings).",
        "Fails with a clear error when no default domain is configured.",
        r#"Join("@", [employeeId], DefaultDomain())"#,
        r#"{"employeeId": "21023"}"#,
        None
    ),
    f!(
        EscapeDNComponent,
        [req("value", T::String)],
        "String",
        "Escapes one attribute value of an LDAP DN as RFC 4514 requires: \" + , ; < > and \\ get a backslash, as do a leading space or # and a trailing space; NUL becomes \\00. Use it for every value a DN is built from, so that \"Sales, EMEA\" stays one value.",
        "Null gives null.",
        r#"Join(",", Join("=", "cn", EscapeDNComponent([displayName])), "ou=groups,dc=contoso,dc=com")"#,
        r#"{"displayName": "Sales, EMEA"}"#,
        Some(r#""cn=Sales\\, EMEA,ou=groups,dc=contoso,dc=com""#)
    ),
    f!(
        FormatDateTime,
        [
            req("source", T::String),
            opt("dateTimeStyles", T::String),
            req("inputFormat", T::DateFormat),
            req("outputFormat", T::DateFormat)
        ],
        "String",
        "Parses source with the .NET custom format inputFormat and writes it with outputFormat. dateTimeStyles is accepted for compatibility; leading and trailing white space is always allowed.",
        "Null gives null.",
        r#"FormatDateTime([extensionAttribute1], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")"#,
        r#"{"extensionAttribute1": "20150123105347.1Z"}"#,
        Some(r#""2015-01-23""#)
    ),
    f!(
        Guid,
        [],
        "String",
        "A new random GUID. Use it only during object creation.",
        "Takes no input.",
        "Guid()",
        "{}",
        None
    ),
    f!(
        IgnoreFlowIfNullOrEmpty,
        [req("expression", T::Any)],
        "Value or nothing",
        "The expression's value, but when it is null or empty the target attribute is left out of the flow entirely instead of being set.",
        "Null or empty: the attribute is not sent.",
        "IgnoreFlowIfNullOrEmpty([department])",
        r#"{"department": "Sales"}"#,
        Some(r#""Sales""#)
    ),
    f!(
        IIF,
        [
            req("condition", T::Boolean),
            req("valueIfTrue", T::Any),
            req("valueIfFalse", T::Any)
        ],
        "Value",
        "valueIfTrue when the condition is true, otherwise valueIfFalse. Only the chosen branch is evaluated.",
        "A null attribute compares unequal to everything, so the condition is simply false (Entra fails the condition instead).",
        r#"IIF([country]="USA", [country], [department])"#,
        r#"{"country": "USA", "department": "Sales"}"#,
        Some(r#""USA""#)
    ),
    f!(
        InStr,
        [
            req("value1", T::String),
            req("value2", T::String),
            opt("start", T::Integer),
            opt("compareType", T::CompareMode)
        ],
        "Integer",
        "The 1-based position of value2 in value1, searching from start; 0 when not found. vbTextCompare ignores case.",
        "Null if value1 or value2 is null.",
        r#"InStr("repEated", "e", 3, vbBinaryCompare)"#,
        "{}",
        Some("7")
    ),
    f!(
        IsNull,
        [req("expression", T::Any)],
        "Boolean",
        "True when the value is null (the attribute is absent).",
        "Null gives True.",
        "IsNull([displayName])",
        "{}",
        Some("true")
    ),
    f!(
        IsNullOrEmpty,
        [req("expression", T::Any)],
        "Boolean",
        "True when the value is null or an empty string.",
        "Null gives True.",
        "IsNullOrEmpty([displayName])",
        r#"{"displayName": ""}"#,
        Some("true")
    ),
    f!(
        IsPresent,
        [req("expression", T::Any)],
        "Boolean",
        "True when the value is neither null nor empty; the inverse of IsNullOrEmpty.",
        "Null gives False.",
        "IsPresent([displayName])",
        r#"{"displayName": "Jo"}"#,
        Some("true")
    ),
    f!(
        IsString,
        [req("expression", T::Any)],
        "Boolean",
        "True when the value can be used as a single string.",
        "Null gives False.",
        "IsString([displayName])",
        r#"{"displayName": "Jo"}"#,
        Some("true")
    ),
    f!(
        Item,
        [req("attribute", T::MultiValued), req("index", T::Integer)],
        "Value",
        "The value at a 1-based index of a multi-valued attribute.",
        "Null, or an index outside 1..Count, gives null.",
        "Item([proxyAddresses], 1)",
        r#"{"proxyAddresses": ["SMTP:a@contoso.com", "smtp:b@contoso.com"]}"#,
        Some(r#""SMTP:a@contoso.com""#)
    ),
    f!(
        Join,
        [req("separator", T::String), many("source", T::Any)],
        "String",
        "Joins the sources with the separator. Multi-valued sources contribute each value; null and empty sources are skipped, so no doubled separators appear.",
        "Null sources are skipped; null only when every source is null.",
        r#"Join(", ", "", [surname], [givenName])"#,
        r#"{"surname": "Doe", "givenName": "John"}"#,
        Some(r#""Doe, John""#)
    ),
    f!(
        Left,
        [req("string", T::String), req("numChars", T::Integer)],
        "String",
        "The first numChars characters. 0 gives \"\"; a negative count gives the whole string.",
        "Null gives \"\".",
        r#"Left("John Doe", 3)"#,
        "{}",
        Some(r#""Joh""#)
    ),
    f!(
        Mid,
        [
            req("source", T::String),
            req("start", T::Integer),
            req("length", T::Integer)
        ],
        "String",
        "length characters from the 1-based position start; stops at the end of the string.",
        "Null gives null.",
        "Mid([givenName], 1, 3)",
        r#"{"givenName": "John"}"#,
        Some(r#""Joh""#)
    ),
    f!(
        NormalizeDiacritics,
        [req("source", T::String)],
        "String",
        "Replaces accented letters by plain ones using Entra's table (ö→o, ø→oe, æ→ae, ß→ss, ł→l).",
        "Null gives null.",
        "NormalizeDiacritics([givenName])",
        r#"{"givenName": "Zoë"}"#,
        Some(r#""Zoe""#)
    ),
    f!(
        Not,
        [req("source", T::Boolean)],
        "Boolean",
        "False when source is true or \"True\" (any case), otherwise True.",
        "Null gives True.",
        "Not([accountEnabled])",
        r#"{"accountEnabled": true}"#,
        Some("false")
    ),
    f!(
        Now,
        [],
        "DateTime",
        "The current time in UTC, rendered M/d/yyyy h:mm:ss tt.",
        "Takes no input.",
        "Now()",
        "{}",
        None
    ),
    f!(
        NumFromDate,
        [req("value", T::DateTime)],
        "Integer",
        "Converts a date-time (ISO 8601 string or date-time value) to an Active Directory FILETIME, e.g. for accountExpires.",
        "Null gives null.",
        r#"NumFromDate("2012-01-01T23:00:00Z")"#,
        "{}",
        Some("129699324000000000")
    ),
    f!(
        PCase,
        [req("source", T::String), opt("wordSeparators", T::String)],
        "String",
        "Upper-cases the first letter of each word and lower-cases the rest. With wordSeparators, only those characters separate words.",
        "Null gives null.",
        r#"PCase([lastName], " '-")"#,
        r#"{"lastName": "PINTO-DE'SILVA"}"#,
        Some(r#""Pinto-De'Silva""#)
    ),
    f!(
        RandomString,
        [
            req("length", T::Integer),
            req("minimumNumbers", T::Integer),
            req("minimumSpecialCharacters", T::Integer),
            req("minimumCapital", T::Integer),
            req("minimumLowerCase", T::Integer),
            opt("charactersToAvoid", T::String)
        ],
        "String",
        "A random string of length characters (at most 256) with at least the given numbers of digits, special characters, capitals and lower-case letters, avoiding charactersToAvoid.",
        "Null arguments are an error.",
        r#"RandomString(10, 2, 2, 2, 1, "?,")"#,
        "{}",
        None
    ),
    f!(
        Redact,
        [req("value", T::Any)],
        "Value",
        "Passes the value through unchanged, but provisioning logs show [Redact] instead of it.",
        "Null gives null.",
        "Redact([userPrincipalName])",
        r#"{"userPrincipalName": "john@contoso.com"}"#,
        Some(r#""john@contoso.com""#)
    ),
    f!(
        RemoveDuplicates,
        [req("attribute", T::MultiValued)],
        "Multi-valued",
        "The values of a multi-valued attribute with duplicates removed, keeping the first of each.",
        "Null gives null.",
        "RemoveDuplicates([proxyAddresses])",
        r#"{"proxyAddresses": ["a", "b", "a"]}"#,
        Some(r#"["a","b"]"#)
    ),
    f!(
        Replace,
        [
            req("source", T::String),
            opt("oldValue", T::String),
            opt("regexPattern", T::Regex),
            opt("regexGroupName", T::String),
            opt("replacementValue", T::String),
            opt("replacementAttributeName", T::Any),
            opt("template", T::String)
        ],
        "String",
        "Five modes chosen by which arguments are given: oldValue+replacementValue; oldValue+template; regexPattern+replacementValue; regexPattern+regexGroupName+replacementValue; regexPattern+regexGroupName+replacementAttributeName. Case-sensitive; .NET regular expressions with named groups (?<name>…).",
        "Null source gives null, except in the replacementAttributeName mode, which falls back to the replacement attribute.",
        r#"Replace([mail], "@contoso.com", , , "", , )"#,
        r#"{"mail": "john.doe@contoso.com"}"#,
        Some(r#""john.doe""#)
    ),
    f!(
        SelectUniqueValue,
        [req("uniqueValueRule", T::String), many("uniqueValueRule", T::String)],
        "String",
        "Evaluates the rules in order and returns the first value that does not already exist in the target. Must be the whole expression.",
        "Null or empty candidates are skipped; when every candidate is taken the object fails and is retried.",
        r#"SelectUniqueValue(Join("@", [givenName], "contoso.com"), Join("@", Join(".", [givenName], [surname]), "contoso.com"))"#,
        r#"{"givenName": "John", "surname": "Smith"}"#,
        Some(r#""John@contoso.com""#)
    ),
    f!(
        SingleAppRoleAssignment,
        [req("appRoleAssignments", T::MultiValued)],
        "String",
        "The name of one app role the user holds (the first).",
        "Null gives null.",
        "SingleAppRoleAssignment([appRoleAssignments])",
        r#"{"appRoleAssignments": ["Admin"]}"#,
        Some(r#""Admin""#)
    ),
    f!(
        Split,
        [req("source", T::String), req("delimiter", T::String)],
        "Multi-valued",
        "Splits source at every delimiter into a multi-valued result, trimming white space around each part.",
        "Null gives null.",
        r#"Split([extensionAttribute5], ",")"#,
        r#"{"extensionAttribute5": "PermissionSetOne, PermissionSetTwo"}"#,
        Some(r#"["PermissionSetOne","PermissionSetTwo"]"#)
    ),
    f!(
        StripSpaces,
        [req("source", T::String)],
        "String",
        "Removes every space character (U+0020).",
        "Null gives null.",
        r#"StripSpaces("John Doe")"#,
        "{}",
        Some(r#""JohnDoe""#)
    ),
    FunctionInfo {
        func: Func::Switch,
        name: "Switch",
        params: &[
            req("source", T::Any),
            opt("defaultValue", T::Any),
            req("key", T::String),
            req("value", T::Any),
        ],
        pairs: true,
        returns: "Value",
        summary: "The value paired with the first key equal to source (case-sensitive), otherwise defaultValue. Keys and values come in pairs.",
        null_behaviour: "A null source matches the key \"\"; with no match and no default the result is null.",
        example: r#"Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney", "QLD", "Australia/Brisbane", "SA", "Australia/Adelaide")"#,
        example_source: r#"{"state": "QLD"}"#,
        example_result: Some(r#""Australia/Brisbane""#),
    },
    f!(
        ToLower,
        [req("source", T::String), opt("culture", T::Culture)],
        "String",
        "Lower-cases source, with the culture's rules when one is given (e.g. \"tr-TR\": I→ı).",
        "Null gives null.",
        r#"ToLower("JOHN.Smith@Contoso.com")"#,
        "{}",
        Some(r#""john.smith@contoso.com""#)
    ),
    f!(
        ToUpper,
        [req("source", T::String), opt("culture", T::Culture)],
        "String",
        "Upper-cases source, with the culture's rules when one is given (e.g. \"tr-TR\": i→İ).",
        "Null gives null.",
        r#"ToUpper("john")"#,
        "{}",
        Some(r#""JOHN""#)
    ),
    f!(
        Word,
        [
            req("string", T::String),
            req("wordNumber", T::Integer),
            req("delimiters", T::String)
        ],
        "String",
        "The wordNumber-th word (1-based), where any character of delimiters separates words and empty words are skipped.",
        "Null gives \"\"; so does a wordNumber below 1 or past the last word.",
        r#"Word("This,string!has&many separators", 3, ",!&#")"#,
        "{}",
        Some(r#""has""#)
    ),
];
