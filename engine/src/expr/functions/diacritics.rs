//! NormalizeDiacritics with Entra's own table: accents are removed from the
//! letters a c d e g i l n o r s t u y z, and a few letters are spelled out
//! (æ→ae, ø→oe, œ→oe, ß→ss, ł→l, ı→i). Other letters keep their marks, as
//! in Entra; notably ö becomes o, not oe.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Letters that have no decomposition but an entry in Entra's table.
fn spelled_out(c: char) -> Option<&'static str> {
    Some(match c {
        'æ' => "ae",
        'Æ' => "AE",
        'ø' => "oe",
        'Ø' => "OE",
        'œ' => "oe",
        'Œ' => "OE",
        'ß' => "ss",
        'ł' => "l",
        'Ł' => "L",
        'ı' => "i",
        _ => return None,
    })
}

/// Base letters whose diacritics Entra's table removes.
fn strips_marks(base: char) -> bool {
    matches!(
        base.to_ascii_lowercase(),
        'a' | 'c' | 'd' | 'e' | 'g' | 'i' | 'l' | 'n' | 'o' | 'r' | 's' | 't' | 'u' | 'y' | 'z'
    )
}

/// Works character by character, so composed (ë) and decomposed (e + ◌̈)
/// input give the same result and untouched characters stay as they were.
pub(crate) fn normalize_diacritics(source: &str) -> String {
    if source.is_ascii() {
        return source.to_owned();
    }
    let mut out = String::with_capacity(source.len());
    // Whether combining marks that follow belong to a letter whose marks go.
    let mut dropping_marks = false;
    for c in source.chars() {
        if c.is_ascii() {
            out.push(c);
            dropping_marks = strips_marks(c) || spelled_out(c).is_some();
        } else if is_combining_mark(c) {
            if !dropping_marks {
                out.push(c);
            }
        } else if let Some(spelled) = spelled_out(c) {
            out.push_str(spelled);
            dropping_marks = true;
        } else {
            let mut base = None;
            decompose_canonical(c, |part| {
                base.get_or_insert(part);
            });
            match base {
                Some(base) if base != c && strips_marks(base) => {
                    out.push(base);
                    dropping_marks = true;
                }
                Some(base) if base != c && spelled_out(base).is_some() => {
                    out.push_str(spelled_out(base).unwrap_or_default());
                    dropping_marks = true;
                }
                _ => {
                    out.push(c);
                    dropping_marks = false;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize_diacritics as n;

    #[test]
    fn entra_table() {
        assert_eq!(n("Zoë"), "Zoe");
        assert_eq!(n("äàâãåáąăā"), "aaaaaaaaa");
        assert_eq!(n("ÄÀÂÃÅÁĄĂĀ"), "AAAAAAAAA");
        assert_eq!(n("æǣ"), "aeae");
        assert_eq!(n("Æ"), "AE");
        assert_eq!(n("çčć"), "ccc");
        assert_eq!(n("ďḏ"), "dd");
        assert_eq!(n("ëèéêęěėēḗḕ"), "eeeeeeeeee");
        assert_eq!(n("ğḡ"), "gg");
        assert_eq!(n("ïîìíıī"), "iiiiii");
        assert_eq!(n("İ"), "I");
        assert_eq!(n("ľłḹḻ"), "llll");
        assert_eq!(n("Ł"), "L");
        assert_eq!(n("ñńňṉ"), "nnnn");
        assert_eq!(n("öòőõôóōȫǭȱ"), "oooooooooo");
        assert_eq!(n("ø"), "oe");
        assert_eq!(n("Ø"), "OE");
        assert_eq!(n("ø̄"), "oe");
        assert_eq!(n("œ̄"), "oe");
        assert_eq!(n("řṟṝ"), "rrr");
        assert_eq!(n("ß"), "ss");
        assert_eq!(n("šśșş"), "ssss");
        assert_eq!(n("ťțṯ"), "ttt");
        assert_eq!(n("üùûúůűūǖṻ"), "uuuuuuuuu");
        assert_eq!(n("ÿýȳ"), "yyy");
        assert_eq!(n("źžżẕ"), "zzzz");
    }

    #[test]
    fn decomposed_input_is_handled() {
        assert_eq!(n("Zoe\u{308}"), "Zoe");
        assert_eq!(n("a\u{331}"), "a");
        assert_eq!(n("a\u{304}\u{301}"), "a");
        assert_eq!(n("k\u{301}"), "k\u{301}");
    }

    #[test]
    fn letters_outside_the_table_keep_their_marks() {
        assert_eq!(n("ḱ ĥ ŵ"), "ḱ ĥ ŵ");
        assert_eq!(n("Ĳ"), "Ĳ");
        assert_eq!(n("日本"), "日本");
    }

    #[test]
    fn everything_else_is_untouched() {
        assert_eq!(n("John.Smith@contoso.com"), "John.Smith@contoso.com");
        assert_eq!(n(""), "");
        assert_eq!(n("Björn Ångström-Øberg"), "Bjorn Angstrom-OEberg");
        assert_eq!(n("José Müller"), "Jose Muller");
    }
}
