//! How long an API token lives, as people write it: a whole number and a
//! unit, `90m`, `12h`, `30d` or `2w`.
//!
//! ```
//! use provisio_api::auth::parse_lifetime;
//!
//! assert_eq!(parse_lifetime("12h"), Ok(chrono::TimeDelta::hours(12)));
//! assert!(parse_lifetime("soon").unwrap_err().contains("e.g. 30d"));
//! ```

use chrono::TimeDelta;

/// The longest lifetime a token may be given: ten years.
pub const MAX_LIFETIME_DAYS: i64 = 3650;

/// The lifetime `text` names: `N` and `m` (minutes), `h` (hours), `d`
/// (days) or `w` (weeks); at least a minute, at most
/// [`MAX_LIFETIME_DAYS`]. The error says what is wrong.
pub fn parse_lifetime(text: &str) -> Result<TimeDelta, String> {
    let expected = "write a whole number and a unit: m (minutes), h (hours), d (days) or w (weeks), e.g. 30d";
    let trimmed = text.trim();
    let split = trimmed.len().saturating_sub(1);
    let (number, unit) = (
        trimmed.get(..split).unwrap_or_default(),
        trimmed.get(split..).unwrap_or_default(),
    );
    let per_unit: fn(i64) -> Option<TimeDelta> = match unit {
        "m" => TimeDelta::try_minutes,
        "h" => TimeDelta::try_hours,
        "d" => TimeDelta::try_days,
        "w" => TimeDelta::try_weeks,
        _ => return Err(format!("`{text}` is not a lifetime: {expected}")),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{text}` is not a lifetime: {expected}"));
    }
    let too_long = || format!("`{text}` is too long: a token lives at most {MAX_LIFETIME_DAYS} days");
    let count: i64 = number.parse().map_err(|_| too_long())?;
    let lifetime = per_unit(count).ok_or_else(too_long)?;
    if lifetime < TimeDelta::minutes(1) {
        return Err(format!("`{text}` is no lifetime: a token lives at least a minute"));
    }
    if lifetime > TimeDelta::days(MAX_LIFETIME_DAYS) {
        return Err(too_long());
    }
    Ok(lifetime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn ok(text: &str, expected: TimeDelta) {
        assert_eq!(parse_lifetime(text), Ok(expected), "{text}");
    }

    #[track_caller]
    fn err(text: &str, says: &str) {
        let message = parse_lifetime(text).unwrap_err();
        assert!(
            message.contains(says) && message.contains(&format!("`{text}`")),
            "{text}: {message}"
        );
    }

    #[test]
    fn lifetimes_are_a_number_and_a_unit() {
        ok("90m", TimeDelta::minutes(90));
        ok("12h", TimeDelta::hours(12));
        ok("30d", TimeDelta::days(30));
        ok("2w", TimeDelta::weeks(2));
        ok(" 1m ", TimeDelta::minutes(1));
        ok("3650d", TimeDelta::days(3650));
    }

    #[test]
    fn anything_else_says_how_to_write_one() {
        for bad in ["", "30", "d", "30x", "30 d", "-5d", "1.5h", "30D", "٣d", "30dd"] {
            err(bad, "e.g. 30d");
        }
        err("0m", "at least a minute");
        err("3651d", "at most 3650 days");
        err("99999999999999999999w", "at most 3650 days");
        err("9223372036854775807w", "at most 3650 days");
    }
}
