//! Every input → output example that Microsoft documents for the functions
//! (shared/spec/entra-reference.md §1), one line per example.

use std::collections::BTreeSet;

use provisio_engine::expr::EvalContext;

use crate::support::*;

#[test]
fn append() {
    eval_str(
        r#"Append([userPrincipalName], ".test")"#,
        r#"{"userPrincipalName": "John.Doe@contoso.com"}"#,
        "John.Doe@contoso.com.test",
    );
    eval_str(
        "Append(Mid([givenName],1,3), Mid([surname],1,5))",
        r#"{"givenName": "John", "surname": "Doe"}"#,
        "JohDoe",
    );
}

#[test]
fn app_role_assignments_complex() {
    // RFC 7643's `display`, as Entra's assertive example writes it; its
    // non-assertive example writes `displayName`, which is no sub-attribute
    // of `roles` and which strict SCIM servers (scim2-server) refuse.
    let roles = r#"{"appRoleAssignments": ["Admin", "User"]}"#;
    eval_ok(
        "AppRoleAssignmentsComplex([appRoleAssignments])",
        roles,
        r#"[{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"Admin","value":"Admin"},
            {"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"User","value":"User"}]"#,
    );
    eval_ok(
        "AssertiveAppRoleAssignmentsComplex([appRoleAssignments])",
        r#"{"appRoleAssignments": ["User", "Test"]}"#,
        r#"[{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"User","value":"User"},
            {"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"Test","value":"Test"}]"#,
    );
    eval_str(
        "SingleAppRoleAssignment([appRoleAssignments])",
        r#"{"appRoleAssignments": ["Admin"]}"#,
        "Admin",
    );
}

#[test]
fn bit_and() {
    eval_ok("BitAnd(&HF, &HF7)", "{}", "7");
}

#[test]
fn cbool() {
    eval_ok(
        "CBool([attribute1] = [attribute2])",
        r#"{"attribute1": "x", "attribute2": "x"}"#,
        "true",
    );
    eval_ok(
        "CBool([attribute1] = [attribute2])",
        r#"{"attribute1": "x", "attribute2": "y"}"#,
        "false",
    );
}

#[test]
fn cdate() {
    eval_str(
        "CDate([StatusHireDate])",
        r#"{"StatusHireDate": "2020-03-16-07:00"}"#,
        "3/16/2020 7:00:00 AM",
    );
    eval_str(r#"CDate("2021-06-30+08:00")"#, "{}", "6/29/2021 4:00:00 PM");
    eval_str(r#"CDate("2009-06-15T01:45:30-07:00")"#, "{}", "6/15/2009 8:45:30 AM");
}

#[test]
fn coalesce() {
    eval_str(
        "Coalesce([mail],[userPrincipalName])",
        r#"{"userPrincipalName": "John.Doe@contoso.com"}"#,
        "John.Doe@contoso.com",
    );
}

#[test]
fn conversions() {
    eval_str(
        r#"ConvertToBase64("Hello world!")"#,
        "{}",
        "SABlAGwAbABvACAAdwBvAHIAbABkACEA",
    );
    eval_str(r#"ConvertToUTF8Hex("Hello world!")"#, "{}", "48656C6C6F20776F726C6421");
    eval_str(
        "CStr([dn])",
        r#"{"dn": "cn=Joe,dc=contoso,dc=com"}"#,
        "cn=Joe,dc=contoso,dc=com",
    );
}

#[test]
fn date_add() {
    let date = r#"CDate("2012-03-16-07:00")"#;
    eval_str(&format!(r#"DateAdd("d", 7, {date})"#), "{}", "3/23/2012 7:00:00 AM");
    eval_str(&format!(r#"DateAdd("d", -10, {date})"#), "{}", "3/6/2012 7:00:00 AM");
    eval_str(&format!(r#"DateAdd("ww", 2, {date})"#), "{}", "3/30/2012 7:00:00 AM");
    eval_str(&format!(r#"DateAdd("m", 10, {date})"#), "{}", "1/16/2013 7:00:00 AM");
    eval_str(&format!(r#"DateAdd("yyyy", 2, {date})"#), "{}", "3/16/2014 7:00:00 AM");
}

#[test]
fn date_diff() {
    eval_ok(
        r#"DateDiff("d", CDate("2021-08-18+08:00"), CDate("2021-08-31+08:00"))"#,
        "{}",
        "13",
    );
    let (d1, d2) = (r#"CDate("8/25/2021 5:41:18 PM")"#, r#"CDate("2012-03-16-07:00")"#);
    eval_ok(&format!(r#"DateDiff("d", {d1}, {d2})"#), "{}", "-3449");
    eval_ok(&format!(r#"DateDiff("ww", {d1}, {d2})"#), "{}", "-493");
    eval_ok(&format!(r#"DateDiff("m", {d1}, {d2})"#), "{}", "-113");
    eval_ok(&format!(r#"DateDiff("yyyy", {d1}, {d2})"#), "{}", "-9");
    eval_ok(
        r#"DateDiff("d", CDate("2021-08-31+08:00"), CDate("2021-08-31+08:00"))"#,
        "{}",
        "0",
    );
    eval_ok(r#"DateDiff("h", CDate("2021-08-24"), CDate("2021-08-25"))"#, "{}", "24");
    eval_ok(
        r#"DateDiff("n", CDate("2021-08-24"), CDate("2021-08-25"))"#,
        "{}",
        "1440",
    );
    eval_ok(
        r#"DateDiff("s", CDate("2021-08-24"), CDate("2021-08-25"))"#,
        "{}",
        "86400",
    );
}

#[test]
fn hire_date_composite() {
    let src = r#"Switch([Active], , "1", IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True"), "0", "False")"#;
    eval_str(src, r#"{"Active": "1", "StatusHireDate": "2021-08-01-07:00"}"#, "False");
    eval_str(src, r#"{"Active": "1", "StatusHireDate": "2021-07-04-07:00"}"#, "True");
    eval_str(src, r#"{"Active": "0", "StatusHireDate": "2021-08-01-07:00"}"#, "False");
    eval_ok(src, r#"{"Active": "2"}"#, "null");
}

#[test]
fn date_from_num_and_back() {
    eval_str("DateFromNum(129699324000000000)", "{}", "1/1/2012 11:00:00 PM");
    eval_str(
        "DateFromNum([lastLogonTimestamp])",
        r#"{"lastLogonTimestamp": 129699324000000000}"#,
        "1/1/2012 11:00:00 PM",
    );
    eval_ok(r#"NumFromDate("2012-01-01T23:00:00Z")"#, "{}", "129699324000000000");
    eval_ok(
        "NumFromDate(DateFromNum(129699324000000000))",
        "{}",
        "129699324000000000",
    );
}

#[test]
fn num_from_date_hr_examples() {
    eval_ok(
        r#"NumFromDate(Join("", FormatDateTime([ContractEndDate], ,"yyyy-MM-ddzzz", "yyyy-MM-dd"), " 23:59:59-08:00"))"#,
        r#"{"ContractEndDate": "2020-12-31-08:00"}"#,
        "132539615990000000",
    );
    eval_ok(
        r#"NumFromDate(Join("",FormatDateTime([endDate], ,"M/d/yyyy hh:mm:ss tt","yyyy-MM-dd")," 23:59:59-08:00"))"#,
        r#"{"endDate": "12/31/2020 11:59:59 PM"}"#,
        "132539615990000000",
    );
}

#[test]
fn format_date_time() {
    eval_str(
        r#"FormatDateTime([extensionAttribute1], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")"#,
        r#"{"extensionAttribute1": "20150123105347.1Z"}"#,
        "2015-01-23",
    );
}

#[test]
fn guid() {
    let value = evaluate("Guid()", "{}").value.to_string();
    let shape: Vec<usize> = value.split('-').map(str::len).collect();
    assert_eq!(shape, vec![8, 4, 4, 4, 12], "{value}");
}

#[test]
fn ignore_flow_if_null_or_empty() {
    assert!(evaluate("IgnoreFlowIfNullOrEmpty([department])", "{}").ignore_flow);
    assert!(!evaluate("IgnoreFlowIfNullOrEmpty([department])", r#"{"department": "Sales"}"#).ignore_flow);
    let prefix =
        r#"IgnoreFlowIfNullOrEmpty(Switch([prefix], "", "3443", "Dr.", "3444", "Prof.", "3445", "Prof. Dr."))"#;
    assert!(evaluate(prefix, r#"{"prefix": "9999"}"#).ignore_flow);
    let known = evaluate(prefix, r#"{"prefix": "3444"}"#);
    assert!(!known.ignore_flow);
    assert_eq!(known.value.to_string(), "Prof.");
}

#[test]
fn iif() {
    let both = r#"{"country": "USA", "state": "CA", "department": "Sales"}"#;
    eval_str(r#"IIF([country]="USA",[country],[department])"#, both, "USA");
    eval_str(
        r#"IIF([country]="USA",[country],[department])"#,
        r#"{"country": "NL", "department": "Sales"}"#,
        "Sales",
    );
    eval_str(
        r#"IIF([country]="USA",IIF([state]="CA","True","False"),"False")"#,
        both,
        "True",
    );
    eval_str(
        r#"IIF([country]="USA",IIF([state]="CA","True","False"),"False")"#,
        r#"{"country": "USA", "state": "WA"}"#,
        "False",
    );
    eval_str(
        r#"IIF([country]="USA","True",IIF([state]="CA","True","False"))"#,
        r#"{"country": "NL", "state": "CA"}"#,
        "True",
    );
}

#[test]
fn iif_with_null_conditions_is_defined() {
    // Entra fails these conditions when [country] is null; here null compares unequal.
    eval_ok(r#"IIF([country]="","Other",[country])"#, "{}", "null");
    eval_str(r#"IIF([country]="","Other",[country])"#, r#"{"country": ""}"#, "Other");
    eval_str(r#"IIF(IsNullOrEmpty([country]),"Other",[country])"#, "{}", "Other");
    eval_str(r#"IIF(IsPresent([country]),[country],"Other")"#, "{}", "Other");
    eval_str(
        r#"IIF(IsPresent([country]),[country],"Other")"#,
        r#"{"country": "NL"}"#,
        "NL",
    );
    eval_str(r#"Switch([country],[country],"","Other")"#, "{}", "Other");
}

#[test]
fn instr() {
    eval_ok(r#"InStr("The quick brown fox","quick")"#, "{}", "5");
    eval_ok(r#"InStr("repEated","e",3,vbBinaryCompare)"#, "{}", "7");
    eval_ok(r#"InStr("repEated","e",3,vbTextCompare)"#, "{}", "4");
    eval_ok(r#"InStr("abc","z")"#, "{}", "0");
}

#[test]
fn is_functions() {
    eval_ok("IsNull([displayName])", "{}", "true");
    eval_ok("IsNullOrEmpty([displayName])", r#"{"displayName": ""}"#, "true");
    eval_ok("IsPresent([displayName])", r#"{"displayName": ""}"#, "false");
    eval_ok("IsString([displayName])", r#"{"displayName": "x"}"#, "true");
    let managers = "Switch(IsPresent([directManager]),[directManager], IsPresent([skiplevelManager]),[skiplevelManager], IsPresent([director]),[director])";
    eval_str(managers, r#"{"directManager": "m1"}"#, "m1");
    let title = r#"Switch(IsPresent([jobTitle]), "DefaultValue", "True", [jobTitle])"#;
    eval_str(title, r#"{"jobTitle": "Engineer"}"#, "Engineer");
    eval_str(title, "{}", "DefaultValue");
}

#[test]
fn item_and_join() {
    eval_str(
        "Item([proxyAddresses], 1)",
        r#"{"proxyAddresses": ["SMTP:a@contoso.com", "smtp:b@contoso.com"]}"#,
        "SMTP:a@contoso.com",
    );
    eval_str(
        r#"Join(", ", "", [surname], [givenName])"#,
        r#"{"surname": "Doe", "givenName": "John"}"#,
        "Doe, John",
    );
    eval_str(
        r#"Join("@", NormalizeDiacritics(StripSpaces(Join(".", [PreferredFirstName], [PreferredLastName]))), "contoso.com")"#,
        r#"{"PreferredFirstName": "John", "PreferredLastName": "Smith"}"#,
        "John.Smith@contoso.com",
    );
}

#[test]
fn left_and_mid() {
    eval_str(r#"Left("John Doe", 3)"#, "{}", "Joh");
    eval_str(r#"Left("John Doe", 0)"#, "{}", "");
    eval_str(r#"Left("John Doe", -1)"#, "{}", "John Doe");
    eval_str("Left([missing], 3)", "{}", "");
    eval_str(r#"Left("John", 10)"#, "{}", "John");
    eval_str("Mid([givenName],1,3)", r#"{"givenName": "John"}"#, "Joh");
}

#[test]
fn normalize_diacritics_not_and_now() {
    eval_str("NormalizeDiacritics([givenName])", r#"{"givenName": "Zoë"}"#, "Zoe");
    eval_ok(r#"Not("True")"#, "{}", "false");
    eval_ok(r#"Not("False")"#, "{}", "true");
    eval_ok(r#"Not("anything")"#, "{}", "true");
    eval_str("Now()", "{}", "7/2/2021 3:33:38 PM");
}

#[test]
fn pcase() {
    eval_str(
        "PCase([firstName])",
        r#"{"firstName": "PABLO GONSALVES (SECOND)"}"#,
        "Pablo Gonsalves (Second)",
    );
    eval_str(
        r#"PCase([lastName]," '-")"#,
        r#"{"lastName": "PINTO-DE'SILVA"}"#,
        "Pinto-De'Silva",
    );
    eval_str(
        r#"PCase(Join(" ",[firstName],[lastName]))"#,
        r#"{"firstName": "GREGORY", "lastName": "JAMES"}"#,
        "Gregory James",
    );
}

#[test]
fn random_string() {
    let short = evaluate("RandomString(6,3,0,0,3)", "{}").value.to_string();
    assert_eq!(short.len(), 6);
    assert_eq!(short.chars().filter(char::is_ascii_digit).count(), 3);
    let avoiding = evaluate(r#"RandomString(10,2,2,2,1,"?,")"#, "{}").value.to_string();
    assert_eq!(avoiding.chars().count(), 10);
    assert!(!avoiding.contains('?') && !avoiding.contains(','));
}

#[test]
fn redact() {
    let out = evaluate(
        "Redact([userPrincipalName])",
        r#"{"userPrincipalName": "john@contoso.com"}"#,
    );
    assert_eq!(out.value.to_string(), "john@contoso.com");
    assert!(out.redacted);
    assert_eq!(out.loggable().to_string(), "[Redact]");
    assert!(evaluate(r#"Redact("StringToBeRedacted")"#, "{}").redacted);
    let password = evaluate("Redact(RandomString(6,3,0,0,3))", "{}");
    assert!(password.redacted);
    assert_eq!(password.value.to_string().len(), 6);
}

#[test]
fn remove_duplicates() {
    eval_ok(
        "RemoveDuplicates([proxyAddresses])",
        r#"{"proxyAddresses": ["a", "b", "a"]}"#,
        r#"["a", "b"]"#,
    );
}

#[test]
fn replace() {
    eval_str(
        r#"Replace([BusinessTitle],"Product Developer", , , "Software Engineer", , )"#,
        r#"{"BusinessTitle": "Product Developer"}"#,
        "Software Engineer",
    );
    eval_str(
        r#"Replace([UserID],"<username>", , , , , "<username>@contoso.com")"#,
        r#"{"UserID": "jsmith"}"#,
        "jsmith@contoso.com",
    );
    eval_str(
        r#"Replace([telephoneNumber], , "\\+(?<isdCode>\\d* )(?<phoneNumber>\\d{10})", , "${phoneNumber}", , )"#,
        r#"{"telephoneNumber": "+91 9998887777"}"#,
        "9998887777",
    );
    eval_str(
        r#"Replace([mobile], , "[()\\s-]+", , "", , )"#,
        r#"{"mobile": "+1 (999) 888-7777"}"#,
        "+19998887777",
    );
    eval_str(
        r#"Replace([AddressLineData], ,"(?<streetNumber>^\\d*)","streetNumber", "888", , )"#,
        r#"{"AddressLineData": "545 Tremont Street"}"#,
        "888 Tremont Street",
    );
    eval_str(
        r#"Replace([userPrincipalName], , "(?<Suffix>@(.)*)", "Suffix", "", , )"#,
        r#"{"userPrincipalName": "jsmith@contoso.com"}"#,
        "jsmith",
    );
    eval_str(
        r#"Replace([telephoneNumber], , "\\+(?<isdCode>\\d* )(?<phoneNumber>\\d{10})", "phoneNumber" , , [mobile], )"#,
        r#"{"telephoneNumber": "", "mobile": "+91 8887779999"}"#,
        "8887779999",
    );
    eval_str(
        r#"Replace([mailNickname], , "[a-zA-Z_]*", , "", , )"#,
        r#"{"mailNickname": "john_doe72"}"#,
        "72",
    );
    eval_str(
        r#"Replace([mail], "@contoso.com", , ,"", ,)"#,
        r#"{"mail": "john.doe@contoso.com"}"#,
        "john.doe",
    );
}

#[test]
fn select_unique_value() {
    let src = r#"SelectUniqueValue(
        Join("@", NormalizeDiacritics(StripSpaces(Join(".", [PreferredFirstName], [PreferredLastName]))), "contoso.com"),
        Join("@", NormalizeDiacritics(StripSpaces(Join(".", Mid([PreferredFirstName],1,1), [PreferredLastName]))), "contoso.com"),
        Join("@", NormalizeDiacritics(StripSpaces(Join(".", Mid([PreferredFirstName],1,2), [PreferredLastName]))), "contoso.com")
    )"#;
    let person = r#"{"PreferredFirstName": "John", "PreferredLastName": "Smith"}"#;
    eval_str(src, person, "John.Smith@contoso.com");
    let taken: BTreeSet<String> = ["John.Smith@contoso.com".to_owned(), "J.Smith@contoso.com".to_owned()].into();
    let out = evaluate_in(src, person, &mut EvalContext::new(now()).with_existing(taken));
    assert_eq!(out.value.to_string(), "Jo.Smith@contoso.com");
}

#[test]
fn split_and_strip_spaces() {
    eval_ok(
        r#"Split([extensionAttribute5], ",")"#,
        r#"{"extensionAttribute5": "PermissionSetOne, PermissionSetTwo"}"#,
        r#"["PermissionSetOne", "PermissionSetTwo"]"#,
    );
    eval_str(r#"StripSpaces("John Doe")"#, "{}", "JohnDoe");
}

#[test]
fn switch() {
    let states = r#"Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney","QLD", "Australia/Brisbane", "SA", "Australia/Adelaide")"#;
    eval_str(states, r#"{"state": "QLD"}"#, "Australia/Brisbane");
    eval_str(states, r#"{"state": "WA"}"#, "Australia/Sydney");
    eval_str(
        r#"Switch(ToLower([statusFlag]), "0", "true", "1", "false", "0")"#,
        r#"{"statusFlag": "TRUE"}"#,
        "1",
    );
    let flag = r#"Switch([statusFlag], "Default Value", "true", "1", "", "0")"#;
    eval_str(flag, r#"{"statusFlag": ""}"#, "0");
    eval_str(flag, "{}", "0");
    eval_str(flag, r#"{"statusFlag": "maybe"}"#, "Default Value");
    let active = r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#;
    eval_str(active, r#"{"IsSoftDeleted": false}"#, "True");
    eval_str(active, r#"{"IsSoftDeleted": true}"#, "False");
    eval_str(active, r#"{"IsSoftDeleted": "False"}"#, "True");
}

#[test]
fn to_lower_composite() {
    eval_str(
        r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [PreferredFirstName], [PreferredLastName]))), "contoso.com"))"#,
        r#"{"PreferredFirstName": "John", "PreferredLastName": "Smith"}"#,
        "john.smith@contoso.com",
    );
}

#[test]
fn word() {
    eval_str(r#"Word("The quick brown fox",3," ")"#, "{}", "brown");
    eval_str(r#"Word("This,string!has&many separators",3,",!&#")"#, "{}", "has");
    eval_str(r#"Word("The quick brown fox",0," ")"#, "{}", "");
    eval_str(r#"Word([missing],1," ")"#, "{}", "");
    eval_str(r#"Word("The quick",5," ")"#, "{}", "");
}

#[test]
fn default_domain() {
    eval_str(
        r#"Join("@", [employeeId], DefaultDomain())"#,
        r#"{"employeeId": "21023"}"#,
        "21023@contoso.com",
    );
}

#[test]
fn string_escapes() {
    eval_str(r#""Company name: \"Contoso\"""#, "{}", "Company name: \"Contoso\"");
    eval_str(r#""a\\b""#, "{}", "a\\b");
}
