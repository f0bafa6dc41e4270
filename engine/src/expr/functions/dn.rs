//! EscapeDNComponent: one attribute value of an LDAP relative distinguished
//! name, escaped as RFC 4514 section 2.4 requires, so that a value such as
//! `Sales, EMEA` stays one value instead of changing the DN's structure.

/// Escapes `value` for use after `attr=` in a DN: `"` `+` `,` `;` `<` `>`
/// and `\` get a backslash, as do a leading space or `#` and a trailing
/// space; NUL becomes `\00`. Everything else, `=` and non-ASCII included,
/// is left as it is (RFC 4514 allows both unescaped).
pub fn escape_dn_component(value: &str) -> String {
    let last = value.chars().count().saturating_sub(1);
    let mut out = String::with_capacity(value.len() + 4);
    for (i, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '#' if i == 0 => out.push_str("\\#"),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_dn_component as esc;

    #[test]
    fn special_characters_get_a_backslash() {
        assert_eq!(esc("Sales, EMEA"), r"Sales\, EMEA");
        assert_eq!(esc("R+D"), r"R\+D");
        assert_eq!(esc(r"C:\Temp"), r"C:\\Temp");
        assert_eq!(esc(r#"The "A" team"#), r#"The \"A\" team"#);
        assert_eq!(esc("a;b"), r"a\;b");
        assert_eq!(esc("<admins>"), r"\<admins\>");
    }

    #[test]
    fn equals_signs_are_left_as_they_are() {
        assert_eq!(esc("a=b"), "a=b");
        assert_eq!(esc("=x="), "=x=");
    }

    #[test]
    fn spaces_are_escaped_only_at_either_end() {
        assert_eq!(esc(" Ada"), r"\ Ada");
        assert_eq!(esc("Ada "), r"Ada\ ");
        assert_eq!(esc(" Ada Lovelace "), r"\ Ada Lovelace\ ");
        assert_eq!(esc(" "), r"\ ");
        assert_eq!(esc("   "), r"\  \ ");
    }

    #[test]
    fn a_hash_is_escaped_only_at_the_start() {
        assert_eq!(esc("#1"), r"\#1");
        assert_eq!(esc("No #1"), "No #1");
        assert_eq!(esc("##"), r"\##");
    }

    #[test]
    fn nul_becomes_a_hex_pair() {
        assert_eq!(esc("a\0b"), r"a\00b");
    }

    #[test]
    fn plain_and_non_ascii_text_is_unchanged() {
        assert_eq!(esc(""), "");
        assert_eq!(esc("ada.lovelace"), "ada.lovelace");
        assert_eq!(esc("Zoë Åström 😀"), "Zoë Åström 😀");
        assert_eq!(esc("Straße-Müller"), "Straße-Müller");
    }

    #[test]
    fn everything_at_once() {
        assert_eq!(esc(r" #Sales, EMEA+R\D "), r"\ #Sales\, EMEA\+R\\D\ ");
    }
}
