//! Functions that make new values from the random source they are given:
//! Guid and RandomString.

use crate::diagnostic::Code;
use crate::expr::functions::FnError;
use crate::random::RandomSource;

/// A version-4 GUID in lower-case 8-4-4-4-12 form.
pub(crate) fn guid(random: &mut dyn RandomSource) -> String {
    let high = random.next_u64();
    let low = random.next_u64();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&high.to_be_bytes());
    bytes[8..].copy_from_slice(&low.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(12..16).unwrap_or_default(),
        hex.get(16..20).unwrap_or_default(),
        hex.get(20..32).unwrap_or_default()
    )
}

/// The longest string RandomString makes, as Entra documents.
pub const MAX_RANDOM_LENGTH: i64 = 256;

const DIGITS: &str = "0123456789";
/// The special characters of Windows password complexity rules.
const SPECIALS: &str = "~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/";
const CAPITALS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";

/// `counts` is [length, minimum numbers, minimum special characters, minimum
/// capitals, minimum lower-case letters], as RandomString takes them.
pub(crate) fn random_string(random: &mut dyn RandomSource, counts: [i64; 5], avoid: &str) -> Result<String, FnError> {
    let [length, numbers, specials, capitals, lower] = counts;
    if let Some(i) = counts.iter().position(|n| *n < 0) {
        return Err(FnError::new(Code::InvalidArgument, "RandomString's counts cannot be negative").at(i));
    }
    if length > MAX_RANDOM_LENGTH {
        return Err(FnError::new(
            Code::InvalidArgument,
            format!("RandomString's length is at most {MAX_RANDOM_LENGTH}, not {length}"),
        )
        .at(0));
    }
    let minimums = numbers + specials + capitals + lower;
    if minimums > length {
        return Err(FnError::new(
            Code::InvalidArgument,
            format!("RandomString's minimums add up to {minimums}, more than its length {length}"),
        )
        .at(0));
    }
    let class = |chars: &str| -> Vec<char> { chars.chars().filter(|c| !avoid.contains(*c)).collect() };
    let classes = [
        (class(DIGITS), numbers, "digits"),
        (class(SPECIALS), specials, "special characters"),
        (class(CAPITALS), capitals, "capital letters"),
        (class(LOWER), lower, "lower-case letters"),
    ];
    let mut out: Vec<char> = Vec::new();
    for (i, (chars, minimum, name)) in classes.iter().enumerate() {
        if *minimum > 0 && chars.is_empty() {
            return Err(FnError::new(
                Code::InvalidArgument,
                format!("RandomString needs {minimum} {name}, but charactersToAvoid excludes them all"),
            )
            .at(i + 1));
        }
        for _ in 0..*minimum {
            out.push(pick(random, chars));
        }
    }
    let all: Vec<char> = classes.iter().flat_map(|(chars, _, _)| chars.iter().copied()).collect();
    if all.is_empty() && length > 0 {
        return Err(FnError::new(Code::InvalidArgument, "charactersToAvoid excludes every character").at(5));
    }
    while i64::try_from(out.len()).unwrap_or(i64::MAX) < length {
        out.push(pick(random, &all));
    }
    // Fisher–Yates, so the required characters are not always at the front.
    for i in (1..out.len()).rev() {
        let j = usize::try_from(random.below(u64::try_from(i + 1).unwrap_or(1))).unwrap_or(0);
        out.swap(i, j);
    }
    Ok(out.into_iter().collect())
}

fn pick(random: &mut dyn RandomSource, chars: &[char]) -> char {
    let bound = u64::try_from(chars.len()).unwrap_or(1);
    let i = usize::try_from(random.below(bound)).unwrap_or(0);
    chars.get(i).copied().unwrap_or('x')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeededRandom;

    fn rs(counts: [i64; 5], avoid: &str) -> Result<String, FnError> {
        random_string(&mut SeededRandom::new(42), counts, avoid)
    }

    #[test]
    fn guids_are_version_4() {
        let g = guid(&mut SeededRandom::new(1));
        assert_eq!(g.len(), 36);
        assert_eq!(g.chars().nth(14), Some('4'));
        assert!(matches!(g.chars().nth(19), Some('8' | '9' | 'a' | 'b')));
        assert_ne!(g, guid(&mut SeededRandom::new(2)));
    }

    #[test]
    fn random_strings_meet_their_minimums() {
        for seed in 0..50 {
            let s = random_string(&mut SeededRandom::new(seed), [10, 2, 2, 2, 1], "?,").unwrap();
            assert_eq!(s.chars().count(), 10);
            assert!(s.chars().filter(char::is_ascii_digit).count() >= 2);
            assert!(s.chars().filter(|c| SPECIALS.contains(*c)).count() >= 2);
            assert!(s.chars().filter(char::is_ascii_uppercase).count() >= 2);
            assert!(s.chars().filter(char::is_ascii_lowercase).count() >= 1);
            assert!(!s.contains('?') && !s.contains(','));
        }
        let s = rs([6, 3, 0, 0, 3], "").unwrap();
        assert_eq!(
            s.chars().filter(char::is_ascii_digit).count() + s.chars().filter(char::is_ascii_lowercase).count(),
            6
        );
    }

    #[test]
    fn random_string_limits() {
        assert_eq!(rs([257, 0, 0, 0, 0], "").unwrap_err().arg, Some(0));
        assert!(rs([256, 0, 0, 0, 0], "").is_ok());
        assert_eq!(rs([3, 2, 2, 0, 0], "").unwrap_err().arg, Some(0));
        assert_eq!(rs([3, -1, 0, 0, 0], "").unwrap_err().arg, Some(1));
        assert_eq!(rs([3, 1, 0, 0, 0], DIGITS).unwrap_err().arg, Some(1));
        assert_eq!(rs([0, 0, 0, 0, 0], "").unwrap(), "");
    }

    #[test]
    fn the_same_seed_gives_the_same_string() {
        assert_eq!(rs([12, 1, 1, 1, 1], "").unwrap(), rs([12, 1, 1, 1, 1], "").unwrap());
    }
}
