//! Distinguished names as RFC 4514 writes them: splitting off the first RDN
//! at an unescaped comma, and a comparable form in which differently escaped
//! spellings of one DN (`cn=Sales\, EMEA`, `cn=Sales\2C EMEA`) are equal.
//! Values are escaped by the engine's EscapeDNComponent, so that a comma
//! inside a value is never taken for a separator here.

use provisio_engine::expr::functions::escape_dn_component;

/// The first RDN of a DN and its parent (`None` for a one-RDN DN), split at
/// the first comma that no backslash escapes.
pub(super) fn split_dn(dn: &str) -> (&str, Option<&str>) {
    let mut escaped = false;
    for (i, c) in dn.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ',' => {
                let (rdn, parent) = (dn.get(..i).unwrap_or_default(), dn.get(i + 1..).unwrap_or_default());
                return (trim(rdn), Some(trim(parent)));
            }
            _ => {}
        }
    }
    (trim(dn), None)
}

/// Trims white space around a DN or RDN, but not an escaped space at its
/// end (`cn=Ada\ ` keeps its trailing `\ `).
pub(super) fn trim(text: &str) -> &str {
    let mut text = text.trim_start();
    while let Some(last) = text.chars().next_back().filter(|c| c.is_whitespace()) {
        let rest = text.get(..text.len() - last.len_utf8()).unwrap_or_default();
        if rest.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1 {
            break;
        }
        text = rest;
    }
    text
}

/// The DN with every value escaped as EscapeDNComponent escapes it, letter
/// case and attribute names kept: directories answer with their own
/// escaping (OpenLDAP writes `cn=Sales\2C EMEA`), and a job compares the DN
/// it reads with the one its mapping builds (`cn=Sales\, EMEA`), so the
/// same DN must read back the same way.
pub(super) fn canonical_dn(dn: &str) -> String {
    let mut rdns = Vec::new();
    let mut rest = dn;
    loop {
        let (rdn, parent) = split_dn(rest);
        let avas: Vec<String> = split_unescaped(rdn, '+')
            .into_iter()
            .map(|ava| match ava.split_once('=') {
                Some((attribute, value)) => format!("{}={}", attribute.trim(), canonical_value(trim(value))),
                None => ava.trim().to_owned(),
            })
            .collect();
        rdns.push(avas.join("+"));
        match parent {
            Some(parent) => rest = parent,
            None => break,
        }
    }
    rdns.join(",")
}

/// A value escaped in the one canonical way; a `#` hex value (BER) is kept.
fn canonical_value(value: &str) -> String {
    if value.starts_with('#') {
        return value.to_owned();
    }
    escape_dn_component(&unescape(value))
}

/// A DN in a form that compares equal to the same DN spelled with other
/// letter case, other spaces around `,`, `=` and `+`, values escaped
/// differently (`\,` or `\2C`) and multi-valued RDNs in another order.
/// Letter case is ignored in values too, as the attributes DNs are made of
/// (`cn`, `uid`, `ou`, `dc`) compare; not a schema-aware normalisation.
pub(super) fn normalised_dn(dn: &str) -> String {
    let mut rdns = Vec::new();
    let mut rest = dn;
    loop {
        let (rdn, parent) = split_dn(rest);
        rdns.push(normalised_rdn(rdn));
        match parent {
            Some(parent) => rest = parent,
            None => break,
        }
    }
    rdns.join(",")
}

fn normalised_rdn(rdn: &str) -> String {
    let mut avas: Vec<String> = split_unescaped(rdn, '+')
        .into_iter()
        .map(|ava| match ava.split_once('=') {
            Some((attribute, value)) => {
                format!("{}={}", attribute.trim().to_lowercase(), normalised_value(trim(value)))
            }
            None => ava.trim().to_lowercase(),
        })
        .collect();
    avas.sort();
    avas.join("+")
}

/// A value unescaped, lower-cased and escaped again in one canonical way; a
/// `#` hex value (BER) is kept as written, lower-cased.
fn normalised_value(value: &str) -> String {
    canonical_value(value).to_lowercase()
}

/// The value an escaped RDN value stands for: `\,` is `,`, `\2C` the byte
/// 0x2C. A dangling backslash or invalid UTF-8 is kept as it came.
pub(super) fn unescape(value: &str) -> String {
    let mut bytes = Vec::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buffer = [0; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            continue;
        }
        let mut pair = chars.clone();
        let hex = match (pair.next(), pair.next()) {
            (Some(high), Some(low)) => high
                .to_digit(16)
                .zip(low.to_digit(16))
                .and_then(|(h, l)| u8::try_from(h * 16 + l).ok()),
            _ => None,
        };
        match (hex, chars.next()) {
            (Some(byte), _) => {
                chars.next();
                bytes.push(byte);
            }
            (None, Some(escaped)) => {
                let mut buffer = [0; 4];
                bytes.extend_from_slice(escaped.encode_utf8(&mut buffer).as_bytes());
            }
            (None, None) => bytes.push(b'\\'),
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| value.to_owned())
}

/// `text` split at every `separator` that no backslash escapes.
fn split_unescaped(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            _ if c == separator => {
                parts.push(text.get(start..i).unwrap_or_default());
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(text.get(start..).unwrap_or_default());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_rdn_ends_at_the_first_unescaped_comma() {
        assert_eq!(
            split_dn(r"uid=a\,b,ou=people,dc=x"),
            (r"uid=a\,b", Some("ou=people,dc=x"))
        );
        assert_eq!(split_dn(r"cn=C:\\,ou=x"), (r"cn=C:\\", Some("ou=x")));
        assert_eq!(split_dn(r"cn=a\\\,b,ou=x"), (r"cn=a\\\,b", Some("ou=x")));
        assert_eq!(split_dn("dc=x"), ("dc=x", None));
        assert_eq!(split_dn(" cn=a , ou=x "), ("cn=a", Some("ou=x")));
    }

    #[test]
    fn an_escaped_trailing_space_is_kept() {
        assert_eq!(split_dn(r"cn=Ada\ ,ou=x"), (r"cn=Ada\ ", Some("ou=x")));
        assert_eq!(split_dn(r"cn=\ Ada\ "), (r"cn=\ Ada\ ", None));
        assert_eq!(trim(r"cn=Ada\\ "), r"cn=Ada\\");
        assert_eq!(trim(r"cn=Ada\\\ "), r"cn=Ada\\\ ");
        assert_eq!(trim("cn=a \t"), "cn=a");
    }

    #[test]
    fn values_unescape() {
        assert_eq!(unescape(r"Sales\, EMEA"), "Sales, EMEA");
        assert_eq!(unescape(r"Sales\2C EMEA"), "Sales, EMEA");
        assert_eq!(unescape(r"Sales\2c EMEA"), "Sales, EMEA");
        assert_eq!(unescape(r"C:\\Temp"), r"C:\Temp");
        assert_eq!(unescape(r"\#1\ "), "#1 ");
        assert_eq!(unescape(r"Zo\C3\AB"), "Zoë");
        assert_eq!(unescape(r"a\00b"), "a\0b");
        assert_eq!(unescape(r"a\=b"), "a=b");
        assert_eq!(unescape("trailing\\"), "trailing\\");
    }

    #[test]
    fn escaped_values_round_trip() {
        for value in [
            "Sales, EMEA",
            "R+D",
            "a=b",
            r"C:\Temp",
            " Ada ",
            "#1",
            r#"The "A" team"#,
            "a;b",
            "<x>",
            "a\0b",
            "Zoë Åström",
            r"\,+=\",
        ] {
            let dn = format!("cn={},ou=groups,dc=x", escape_dn_component(value));
            let (rdn, parent) = split_dn(&dn);
            assert_eq!(parent, Some("ou=groups,dc=x"), "{dn}");
            let escaped = rdn.strip_prefix("cn=").unwrap();
            assert_eq!(unescape(escaped), value, "{dn}");
        }
    }

    #[test]
    fn spellings_of_one_dn_compare_equal() {
        let same = |a: &str, b: &str| assert_eq!(normalised_dn(a), normalised_dn(b), "{a} vs {b}");
        same("UID=Ada, ou=People,dc=X", "uid=ada,ou=people,dc=x");
        same(r"cn=Sales\, EMEA,ou=groups", r"cn=Sales\2C EMEA,ou=groups");
        same(r"cn=a=b,dc=x", r"cn=a\3Db,dc=x");
        same(r"cn=a\=b,dc=x", r"cn=a=b,dc=x");
        same(r"cn=\#1,dc=x", r"cn=\231,dc=x");
        same(r"cn=\ Ada\ ,dc=x", r"cn=\20Ada\20,dc=x");
        same("cn=a+uid=b,dc=x", "uid=b + cn=a,dc=x");
        same("cn=Zoë,dc=x", r"cn=Zo\C3\AB,dc=x");
    }

    #[test]
    fn dns_read_back_as_escape_dn_component_writes_them() {
        let canonical = |dn: &str, expected: &str| assert_eq!(canonical_dn(dn), expected, "{dn}");
        canonical(
            r"uid=smith\2C john,ou=people,dc=example,dc=org",
            r"uid=smith\, john,ou=people,dc=example,dc=org",
        );
        canonical(r"uid=\20leading,ou=people", r"uid=\ leading,ou=people");
        canonical(r"uid=\23hash,ou=people", r"uid=\#hash,ou=people");
        canonical(r"uid=a\3Db\3B\3Cc\3E\22q\22,ou=x", r#"uid=a=b\;\<c\>\"q\",ou=x"#);
        canonical(r"cn=R\2BD\5CLab,ou=groups", r"cn=R\+D\\Lab,ou=groups");
        canonical(r"cn=Zo\C3\AB,dc=x", "cn=Zoë,dc=x");
        canonical("cn=Ada+uid=ada, ou=People", "cn=Ada+uid=ada,ou=People");
        canonical("cn=#04024869,dc=x", "cn=#04024869,dc=x");
        canonical(
            "uid=ada,ou=people,dc=example,dc=org",
            "uid=ada,ou=people,dc=example,dc=org",
        );
        for value in ["Sales, EMEA", " #x ", r"a\b", "a=b"] {
            let dn = format!("cn={},dc=x", escape_dn_component(value));
            assert_eq!(canonical_dn(&dn), dn, "already canonical");
        }
    }

    #[test]
    fn different_dns_compare_different() {
        let differ = |a: &str, b: &str| assert_ne!(normalised_dn(a), normalised_dn(b), "{a} vs {b}");
        differ(r"cn=Sales\, EMEA,ou=groups", "cn=Sales,cn=EMEA,ou=groups");
        differ(r"cn=\ Ada,dc=x", "cn=Ada,dc=x");
        differ(r"cn=R\+D,dc=x", "cn=R+D,dc=x");
    }
}
