//! .NET date and time format strings for UTC date-times: custom specifiers and the single-letter standard formats
//! (invariant English names, en-US patterns), as `DateTime.ParseExact` and `DateTime.ToString` read them.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc};

const MONTHS: &str = "January February March April May June July August September October November December";
const MONTHS_ABBR: &str = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec";
const DAYS: &str = "Sunday Monday Tuesday Wednesday Thursday Friday Saturday";
const DAYS_ABBR: &str = "Sun Mon Tue Wed Thu Fri Sat";

/// .NET date-times carry 100 ns ticks: at most seven fraction digits.
const MAX_FRACTION_DIGITS: usize = 7;
/// .NET rejects UTC offsets beyond ±14 hours.
const MAX_OFFSET_SECONDS: i64 = 14 * 3600;

/// One piece of a format: a specifier with its repeat count, or literal text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Spec {
    Year(usize),
    Month(usize),
    Day(usize),
    Hour24(usize),
    Hour12(usize),
    Minute(usize),
    Second(usize),
    /// Fraction digits; `true` for `F`, which drops trailing zeros.
    Fraction(usize, bool),
    AmPm(usize),
    Offset(usize),
    Kind,
    Era,
    /// An unquoted literal character (a '.' before `F` is optional when parsing).
    Char(char),
    /// Quoted or backslash-escaped text.
    Text(String),
}

#[derive(Debug)]
struct Token {
    spec: Spec,
    /// The token as written, for messages.
    text: String,
}

/// The pattern of a single-letter standard format.
fn standard_pattern(c: char) -> Option<&'static str> {
    Some(match c {
        'd' => "M/d/yyyy",
        'D' => "dddd, MMMM d, yyyy",
        'f' => "dddd, MMMM d, yyyy h:mm tt",
        'F' | 'U' => "dddd, MMMM d, yyyy h:mm:ss tt",
        'g' => "M/d/yyyy h:mm tt",
        'G' => "M/d/yyyy h:mm:ss tt",
        'm' | 'M' => "MMMM d",
        'o' | 'O' => "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
        'r' | 'R' => "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
        's' => "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
        't' => "h:mm tt",
        'T' => "h:mm:ss tt",
        'u' => "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
        'y' | 'Y' => "MMMM yyyy",
        _ => return None,
    })
}

/// Splits a format into tokens. `strict` reports what .NET would reject; otherwise the
/// offending characters are kept as literal text (used when rendering cannot fail).
fn tokenize(format: &str, strict: bool) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = format.chars().collect();
    match chars.as_slice() {
        [] if strict => Err("the format is empty".to_owned()),
        [] => tokenize("G", strict),
        [c] => match standard_pattern(*c) {
            Some(pattern) => tokenize_custom(&pattern.chars().collect::<Vec<_>>(), strict),
            None if strict => {
                let hint = match specifier(*c, 1) {
                    Some(_) => format!("; for the single custom specifier write \"%{c}\""),
                    None => String::new(),
                };
                Err(format!(
                    "\"{c}\" is not a standard format (d, D, f, F, g, G, M, O, R, s, t, T, u, U, Y){hint}"
                ))
            }
            None => tokenize_custom(&chars, strict),
        },
        _ => tokenize_custom(&chars, strict),
    }
}

/// The specifier a run of `run` copies of `c` stands for (`K` stands alone).
fn specifier(c: char, run: usize) -> Option<Spec> {
    Some(match c {
        'y' => Spec::Year(run),
        'M' => Spec::Month(run),
        'd' => Spec::Day(run),
        'H' => Spec::Hour24(run),
        'h' => Spec::Hour12(run),
        'm' => Spec::Minute(run),
        's' => Spec::Second(run),
        'f' | 'F' => Spec::Fraction(run, c == 'F'),
        't' => Spec::AmPm(run),
        'z' => Spec::Offset(run),
        'g' => Spec::Era,
        'K' => Spec::Kind,
        _ => return None,
    })
}

fn tokenize_custom(chars: &[char], strict: bool) -> Result<Vec<Token>, String> {
    let slice = |from: usize, to: usize| chars.get(from..to).unwrap_or_default().iter().collect::<String>();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let start = i;
        let spec = match c {
            '%' | '\\' => {
                let next = chars.get(i + 1).copied().filter(|&next| c == '\\' || next != '%');
                i += if next.is_some() { 2 } else { 1 };
                match next {
                    Some(next) if c == '%' => specifier(next, 1).unwrap_or(Spec::Char(next)),
                    Some(next) => Spec::Text(next.to_string()),
                    None if !strict => Spec::Char(c),
                    None if c == '%' => {
                        return Err(format!(
                            "\"%\" at position {start} must be followed by a single specifier other than \"%\" \
                             (write \"\\%\" for a percent sign)"
                        ));
                    }
                    None => return Err("the format ends with a backslash, which escapes nothing".into()),
                }
            }
            '\'' | '"' => {
                let mut text = String::new();
                let mut closed = false;
                i += 1;
                while let Some(&q) = chars.get(i) {
                    i += 1;
                    if q == c {
                        closed = true;
                        break;
                    }
                    match (q, chars.get(i)) {
                        ('\\', Some(&escaped)) => {
                            text.push(escaped);
                            i += 1;
                        }
                        _ => text.push(q),
                    }
                }
                if !closed && strict {
                    return Err(format!(
                        "the quoted text starting at position {start} has no closing {c}"
                    ));
                }
                Spec::Text(text)
            }
            _ => {
                let run = chars.iter().skip(i).take_while(|&&x| x == c).count();
                let spec = specifier(c, run);
                i += if matches!(spec, None | Some(Spec::Kind)) {
                    1
                } else {
                    run
                };
                spec.unwrap_or(Spec::Char(c))
            }
        };
        let spec = match spec {
            Spec::Fraction(digits, _) if digits > MAX_FRACTION_DIGITS && strict => {
                return Err(format!(
                    "\"{}\" asks for {digits} fraction digits; date-times have at most {MAX_FRACTION_DIGITS}",
                    slice(start, i)
                ));
            }
            Spec::Fraction(digits, trim) => Spec::Fraction(digits.min(MAX_FRACTION_DIGITS), trim),
            other => other,
        };
        let text = slice(start, i);
        tokens.push(Token { spec, text });
    }
    Ok(tokens)
}

/// Checks that a format is one .NET accepts; the message says what is wrong.
pub(crate) fn validate_format(format: &str) -> Result<(), String> {
    tokenize(format, true).map(|_| ())
}

/// Renders `dt` like .NET's `DateTime.ToString(format, CultureInfo.InvariantCulture)` for a UTC value.
/// Parts of an invalid format (see [`validate_format`]) are rendered as literal text.
pub(crate) fn format(dt: &DateTime<Utc>, format: &str) -> String {
    let mut out = String::new();
    for token in tokenize(format, false).unwrap_or_default() {
        render(&mut out, dt, &token.spec);
    }
    out
}

fn pad(out: &mut String, value: impl Into<i64>, width: usize) {
    let _ = write!(out, "{:0width$}", value.into());
}

fn render(out: &mut String, dt: &DateTime<Utc>, spec: &Spec) {
    let name = |names: &'static str, i: u32| names.split(' ').nth(i as usize).unwrap_or_default();
    match *spec {
        Spec::Year(n) if n <= 2 => pad(out, dt.year().rem_euclid(100), n),
        Spec::Year(n) => pad(out, dt.year(), n),
        Spec::Month(n @ 1..=2) => pad(out, dt.month(), n),
        Spec::Month(3) => out.push_str(name(MONTHS_ABBR, dt.month0())),
        Spec::Month(_) => out.push_str(name(MONTHS, dt.month0())),
        Spec::Day(n @ 1..=2) => pad(out, dt.day(), n),
        Spec::Day(3) => out.push_str(name(DAYS_ABBR, dt.weekday().num_days_from_sunday())),
        Spec::Day(_) => out.push_str(name(DAYS, dt.weekday().num_days_from_sunday())),
        Spec::Hour24(n) => pad(out, dt.hour(), n.min(2)),
        Spec::Hour12(n) => pad(out, (dt.hour() + 11) % 12 + 1, n.min(2)),
        Spec::Minute(n) => pad(out, dt.minute(), n.min(2)),
        Spec::Second(n) => pad(out, dt.second(), n.min(2)),
        Spec::Fraction(digits, trim) => {
            let ticks = (dt.nanosecond() / 100).min(9_999_999);
            let value = ticks / 10u32.pow(u32::try_from(MAX_FRACTION_DIGITS.saturating_sub(digits)).unwrap_or(0));
            let text = format!("{value:0digits$}");
            let text = if trim { text.trim_end_matches('0') } else { &text };
            if text.is_empty() && out.ends_with('.') {
                out.pop();
            }
            out.push_str(text);
        }
        Spec::AmPm(n) => out.push_str(match (dt.hour() < 12, n) {
            (true, 1) => "A",
            (true, _) => "AM",
            (false, 1) => "P",
            (false, _) => "PM",
        }),
        Spec::Offset(1) => out.push_str("+0"),
        Spec::Offset(2) => out.push_str("+00"),
        Spec::Offset(_) => out.push_str("+00:00"),
        Spec::Kind => out.push('Z'),
        Spec::Era => out.push_str("A.D."),
        Spec::Char(c) => out.push(c),
        Spec::Text(ref text) => out.push_str(text),
    }
}

/// The fields a parse has found so far.
#[derive(Debug, Default)]
struct Fields {
    year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    hour: Option<i64>,
    minute: Option<i64>,
    second: Option<i64>,
    nanos: Option<i64>,
    /// The hour was read with `h`/`hh`.
    hour12: bool,
    /// 1 for PM, 0 for AM.
    pm: Option<i64>,
    offset: Option<i64>,
}

struct Input<'a> {
    text: &'a str,
    chars: Vec<char>,
    pos: usize,
}

impl Input<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn rest(&self) -> &[char] {
        self.chars.get(self.pos..).unwrap_or_default()
    }

    fn skip_white(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn expected(&self, what: &str, token: &Token, at: usize) -> String {
        format!(
            "expected {what} for \"{}\" at position {at} of {:?}",
            token.text, self.text
        )
    }

    /// Reads `min..=max` ASCII digits.
    fn number(&mut self, min: usize, max: usize, token: &Token) -> Result<i64, String> {
        let start = self.pos;
        let count = self.rest().iter().take(max).take_while(|c| c.is_ascii_digit()).count();
        let value = self.rest().iter().take(count).try_fold(0i64, |acc, c| {
            acc.checked_mul(10)?.checked_add(i64::from(c.to_digit(10)?))
        });
        let what = match (min, max) {
            (1, 1) => "1 digit".to_owned(),
            (a, b) if a == b => format!("{a} digits"),
            (a, b) if a + 1 == b => format!("{a} or {b} digits"),
            (a, b) => format!("{a} to {b} digits"),
        };
        match value {
            Some(value) if count >= min => {
                self.pos += count;
                Ok(value)
            }
            _ => Err(self.expected(&what, token, start)),
        }
    }

    /// A number of `min..=max` digits within `range`.
    fn ranged(&mut self, min: usize, max: usize, range: (i64, i64), what: &str, token: &Token) -> Result<i64, String> {
        let start = self.pos;
        let value = self.number(min, max, token)?;
        if (range.0..=range.1).contains(&value) {
            Ok(value)
        } else {
            Err(format!(
                "{value} is not a valid {what} for \"{}\" at position {start} of {:?}",
                token.text, self.text
            ))
        }
    }

    /// Matches the longest of the space-separated `names` (ignoring ASCII case) and returns its index.
    fn name(&mut self, names: &str, what: &str, token: &Token) -> Result<usize, String> {
        let rest = self.rest();
        let starts = |word: &str| {
            let mut it = rest.iter();
            word.chars()
                .all(|w| it.next().is_some_and(|c| c.eq_ignore_ascii_case(&w)))
        };
        let best = names
            .split(' ')
            .enumerate()
            .filter(|(_, n)| starts(n))
            .max_by_key(|(_, n)| n.len());
        match best {
            Some((i, n)) => {
                self.pos += n.chars().count();
                Ok(i)
            }
            None => Err(self.expected(what, token, self.pos)),
        }
    }

    /// A UTC offset in seconds, as .NET reads `z` (n = 1), `zz` (2) and `zzz`/`K` (3).
    fn offset(&mut self, n: usize, token: &Token) -> Result<i64, String> {
        let start = self.pos;
        let sign = match self.peek() {
            Some('+') => 1,
            Some('-') => -1,
            _ => return Err(self.expected("a UTC offset starting with + or -", token, start)),
        };
        self.pos += 1;
        let (hours, minutes) = if n <= 2 {
            (self.number(n, 2, token)?, 0)
        } else {
            let hours = self.number(1, 2, token)?;
            if self.peek() == Some(':') {
                self.pos += 1;
            }
            (hours, self.ranged(2, 2, (0, 59), "offset minute", token)?)
        };
        let seconds = sign * (hours * 3600 + minutes * 60);
        if seconds.abs() > MAX_OFFSET_SECONDS {
            return Err(format!(
                "the UTC offset at position {start} of {:?} is beyond ±14:00",
                self.text
            ));
        }
        Ok(seconds)
    }

    /// A one- or two-digit field (one digit allowed only for a single-letter specifier).
    fn two(&mut self, n: usize, range: (i64, i64), what: &str, token: &Token) -> Result<i64, String> {
        self.ranged(n.min(2), 2, range, what, token)
    }

    fn token(&mut self, token: &Token, f: &mut Fields) -> Result<(), String> {
        let start = self.pos;
        let (slot, value) = match token.spec {
            Spec::Year(n) => {
                let year = self.number(if n == 1 { 1 } else { n }, n.max(2), token)?;
                let year = match (n <= 2, year) {
                    (true, 0..=29) => 2000 + year,
                    (true, _) => 1900 + year,
                    (false, _) => year,
                };
                (&mut f.year, year)
            }
            Spec::Month(n @ 1..=2) => (&mut f.month, self.two(n, (1, 12), "month", token)?),
            Spec::Month(n) => {
                let (names, what) = match n {
                    3 => (MONTHS_ABBR, "an abbreviated month name (Jan to Dec)"),
                    _ => (MONTHS, "a month name (January to December)"),
                };
                let index = self.name(names, what, token)?;
                (&mut f.month, i64::try_from(index).unwrap_or(0) + 1)
            }
            Spec::Day(n @ 1..=2) => (&mut f.day, self.two(n, (1, 31), "day", token)?),
            Spec::Day(n) => {
                // The day of the week is read and not checked against the date.
                let (names, what) = match n {
                    3 => (DAYS_ABBR, "an abbreviated day name (Sun to Sat)"),
                    _ => (DAYS, "a day name (Sunday to Saturday)"),
                };
                return self.name(names, what, token).map(|_| ());
            }
            Spec::Hour24(n) => (&mut f.hour, self.two(n, (0, 23), "hour", token)?),
            Spec::Hour12(n) => {
                f.hour12 = true;
                (&mut f.hour, self.two(n, (0, 12), "12-hour clock hour", token)?)
            }
            Spec::Minute(n) => (&mut f.minute, self.two(n, (0, 59), "minute", token)?),
            Spec::Second(n) => (&mut f.second, self.two(n, (0, 59), "second", token)?),
            Spec::Fraction(digits, trim) => {
                let start = self.pos;
                let value = self.number(if trim { 0 } else { digits }, digits, token)?;
                let read = u32::try_from(self.pos - start).unwrap_or(0);
                (&mut f.nanos, value * 10i64.pow(9u32.saturating_sub(read)))
            }
            Spec::AmPm(n) => {
                let pm = match (n, self.peek()) {
                    (1, Some('A')) => false,
                    (1, Some('P')) => true,
                    (1, _) => return Err(self.expected("A or P", token, self.pos)),
                    _ => self.name("AM PM", "AM or PM", token)? == 1,
                };
                if n == 1 {
                    self.pos += 1;
                }
                (&mut f.pm, i64::from(pm))
            }
            Spec::Offset(n) => (&mut f.offset, self.offset(n.min(3), token)?),
            Spec::Kind => match self.peek() {
                Some('Z') => {
                    self.pos += 1;
                    (&mut f.offset, 0)
                }
                Some('+' | '-') => (&mut f.offset, self.offset(3, token)?),
                _ => return Ok(()),
            },
            Spec::Era => return self.name("A.D. AD", "the era A.D.", token).map(|_| ()),
            Spec::Char(c) if c.is_whitespace() && self.rest().is_empty() => return Ok(()),
            Spec::Char(c) => return self.literal(&c.to_string()),
            Spec::Text(ref text) => return self.literal(text),
        };
        match *slot {
            Some(old) if old != value => Err(format!(
                "\"{}\" at position {} of {:?} contradicts an earlier part of the input",
                token.text, start, self.text
            )),
            _ => {
                *slot = Some(value);
                Ok(())
            }
        }
    }

    fn literal(&mut self, text: &str) -> Result<(), String> {
        let start = self.pos;
        for c in text.chars() {
            if self.peek() != Some(c) {
                return Err(format!("expected {text:?} at position {start} of {:?}", self.text));
            }
            self.pos += 1;
        }
        Ok(())
    }
}

/// Parses `input` exactly as `format` describes, like .NET's `DateTime.ParseExact` with the invariant
/// culture and leading and trailing white space allowed. An offset in the input converts the result to
/// UTC; without one the value is taken as UTC. Missing date parts default to 1, time parts to 0.
pub(crate) fn parse_exact(input: &str, format: &str) -> Result<DateTime<Utc>, String> {
    let tokens = tokenize(format, true).map_err(|e| format!("invalid format {format:?}: {e}"))?;
    let mut p = Input {
        text: input,
        chars: input.chars().collect(),
        pos: 0,
    };
    let mut f = Fields::default();
    p.skip_white();
    let mut remaining = tokens
        .iter()
        .skip_while(|t| matches!(t.spec, Spec::Char(c) if c.is_whitespace()))
        .peekable();
    while let Some(token) = remaining.next() {
        // An unquoted '.' before `F` may be absent along with the fraction.
        if token.spec == Spec::Char('.')
            && p.peek() != Some('.')
            && remaining
                .next_if(|next| matches!(next.spec, Spec::Fraction(_, true)))
                .is_some()
        {
            continue;
        }
        p.token(token, &mut f)?;
    }
    p.skip_white();
    if !p.rest().is_empty() {
        let rest: String = p.rest().iter().collect();
        return Err(format!(
            "unexpected {rest:?} at position {} of {input:?}: the format {format:?} ends before it",
            p.pos
        ));
    }
    build(&f, input)
}

fn build(f: &Fields, input: &str) -> Result<DateTime<Utc>, String> {
    let mut hour = f.hour.unwrap_or(0);
    match (f.hour12, f.pm.map(|pm| pm == 1)) {
        (true, Some(true)) if hour < 12 => hour += 12,
        (true, Some(true)) => {}
        (true, _) if hour == 12 => hour = 0,
        (false, Some(pm)) if pm != (hour >= 12) => {
            return Err(format!(
                "hour {hour} contradicts {} in {input:?}",
                if pm { "PM" } else { "AM" }
            ));
        }
        _ => {}
    }
    let year = f.year.unwrap_or(1);
    if !(1..=9999).contains(&year) {
        return Err(format!("year {year} is outside 1 to 9999 in {input:?}"));
    }
    let (month, day) = (f.month.unwrap_or(1), f.day.unwrap_or(1));
    let date = i32::try_from(year)
        .ok()
        .zip(u32::try_from(month).ok())
        .zip(u32::try_from(day).ok())
        .and_then(|((y, m), d)| NaiveDate::from_ymd_opt(y, m, d))
        .ok_or_else(|| format!("{year:04}-{month:02}-{day:02} is not a valid date in {input:?}"))?;
    let time = [hour, f.minute.unwrap_or(0), f.second.unwrap_or(0), f.nanos.unwrap_or(0)];
    let [h, m, s, ns] = time.map(|v| u32::try_from(v).unwrap_or(u32::MAX));
    let naive = date
        .and_hms_nano_opt(h, m, s, ns)
        .ok_or_else(|| format!("{hour:02}:{m:02}:{s:02} is not a valid time in {input:?}"))?;
    let utc = TimeDelta::try_seconds(f.offset.unwrap_or(0))
        .and_then(|offset| naive.checked_sub_signed(offset))
        .filter(|dt| (1..=9999).contains(&dt.year()))
        .ok_or_else(|| format!("{input:?} is outside years 1 to 9999 in UTC"))?;
    Ok(utc.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn parses(input: &str, format: &str, expected: &str) {
        assert_eq!(
            parse_exact(input, format),
            Ok(dt(expected)),
            "{input:?} with {format:?}"
        );
    }
    fn fails(input: &str, format: &str, message: &str) {
        let err = parse_exact(input, format).unwrap_err();
        assert!(err.contains(message), "{input:?} with {format:?}: {err}");
    }
    fn renders(value: &str, format: &str, expected: &str) {
        assert_eq!(super::format(&dt(value), format), expected, "{format:?}");
    }
    fn valid(format: &str) {
        assert_eq!(validate_format(format), Ok(()), "{format:?}");
    }
    fn invalid(format: &str, message: &str) {
        let err = validate_format(format).unwrap_err();
        assert!(err.contains(message), "{format:?}: {err}");
    }

    const SAMPLE: &str = "2009-06-15T13:45:30.6175425Z";

    #[test]
    #[rustfmt::skip]
    fn validation() {
        valid("yyyy-MM-dd");
        valid("-- :: // 'text'");
        valid("d");
        valid("%d");
        valid("'it''s'");
        invalid("", "the format is empty");
        invalid("'abc", "the quoted text starting at position 0 has no closing '");
        invalid("yyyy\"MM", "the quoted text starting at position 4 has no closing \"");
        invalid("yyyy\\", "ends with a backslash");
        invalid("%", "\"%\" is not a standard format (d, D, f, F, g, G, M, O, R, s, t, T, u, U, Y)");
        invalid("K", "for the single custom specifier write \"%K\"");
        invalid("%%d", "\"%\" at position 0 must be followed by a single specifier");
        invalid("yyyy%", "\"%\" at position 4 must be followed by a single specifier");
        invalid("x", "\"x\" is not a standard format");
        invalid("ss.ffffffff", "\"ffffffff\" asks for 8 fraction digits; date-times have at most 7");
    }

    #[test]
    #[rustfmt::skip]
    fn renders_every_specifier() {
        renders(SAMPLE, "dddd, MMMM d, yyyy h:mm:ss.fff tt zzz", "Monday, June 15, 2009 1:45:30.617 PM +00:00");
        renders(SAMPLE, "y yy yyy yyyy yyyyy", "9 09 2009 2009 02009");
        renders(SAMPLE, "M MM MMM MMMM", "6 06 Jun June");
        renders(SAMPLE, "d dd ddd dddd", "15 15 Mon Monday");
        renders(SAMPLE, "H HH h hh m mm s ss", "13 13 1 01 45 45 30 30");
        renders(SAMPLE, "f ff fff ffff fffff ffffff fffffff", "6 61 617 6175 61754 617542 6175425");
        renders(SAMPLE, "F FF FFF FFFF FFFFFFF", "6 61 617 6175 6175425");
        renders(SAMPLE, "t tt z zz zzz K g", "P PM +0 +00 +00:00 Z A.D.");
        renders(SAMPLE, "HH:mm/ss 'quoted' \"dq\" \\h %d Z T", "13:45/30 quoted dq h 15 Z T");
        renders("2021-01-02T00:05:06Z", "h hh tt t", "12 12 AM A");
        renders("2021-01-02T12:05:06Z", "h hh tt t", "12 12 PM P");
        renders("0009-01-02T00:05:06Z", "y yy yyy yyyy", "9 09 009 0009");
        renders("2021-01-02T00:05:06.5Z", "ss.FFF|ss.FFFFFFF|ss.fff", "06.5|06.5|06.500");
        renders("2021-01-02T00:05:06Z", "ss.FFF|ss.fff", "06|06.000");
        renders("2021-01-02T00:05:06.0000001Z", "ss.FFFFFF|ss.FFFFFFF", "06|06.0000001");
    }

    #[test]
    #[rustfmt::skip]
    fn renders_standard_formats() {
        renders(SAMPLE, "o", "2009-06-15T13:45:30.6175425Z");
        renders(SAMPLE, "O", "2009-06-15T13:45:30.6175425Z");
        renders(SAMPLE, "s", "2009-06-15T13:45:30");
        renders(SAMPLE, "u", "2009-06-15 13:45:30Z");
        renders(SAMPLE, "d", "6/15/2009");
        renders(SAMPLE, "D", "Monday, June 15, 2009");
        renders(SAMPLE, "g", "6/15/2009 1:45 PM");
        renders(SAMPLE, "G", "6/15/2009 1:45:30 PM");
        renders(SAMPLE, "t", "1:45 PM");
        renders(SAMPLE, "T", "1:45:30 PM");
        renders(SAMPLE, "f", "Monday, June 15, 2009 1:45 PM");
        renders(SAMPLE, "F", "Monday, June 15, 2009 1:45:30 PM");
        renders(SAMPLE, "M", "June 15");
        renders(SAMPLE, "Y", "June 2009");
        renders(SAMPLE, "R", "Mon, 15 Jun 2009 13:45:30 GMT");
        renders(SAMPLE, "", "6/15/2009 1:45:30 PM");
    }

    #[test]
    fn renders_invalid_formats_literally() {
        renders(SAMPLE, "yyyy 'open", "2009 open");
        renders(SAMPLE, "x", "x");
        renders(SAMPLE, "ss\\", "30\\");
        renders(SAMPLE, "%", "%");
        renders(SAMPLE, "ss.ffffffffff", "30.6175425");
    }

    #[test]
    #[rustfmt::skip]
    fn parses_custom_formats() {
        parses("20150123105347.1Z", "yyyyMMddHHmmss.fZ", "2015-01-23T10:53:47.1Z");
        parses("2020-12-31-08:00", "yyyy-MM-ddzzz", "2020-12-31T08:00:00Z");
        parses("12/31/2020 11:59:59 PM", "M/d/yyyy hh:mm:ss tt", "2020-12-31T23:59:59Z");
        parses("  2015-01-23  ", "yyyy-MM-dd", "2015-01-23T00:00:00Z");
        parses("Monday, June 15, 2009 1:45:30.617 PM +00:00", "dddd, MMMM d, yyyy h:mm:ss.fff tt zzz", "2009-06-15T13:45:30.617Z");
        parses("15 jun 2009", "dd MMM yyyy", "2009-06-15T00:00:00Z");
        parses("mon 15 JUNE 09", "ddd d MMMM yy", "2009-06-15T00:00:00Z");
        parses("Friday 15 June 2009", "dddd d MMMM yyyy", "2009-06-15T00:00:00Z");
        parses("6/1/99", "M/d/yy", "1999-06-01T00:00:00Z");
        parses("6/1/29", "M/d/yy", "2029-06-01T00:00:00Z");
        parses("6/1/30", "M/d/yy", "1930-06-01T00:00:00Z");
        parses("6/1/5", "M/d/y", "2005-06-01T00:00:00Z");
        parses("015", "yyy", "0015-01-01T00:00:00Z");
        parses("12:05 AM", "hh:mm tt", "0001-01-01T00:05:00Z");
        parses("12:05 pm", "hh:mm tt", "0001-01-01T12:05:00Z");
        parses("1:05 P", "h:mm t", "0001-01-01T13:05:00Z");
        parses("7:05", "h:mm", "0001-01-01T07:05:00Z");
        parses("12:05", "h:mm", "0001-01-01T00:05:00Z");
        parses("13:05 PM", "H:mm tt", "0001-01-01T13:05:00Z");
        parses("2021-01-02 03:04:05.1234567", "yyyy-MM-dd HH:mm:ss.fffffff", "2021-01-02T03:04:05.1234567Z");
        parses("2021-01-02 03:04:05.12", "yyyy-MM-dd HH:mm:ss.FFFF", "2021-01-02T03:04:05.12Z");
        parses("2021-01-02 03:04:05", "yyyy-MM-dd HH:mm:ss.FFFF", "2021-01-02T03:04:05Z");
        parses("2021-01-02 03:04:05.", "yyyy-MM-dd HH:mm:ss.FFFF", "2021-01-02T03:04:05Z");
        parses("2021-01-02T03:04+0530", "yyyy-MM-dd'T'HH:mmzzz", "2021-01-01T21:34:00Z");
        parses("2021-01-02T03:04+5", "yyyy-MM-dd'T'HH:mmz", "2021-01-01T22:04:00Z");
        parses("2021-01-02T03:04-05", "yyyy-MM-dd'T'HH:mmzz", "2021-01-02T08:04:00Z");
        parses("2021-01-02T03:04Z", "yyyy-MM-dd'T'HH:mmK", "2021-01-02T03:04:00Z");
        parses("2021-01-02T03:04+01:00", "yyyy-MM-dd'T'HH:mmK", "2021-01-02T02:04:00Z");
        parses("2021-01-02T03:04", "yyyy-MM-dd'T'HH:mmK", "2021-01-02T03:04:00Z");
        parses("2021|01", "yyyy\\|MM", "2021-01-01T00:00:00Z");
        parses("21 d 2021", "%d \\d yyyy", "2021-01-21T00:00:00Z");
        parses("2021 A.D.", "yyyy g", "2021-01-01T00:00:00Z");
        parses("2021 2021", "yyyy yyyy", "2021-01-01T00:00:00Z");
    }

    #[test]
    #[rustfmt::skip]
    fn parses_standard_formats() {
        parses("2009-06-15T13:45:30.6175425Z", "o", SAMPLE);
        parses("2009-06-15T13:45:30.6175425+02:00", "o", "2009-06-15T11:45:30.6175425Z");
        parses("2009-06-15T13:45:30", "s", "2009-06-15T13:45:30Z");
        parses("2009-06-15 13:45:30Z", "u", "2009-06-15T13:45:30Z");
        parses("6/15/2009", "d", "2009-06-15T00:00:00Z");
        parses("Monday, June 15, 2009", "D", "2009-06-15T00:00:00Z");
        parses("6/15/2009 1:45 PM", "g", "2009-06-15T13:45:00Z");
        parses("6/15/2009 1:45:30 PM", "G", "2009-06-15T13:45:30Z");
        parses("1:45 PM", "t", "0001-01-01T13:45:00Z");
        parses("1:45:30 AM", "T", "0001-01-01T01:45:30Z");
        parses("Mon, 15 Jun 2009 13:45:30 GMT", "R", "2009-06-15T13:45:30Z");
    }

    #[test]
    #[rustfmt::skip]
    fn reports_parse_errors() {
        fails("2015-1x-23", "yyyy-MM-dd", "expected 2 digits for \"MM\" at position 5 of \"2015-1x-23\"");
        fails("2015/01/23", "yyyy-MM-dd", "expected \"-\" at position 4 of \"2015/01/23\"");
        fails("2015-01-23 junk", "yyyy-MM-dd", "unexpected \"junk\" at position 11 of \"2015-01-23 junk\": the format \"yyyy-MM-dd\" ends before it");
        fails("2015-13-23", "yyyy-MM-dd", "13 is not a valid month for \"MM\" at position 5");
        fails("2021-02-30", "yyyy-MM-dd", "2021-02-30 is not a valid date in \"2021-02-30\"");
        fails("0000-01-01", "yyyy-MM-dd", "year 0 is outside 1 to 9999");
        fails("0001-01-01T00:00+01:00", "yyyy-MM-dd'T'HH:mmzzz", "outside years 1 to 9999 in UTC");
        fails("20150123105347Z", "yyyyMMddHHmmss.fZ", "expected \".\" at position 14");
        fails("201501", "yyyyMMdd", "expected 2 digits for \"dd\" at position 6");
        fails("6/1/x", "M/d/y", "expected 1 or 2 digits for \"y\" at position 4");
        fails("Jux 2020", "MMM yyyy", "expected an abbreviated month name (Jan to Dec) for \"MMM\" at position 0");
        fails("Funday 2020", "dddd yyyy", "expected a day name (Sunday to Saturday) for \"dddd\" at position 0");
        fails("13:00 PM", "hh:mm tt", "13 is not a valid 12-hour clock hour for \"hh\" at position 0");
        fails("13:00 AM", "HH:mm tt", "hour 13 contradicts AM");
        fails("01:00 PM", "HH:mm tt", "hour 1 contradicts PM");
        fails("01:00 XM", "hh:mm tt", "expected AM or PM for \"tt\" at position 6");
        fails("01:00 a", "hh:mm t", "expected A or P for \"t\" at position 6");
        fails("10:00 08:00", "HH:mm zzz", "expected a UTC offset starting with + or - for \"zzz\" at position 6");
        fails("10:00 +15:00", "HH:mm zzz", "the UTC offset at position 6 of \"10:00 +15:00\" is beyond ±14:00");
        fails("10:00 +08:61", "HH:mm zzz", "61 is not a valid offset minute for \"zzz\" at position 10");
        fails("10:00 +08", "HH:mm zzz", "expected 2 digits for \"zzz\" at position 9");
        fails("10:00 +8", "HH:mm zz", "expected 2 digits for \"zz\" at position 7");
        fails("2020 2021", "yyyy yyyy", "\"yyyy\" at position 5 of \"2020 2021\" contradicts an earlier part");
        fails("1 AM PM", "h tt tt", "\"tt\" at position 5 of \"1 AM PM\" contradicts");
        fails("1.5", "s.ff", "expected 2 digits for \"ff\" at position 2");
        fails("99999999999999999999", "yyyyyyyyyyyyyyyyyyyy", "expected 20 digits");
        fails("1", "'abc", "invalid format \"'abc\": the quoted text");
        fails("2020-01-01", "x", "not a standard format");
    }

    #[test]
    fn round_trips_through_format() {
        let value = dt("2024-02-29T23:59:58.123Z");
        for format in [
            "o",
            "yyyy-MM-dd HH:mm:ss.fffffff",
            "dddd, dd MMMM yyyy HH:mm:ss.FFFFFFF zzz",
            "yyyyMMddHHmmss.fffK",
        ] {
            assert_eq!(
                parse_exact(&super::format(&value, format), format),
                Ok(value),
                "{format}"
            );
        }
    }
}
