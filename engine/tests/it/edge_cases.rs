//! Null, empty-string, boundary and Unicode behaviour of every function,
//! beyond Microsoft's own examples. Null means "the attribute is absent".

use provisio_engine::diagnostic::Code;

use crate::support::*;

const NONE: &str = "{}";
const EMPTY: &str = r#"{"a": ""}"#;

#[test]
fn append() {
    eval_ok("Append([a], [b])", NONE, "null");
    eval_str("Append([a], \"x\")", NONE, "x");
    eval_str("Append(\"x\", [a])", EMPTY, "x");
    eval_str("Append(\"Zoë\", \"😀\")", NONE, "Zoë😀");
}

#[test]
fn bit_and() {
    eval_ok("BitAnd([a], 1)", NONE, "null");
    eval_ok("BitAnd([uac], 2)", r#"{"uac": 514}"#, "2");
    eval_ok("BitAnd([uac], 2)", r#"{"uac": "512"}"#, "0");
    eval_ok("BitAnd(-1, &HFF)", NONE, "255");
    eval_err("BitAnd([a], 1)", r#"{"a": "x"}"#, Code::InvalidArgument);
}

#[test]
fn cbool_and_not() {
    eval_ok("CBool([a])", NONE, "false");
    eval_ok("CBool([a])", EMPTY, "false");
    eval_ok("CBool(1)", NONE, "true");
    eval_ok("CBool(0)", NONE, "false");
    eval_ok("CBool(\"true\")", NONE, "true");
    eval_ok("CBool([flag])", r#"{"flag": true}"#, "true");
    eval_ok("Not([a])", NONE, "true");
    eval_ok("Not([flag])", r#"{"flag": true}"#, "false");
    eval_ok("Not(\"TRUE\")", NONE, "false");
}

#[test]
fn cdate() {
    eval_ok("CDate([a])", NONE, "null");
    eval_err("CDate([a])", EMPTY, Code::InvalidDateTime);
    eval_err("CDate(\"yesterday\")", NONE, Code::InvalidDateTime);
    eval_str("CDate(\"2024-02-29\")", NONE, "2/29/2024 12:00:00 AM");
    eval_str("CDate(CDate(\"2024-02-29T12:00:00Z\"))", NONE, "2/29/2024 12:00:00 PM");
    eval_str("CDate(\" 2021-08-24T10:00:00Z \")", NONE, "8/24/2021 10:00:00 AM");
}

#[test]
fn coalesce() {
    eval_ok("Coalesce([a], [b])", NONE, "null");
    eval_str("Coalesce([a], \"fallback\")", EMPTY, "");
    eval_str("Coalesce([x], [y], \"fallback\")", NONE, "fallback");
    eval_str("Coalesce([x], , [y], \"fallback\")", NONE, "fallback");
    eval_ok("Coalesce([list])", r#"{"list": ["a"]}"#, r#"["a"]"#);
}

#[test]
fn conversions() {
    eval_ok("ConvertToBase64([a])", NONE, "null");
    eval_str("ConvertToBase64([a])", EMPTY, "");
    eval_str("ConvertToUTF8Hex(\"Zoë\")", NONE, "5A6FC3AB");
    eval_ok("ConvertToUTF8Hex([a])", NONE, "null");
    eval_ok("CStr([a])", NONE, "null");
    eval_str("CStr(42)", NONE, "42");
    eval_str("CStr([flag])", r#"{"flag": false}"#, "False");
    eval_str("CStr(CDate(\"2021-08-24\"))", NONE, "8/24/2021 12:00:00 AM");
    eval_err("CStr([list])", r#"{"list": ["a", "b"]}"#, Code::InvalidArgument);
}

#[test]
fn count_and_item() {
    eval_ok("Count([a])", NONE, "0");
    eval_ok("Count([a])", EMPTY, "1");
    eval_ok("Count([list])", r#"{"list": []}"#, "0");
    eval_ok("Item([list], 2)", r#"{"list": ["a", "b"]}"#, "\"b\"");
    eval_ok("Item([list], 3)", r#"{"list": ["a", "b"]}"#, "null");
    eval_ok("Item([list], 0)", r#"{"list": ["a", "b"]}"#, "null");
    eval_ok("Item([a], 1)", NONE, "null");
    eval_ok("Item([list], [i])", r#"{"list": ["a", "b"]}"#, "null");
}

#[test]
fn dates() {
    eval_ok("DateAdd(\"d\", 1, [a])", NONE, "null");
    eval_ok("DateAdd(\"d\", [n], Now())", NONE, "null");
    eval_str(
        "DateAdd(\"m\", 1, CDate(\"2021-01-31\"))",
        NONE,
        "2/28/2021 12:00:00 AM",
    );
    eval_str(
        "DateAdd(\"yyyy\", 1, CDate(\"2024-02-29\"))",
        NONE,
        "2/28/2025 12:00:00 AM",
    );
    eval_str(
        "DateAdd(\"h\", 25, \"2021-08-24T00:00:00Z\")",
        NONE,
        "8/25/2021 1:00:00 AM",
    );
    eval_err("DateAdd(\"yyyy\", 99999999, Now())", NONE, Code::OutOfRange);
    eval_err(
        "DateAdd([interval], 1, Now())",
        r#"{"interval": "days"}"#,
        Code::InvalidArgument,
    );
    eval_ok("DateDiff(\"d\", [a], Now())", NONE, "null");
    eval_ok(
        "DateDiff(\"d\", CDate(\"2021-08-24T23:00:00Z\"), CDate(\"2021-08-25T01:00:00Z\"))",
        NONE,
        "0",
    );
    eval_ok("DateFromNum([a])", NONE, "null");
    eval_err("DateFromNum(-1)", NONE, Code::OutOfRange);
    eval_ok("NumFromDate([a])", NONE, "null");
    eval_err("NumFromDate(\"1600-12-31T00:00:00Z\")", NONE, Code::OutOfRange);
}

#[test]
fn default_domain_needs_configuring() {
    eval_err("DefaultDomain()", NONE, Code::MissingInput);
}

#[test]
fn format_date_time() {
    eval_ok("FormatDateTime([a], , \"yyyy\", \"yy\")", NONE, "null");
    eval_err(
        "FormatDateTime([a], , \"yyyy-MM-dd\", \"yy\")",
        r#"{"a": "24.08.2021"}"#,
        Code::InvalidDateTime,
    );
    eval_str(
        "FormatDateTime(Now(), , \"yyyy\", \"yyyy-MM-dd HH:mm\")",
        NONE,
        "2021-07-02 15:33",
    );
    eval_str(
        "FormatDateTime(\"  2021-08-24 \", , \"yyyy-MM-dd\", \"dd/MM/yyyy\")",
        NONE,
        "24/08/2021",
    );
}

#[test]
fn iif() {
    eval_str("IIF([a] = [b], \"same\", \"different\")", NONE, "different");
    eval_str("IIF([a] <> \"x\", \"not x\", \"x\")", NONE, "not x");
    eval_str(
        "IIF(Count([list]) >= 2, \"many\", \"few\")",
        r#"{"list": ["a", "b"]}"#,
        "many",
    );
    eval_str("IIF([n] > 9, \"big\", \"small\")", r#"{"n": 10}"#, "big");
    eval_str("IIF([n] > \"9\", \"big\", \"small\")", r#"{"n": 10}"#, "big");
    eval_str(
        "IIF([enabled] = \"True\", \"on\", \"off\")",
        r#"{"enabled": true}"#,
        "on",
    );
    eval_ok("IIF(\"True\", [a], \"x\")", NONE, "null");
    // Only the chosen branch is evaluated, so an error in the other is harmless.
    eval_str("IIF(\"True\", \"fine\", Mid(\"x\", 0, 1))", NONE, "fine");
}

#[test]
fn instr() {
    eval_ok("InStr([a], \"x\")", NONE, "null");
    eval_ok("InStr(\"Zoë Ä\", \"ä\", 1, vbTextCompare)", NONE, "5");
    eval_ok("InStr(\"abc\", \"\")", NONE, "1");
    eval_err("InStr(\"abc\", \"a\", 0)", NONE, Code::InvalidArgument);
}

#[test]
fn is_functions() {
    for (src, none, empty) in [
        ("IsNull([a])", "true", "false"),
        ("IsNullOrEmpty([a])", "true", "true"),
        ("IsPresent([a])", "false", "false"),
        ("IsString([a])", "false", "true"),
    ] {
        eval_ok(src, NONE, none);
        eval_ok(src, EMPTY, empty);
    }
    eval_ok("IsPresent([a])", r#"{"a": " "}"#, "true");
    eval_ok("IsNullOrEmpty([list])", r#"{"list": []}"#, "true");
    eval_ok("IsString([list])", r#"{"list": ["a", "b"]}"#, "false");
}

#[test]
fn join() {
    eval_ok("Join(\",\", [a], [b])", NONE, "null");
    eval_str("Join(\",\", [a], [b])", EMPTY, "");
    eval_str("Join([sep], \"a\", \"b\")", NONE, "ab");
    eval_str("Join(\"\", 1000, [id])", r#"{"id": "7"}"#, "10007");
    eval_str("Join(\"; \", [list], \"x\")", r#"{"list": ["a", "", "b"]}"#, "a; b; x");
}

#[test]
fn left_mid_word() {
    eval_str("Left(\"😀ab\", 1)", NONE, "😀");
    eval_str("Left([a], 0)", EMPTY, "");
    eval_err("Left(\"abc\", [n])", r#"{"n": "x"}"#, Code::InvalidArgument);
    eval_ok("Mid([a], 1, 1)", NONE, "null");
    eval_str("Mid(\"Zoë\", 2, 2)", NONE, "oë");
    eval_str("Mid(\"abc\", 4, 1)", NONE, "");
    eval_err("Mid(\"abc\", 1, -1)", NONE, Code::InvalidArgument);
    eval_str("Word(\"Zoë van Berg\", 2, \" \")", NONE, "van");
    eval_str("Word(\"a,b\", -1, \",\")", NONE, "");
}

#[test]
fn multi_valued_arguments_need_one_value() {
    eval_err("ToLower([list])", r#"{"list": ["A", "B"]}"#, Code::InvalidArgument);
    eval_str("ToLower([list])", r#"{"list": ["A"]}"#, "a");
    eval_ok("ToLower([list])", r#"{"list": []}"#, "null");
}

#[test]
fn escape_dn_component() {
    let esc = |value: &str, expected: &str| {
        let object = serde_json::json!({ "v": value }).to_string();
        eval_str("EscapeDNComponent([v])", &object, expected);
    };
    eval_ok("EscapeDNComponent([a])", NONE, "null");
    esc("", "");
    esc("Sales, EMEA", r"Sales\, EMEA");
    esc("R+D", r"R\+D");
    esc("a=b", "a=b");
    esc(r"C:\Temp", r"C:\\Temp");
    esc(" Ada", r"\ Ada");
    esc("Ada ", r"Ada\ ");
    esc(" ", r"\ ");
    esc("#1", r"\#1");
    esc("No #1", "No #1");
    esc(r#"The "A" team"#, r#"The \"A\" team"#);
    esc("a;b", r"a\;b");
    esc("<admins>", r"\<admins\>");
    esc("a\0b", r"a\00b");
    esc("Zoë Åström 😀", "Zoë Åström 😀");
    eval_str("EscapeDNComponent([list])", r#"{"list": ["x,y"]}"#, r"x\,y");
    eval_err(
        "EscapeDNComponent([list])",
        r#"{"list": ["a", "b"]}"#,
        Code::InvalidArgument,
    );
    eval_str("EscapeDNComponent(42)", NONE, "42");
}

#[test]
fn normalize_diacritics() {
    eval_ok("NormalizeDiacritics([a])", NONE, "null");
    eval_str("NormalizeDiacritics([a])", EMPTY, "");
    eval_str(
        "NormalizeDiacritics(\"Øyvind Ærø Straße Łódź\")",
        NONE,
        "OEyvind AEroe Strasse Lodz",
    );
    eval_str("NormalizeDiacritics(\"Göran\")", NONE, "Goran");
}

#[test]
fn pcase() {
    eval_ok("PCase([a])", NONE, "null");
    eval_str("PCase([a])", EMPTY, "");
    eval_str("PCase(\"éLODIE ÅSTRÖM\")", NONE, "Élodie Åström");
    eval_str("PCase(\"ANNE-MARIE\")", NONE, "Anne-Marie");
    eval_str("PCase(\"ANNE-MARIE\", \" \")", NONE, "Anne-marie");
}

#[test]
fn random_string_errors() {
    eval_err("RandomString(300, 0, 0, 0, 0)", NONE, Code::InvalidArgument);
    eval_err("RandomString(2, 1, 1, 1, 0)", NONE, Code::InvalidArgument);
    eval_err("RandomString([n], 1, 1, 1, 0)", NONE, Code::InvalidArgument);
}

#[test]
fn redact() {
    let out = evaluate("Redact([a])", NONE);
    assert!(out.redacted);
    assert_eq!(out.loggable().to_json(), serde_json::Value::Null);
    assert!(evaluate("Join(\" \", \"pw:\", Redact(\"secret\"))", NONE).redacted);
}

#[test]
fn remove_duplicates_and_split() {
    eval_ok("RemoveDuplicates([a])", NONE, "null");
    eval_ok(
        "RemoveDuplicates([list])",
        r#"{"list": ["A", "a", "A"]}"#,
        r#"["A", "a"]"#,
    );
    eval_ok("Split([a], \",\")", NONE, "null");
    eval_ok("Split([a], \",\")", EMPTY, "[]");
    eval_ok("Split(\"a;b\", [sep])", NONE, r#"["a;b"]"#);
    eval_ok("Count(Split(\"a,b,c\", \",\"))", NONE, "3");
    eval_str("Item(Split(\"a,b,c\", \",\"), 2)", NONE, "b");
}

#[test]
fn replace() {
    eval_ok("Replace([a], \"x\", , , \"y\", , )", NONE, "null");
    eval_str("Replace([a], \"x\", , , \"y\", , )", EMPTY, "");
    eval_str("Replace(\"Zoë Zoë\", \"ë\", , , \"e\", , )", NONE, "Zoe Zoe");
    eval_str(
        "Replace(\"abc\", , [pattern], , \"x\", , )",
        r#"{"pattern": "b"}"#,
        "axc",
    );
    eval_err(
        "Replace(\"abc\", , [pattern], , \"x\", , )",
        r#"{"pattern": "("}"#,
        Code::InvalidRegex,
    );
    eval_str("Replace(\"a.b\", \".\", , , [nothing], , )", NONE, "ab");
}

#[test]
fn select_unique_value() {
    eval_str("SelectUniqueValue([a], \"second\")", NONE, "second");
    eval_str("SelectUniqueValue([a], \"second\")", EMPTY, "second");
    eval_err("SelectUniqueValue([a], [b])", NONE, Code::NoUniqueValue);
}

#[test]
fn strip_spaces() {
    eval_ok("StripSpaces([a])", NONE, "null");
    eval_str("StripSpaces(\" Zoë van Berg \")", NONE, "ZoëvanBerg");
    eval_str("StripSpaces(\"a\u{a0}b\")", NONE, "a\u{a0}b");
}

#[test]
fn switch() {
    eval_ok("Switch([a], , \"x\", \"1\")", NONE, "null");
    eval_str("Switch([a], \"default\", \"x\", \"1\")", NONE, "default");
    eval_str("Switch([a], \"default\", \"\", \"empty\")", NONE, "empty");
    eval_str("Switch([a], \"default\", \"X\", \"upper\")", r#"{"a": "x"}"#, "default");
    eval_str("Switch([n], \"default\", \"42\", \"answer\")", r#"{"n": 42}"#, "answer");
    // Values are evaluated only when chosen.
    eval_str(
        "Switch(\"a\", \"d\", \"a\", \"ok\", \"b\", Mid(\"x\", 0, 1))",
        NONE,
        "ok",
    );
}

#[test]
fn case_functions() {
    eval_ok("ToLower([a])", NONE, "null");
    eval_str("ToLower([a])", EMPTY, "");
    eval_str("ToUpper(\"Zoë\")", NONE, "ZOË");
    eval_str("ToLower(\"ZOË\", \"en-US\")", NONE, "zoë");
    eval_str("ToLower(\"KIRAZ\", \"tr-TR\")", NONE, "kıraz");
    eval_str("ToUpper(\"kiraz\", \"tr-TR\")", NONE, "KİRAZ");
    eval_err(
        "ToUpper(\"x\", [culture])",
        r#"{"culture": "?!"}"#,
        Code::InvalidArgument,
    );
}

#[test]
fn attribute_names() {
    eval_str(
        "[urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department]",
        r#"{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Finance"}"#,
        "Finance",
    );
    eval_str(
        "[extension_9d98ed114c4840d298fad781915f27e4_costCenter]",
        r#"{"extension_9d98ed114c4840d298fad781915f27e4_costCenter": "CC1"}"#,
        "CC1",
    );
    eval_str("[first-name.x_y]", r#"{"first-name.x_y": "ok"}"#, "ok");
    eval_ok("[Mail]", r#"{"mail": "case sensitive"}"#, "null");
}

#[test]
fn constants_and_kinds() {
    use provisio_engine::expr::{MappingKind, compile};
    assert_eq!(compile("[mail]").unwrap().kind(), MappingKind::Direct);
    assert_eq!(compile("\"Sales\"").unwrap().kind(), MappingKind::Constant);
    assert_eq!(compile("42").unwrap().kind(), MappingKind::Constant);
    assert_eq!(compile("Left([a], 1)").unwrap().kind(), MappingKind::Expression);
    eval_ok("&HFF", NONE, "255");
}
