//! Entra's date functions on UTC date-times: CDate's parser, DateAdd and DateDiff (Visual Basic semantics),
//! DateFromNum and NumFromDate (Active Directory FILETIME ticks) and FormatDateTime.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, Utc};

use super::FnError;
use super::dotnet_datetime;
use crate::diagnostic::Code;

const CDATE_HELP: &str = "CDate reads ISO 8601 (2021-08-24T10:00:00Z, 2021-08-24 10:00:00-07:00, 2020-03-16-07:00, \
     2021-08-24), US dates (8/25/2021, 8/25/2021 5:41:18 PM, 8/25/2021 17:41) and RFC 2822 \
     (Wed, 25 Aug 2021 17:41:18 +0000); without an offset the value is taken as UTC";

/// Whether a date-time is one .NET's `DateTime` can hold.
fn in_range(dt: &DateTime<Utc>) -> bool {
    (1..=9999).contains(&dt.year())
}

/// The .NET formats CDate tries, in order: ISO 8601 date-times with `T` or a space, optional seconds and
/// fraction and an optional offset (`K` reads `Z`, `±hh:mm` and `±hhmm`, `z` reads `±hh`), dates with an
/// optional offset, then the US forms Entra itself renders.
fn cdate_formats() -> impl Iterator<Item = String> {
    let iso_times = ["T", " "].into_iter().flat_map(|sep| {
        ["H:mm:ss.FFFFFFF", "H:mm"].into_iter().flat_map(move |time| {
            ["K", " K", "z", " z"]
                .into_iter()
                .map(move |offset| format!("yyyy-M-d'{sep}'{time}{offset}"))
        })
    });
    let rest = [
        "yyyy-M-dK",
        "yyyy-M-dz",
        "M/d/yyyy h:mm:ss.FFFFFFF tt",
        "M/d/yyyy h:mm tt",
        "M/d/yyyy H:mm:ss.FFFFFFF",
        "M/d/yyyy H:mm",
        "M/d/yyyy",
    ];
    iso_times.chain(rest.into_iter().map(str::to_owned))
}

/// CDate's parser: ISO 8601, US invariant and RFC 2822 forms; see [`CDATE_HELP`].
pub(crate) fn parse_datetime(s: &str) -> Result<DateTime<Utc>, FnError> {
    let text = s.trim();
    let exact = cdate_formats().find_map(|format| dotnet_datetime::parse_exact(text, &format).ok());
    let parsed = exact.or_else(|| {
        DateTime::parse_from_rfc3339(text)
            .or_else(|_| DateTime::parse_from_rfc2822(text))
            .ok()
            .filter(|dt| dt.offset().local_minus_utc().abs() <= 14 * 3600)
            .map(|dt| dt.with_timezone(&Utc))
            .or_else(|| {
                NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                    .ok()
                    .map(|n| n.and_utc())
            })
    });
    parsed.filter(in_range).ok_or_else(|| {
        FnError::new(
            Code::InvalidDateTime,
            format!("{s:?} is not a date/time CDate understands"),
        )
        .help(CDATE_HELP)
    })
}

/// A DateAdd/DateDiff interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interval {
    Year,
    Quarter,
    Month,
    DayOfYear,
    Day,
    Weekday,
    Week,
    Hour,
    Minute,
    Second,
}

const INTERVALS: [(&str, Interval); 10] = [
    ("yyyy", Interval::Year),
    ("q", Interval::Quarter),
    ("m", Interval::Month),
    ("y", Interval::DayOfYear),
    ("d", Interval::Day),
    ("w", Interval::Weekday),
    ("ww", Interval::Week),
    ("h", Interval::Hour),
    ("n", Interval::Minute),
    ("s", Interval::Second),
];

impl Interval {
    pub const HELP: &'static str = "intervals: yyyy (year), q (quarter), m (month), y (day of year), d (day), \
         w (weekday), ww (week), h (hour), n (minute), s (second)";

    /// Reads an interval code; the codes are case-sensitive.
    pub fn parse(code: &str) -> Result<Interval, String> {
        let find = |code: &str| {
            INTERVALS
                .iter()
                .find(|(c, _)| *c == code)
                .map(|&(_, interval)| interval)
        };
        find(code).ok_or_else(|| {
            let lower = code.to_lowercase();
            match find(&lower) {
                Some(_) => format!("unknown interval {code:?}: interval codes are lower-case, write {lower:?}"),
                None => format!("unknown interval {code:?}"),
            }
        })
    }

    /// The interval's code, e.g. `"ww"`.
    pub fn code(self) -> &'static str {
        INTERVALS
            .iter()
            .find(|&&(_, i)| i == self)
            .map_or("", |&(code, _)| code)
    }
}

/// `dt` plus `months` calendar months, the day clamped to the end of the target month.
fn add_months(dt: DateTime<Utc>, months: i64) -> Option<DateTime<Utc>> {
    let total = i64::from(dt.year())
        .checked_mul(12)?
        .checked_add(i64::from(dt.month0()))?
        .checked_add(months)?;
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = u32::try_from(total.rem_euclid(12)).ok()? + 1;
    let date = (28..=dt.day().max(28))
        .rev()
        .find_map(|day| NaiveDate::from_ymd_opt(year, month, day.min(dt.day())))?;
    Some(date.and_time(dt.time()).and_utc())
}

/// Visual Basic's `DateAdd`: calendar arithmetic for years, quarters and months, fixed lengths otherwise.
pub(crate) fn date_add(interval: Interval, n: i64, dt: DateTime<Utc>) -> Result<DateTime<Utc>, FnError> {
    let add = |delta: Option<TimeDelta>| delta.and_then(|delta| dt.checked_add_signed(delta));
    let result = match interval {
        Interval::Year => n.checked_mul(12).and_then(|months| add_months(dt, months)),
        Interval::Quarter => n.checked_mul(3).and_then(|months| add_months(dt, months)),
        Interval::Month => add_months(dt, n),
        Interval::DayOfYear | Interval::Day | Interval::Weekday => add(TimeDelta::try_days(n)),
        Interval::Week => add(TimeDelta::try_weeks(n)),
        Interval::Hour => add(TimeDelta::try_hours(n)),
        Interval::Minute => add(TimeDelta::try_minutes(n)),
        Interval::Second => add(TimeDelta::try_seconds(n)),
    };
    result.filter(in_range).ok_or_else(|| {
        FnError::new(
            Code::OutOfRange,
            format!(
                "DateAdd(\"{}\", {n}, {}) falls outside the years 1 to 9999",
                interval.code(),
                dotnet_datetime::format(&dt, "o")
            ),
        )
        .help("a date-time must stay between 0001-01-01 and 9999-12-31")
    })
}

const TICKS_PER_SECOND: i128 = 10_000_000;
const TICKS_PER_DAY: i128 = 86_400 * TICKS_PER_SECOND;

/// 100-nanosecond ticks since 1970, as .NET's `TimeSpan` counts them.
fn unix_ticks(dt: DateTime<Utc>) -> i128 {
    i128::from(dt.timestamp()) * TICKS_PER_SECOND + i128::from(dt.timestamp_subsec_nanos().min(999_999_999) / 100)
}

/// Visual Basic's `DateDiff` with the week starting on Sunday: calendar differences for years, quarters
/// and months; whole (truncated) units of the elapsed time otherwise; `ww` counts the weeks between
/// the Sundays that start each date's week.
pub(crate) fn date_diff(interval: Interval, d1: DateTime<Utc>, d2: DateTime<Utc>) -> i64 {
    let years = i64::from(d2.year()) - i64::from(d1.year());
    let quarter = |d: DateTime<Utc>| i64::from(d.month0() / 3);
    let elapsed = unix_ticks(d2) - unix_ticks(d1);
    let sunday = |d: DateTime<Utc>| unix_ticks(d) - i128::from(d.weekday().num_days_from_sunday()) * TICKS_PER_DAY;
    let result: i128 = match interval {
        Interval::Year => years.into(),
        Interval::Quarter => (years * 4 + quarter(d2) - quarter(d1)).into(),
        Interval::Month => (years * 12 + i64::from(d2.month0()) - i64::from(d1.month0())).into(),
        Interval::DayOfYear | Interval::Day => elapsed / TICKS_PER_DAY,
        Interval::Weekday => elapsed / TICKS_PER_DAY / 7,
        Interval::Week => (sunday(d2) - sunday(d1)) / TICKS_PER_DAY / 7,
        Interval::Hour => elapsed / (3600 * TICKS_PER_SECOND),
        Interval::Minute => elapsed / (60 * TICKS_PER_SECOND),
        Interval::Second => elapsed / TICKS_PER_SECOND,
    };
    i64::try_from(result).unwrap_or(if result < 0 { i64::MIN } else { i64::MAX })
}

/// Seconds from the FILETIME epoch (1601-01-01T00:00:00Z) to the Unix epoch.
const FILETIME_TO_UNIX_SECONDS: i64 = 11_644_473_600;

/// Active Directory's FILETIME (100 ns ticks since 1601-01-01T00:00:00Z) as a date-time.
pub(crate) fn date_from_num(ticks: i64) -> Result<DateTime<Utc>, FnError> {
    let seconds = ticks.div_euclid(10_000_000) - FILETIME_TO_UNIX_SECONDS;
    let nanos = u32::try_from(ticks.rem_euclid(10_000_000) * 100).unwrap_or(0);
    let help = if ticks < 0 {
        "Active Directory timestamps count 100-nanosecond intervals since 1601-01-01 and are never negative"
    } else {
        "values past 9999-12-31, such as 9223372036854775807 in accountExpires, mean \"never\": \
         test for them before converting"
    };
    let message = format!("DateFromNum({ticks}) is not a date between 1601 and 9999");
    DateTime::from_timestamp(seconds, nanos)
        .filter(|dt| ticks >= 0 && in_range(dt))
        .ok_or_else(|| FnError::new(Code::OutOfRange, message).help(help))
}

/// The inverse of [`date_from_num`]: FILETIME ticks, truncated to 100 ns.
pub(crate) fn num_from_date(dt: DateTime<Utc>) -> Result<i64, FnError> {
    let ticks = (unix_ticks(dt) + i128::from(FILETIME_TO_UNIX_SECONDS) * TICKS_PER_SECOND)
        .try_into()
        .ok();
    ticks.filter(|&t: &i64| t >= 0).ok_or_else(|| {
        FnError::new(
            Code::OutOfRange,
            format!(
                "{} cannot be an Active Directory timestamp",
                dotnet_datetime::format(&dt, "o")
            ),
        )
        .help("Active Directory timestamps start at 1601-01-01T00:00:00Z")
    })
}

/// FormatDateTime: reads `source` with the .NET `input_format`, renders it with `output_format`.
pub(crate) fn format_date_time(source: &str, input_format: &str, output_format: &str) -> Result<String, FnError> {
    const FORMAT_HELP: &str = "formats are .NET custom date and time format strings such as \"yyyyMMddHHmmss.fZ\" \
         or \"M/d/yyyy h:mm:ss tt\"";
    let bad_format = |which: &str, format: &str, e: String| {
        FnError::new(
            Code::InvalidArgument,
            format!("the {which} format {format:?} is not usable: {e}"),
        )
        .help(FORMAT_HELP)
    };
    dotnet_datetime::validate_format(input_format).map_err(|e| bad_format("input", input_format, e).at(2))?;
    dotnet_datetime::validate_format(output_format).map_err(|e| bad_format("output", output_format, e).at(3))?;
    let dt = dotnet_datetime::parse_exact(source, input_format).map_err(|e| {
        FnError::new(
            Code::InvalidDateTime,
            format!("{source:?} does not match the input format {input_format:?}: {e}"),
        )
        .help(FORMAT_HELP)
    })?;
    Ok(dotnet_datetime::format(&dt, output_format))
}

/// Renders a date-time with a .NET format (FormatDateTime on a value that is already a date-time).
pub(crate) fn format_with(dt: &DateTime<Utc>, output_format: &str) -> String {
    dotnet_datetime::format(dt, output_format)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn cdate(input: &str, expected: &str) {
        assert_eq!(
            parse_datetime(input).map_err(|e| e.message),
            Ok(utc(expected)),
            "{input:?}"
        );
    }
    fn cdate_fails(input: &str) {
        let err = parse_datetime(input).unwrap_err();
        assert_eq!(err.code, Code::InvalidDateTime, "{input:?}");
        assert_eq!(err.message, format!("{input:?} is not a date/time CDate understands"));
        assert!(err.help.is_some_and(|h| h.contains("ISO 8601")));
    }
    fn add(code: &str, n: i64, dt: &str, expected: &str) {
        let result = date_add(Interval::parse(code).unwrap(), n, utc(dt)).map_err(|e| e.message);
        assert_eq!(result, Ok(utc(expected)), "DateAdd({code:?}, {n}, {dt})");
    }
    fn add_fails(code: &str, n: i64, dt: &str) {
        let err = date_add(Interval::parse(code).unwrap(), n, utc(dt)).unwrap_err();
        assert_eq!(err.code, Code::OutOfRange, "DateAdd({code:?}, {n}, {dt})");
    }
    fn diff(code: &str, d1: &str, d2: &str, expected: i64) {
        let (d1, d2) = (parse_datetime(d1).unwrap(), parse_datetime(d2).unwrap());
        let result = date_diff(Interval::parse(code).unwrap(), d1, d2);
        assert_eq!(result, expected, "DateDiff({code:?}, {d1}, {d2})");
    }
    fn from_num(ticks: i64, expected: &str) {
        assert_eq!(
            date_from_num(ticks).map_err(|e| e.message),
            Ok(utc(expected)),
            "{ticks}"
        );
        assert_eq!(
            num_from_date(utc(expected)).map_err(|e| e.message),
            Ok(ticks),
            "{expected}"
        );
    }
    fn fdt(source: &str, input: &str, output: &str, expected: &str) {
        let result = format_date_time(source, input, output).map_err(|e| e.message);
        assert_eq!(result, Ok(expected.to_owned()));
    }
    fn fdt_fails(source: &str, input: &str, output: &str, code: Code, arg: Option<usize>, message: &str) {
        let err = format_date_time(source, input, output).unwrap_err();
        assert_eq!((err.code, err.arg), (code, arg), "{}", err.message);
        assert!(err.message.contains(message), "{}", err.message);
    }

    #[test]
    #[rustfmt::skip]
    fn cdate_reads_documented_forms() {
        cdate("2020-03-16-07:00", "2020-03-16T07:00:00Z");
        cdate("2021-06-30+08:00", "2021-06-29T16:00:00Z");
        cdate("2009-06-15T01:45:30-07:00", "2009-06-15T08:45:30Z");
        cdate("8/25/2021 5:41:18 PM", "2021-08-25T17:41:18Z");
        cdate("2021-08-24", "2021-08-24T00:00:00Z");
        cdate("2012-01-01T23:00:00-00:00", "2012-01-01T23:00:00Z");
        cdate("2021-08-24T10:00:00Z", "2021-08-24T10:00:00Z");
        cdate("2021-08-24T10:00Z", "2021-08-24T10:00:00Z");
        cdate("2021-08-24T10:00:00.1234567Z", "2021-08-24T10:00:00.1234567Z");
        cdate("2021-08-24T10:00:00.123456789Z", "2021-08-24T10:00:00.123456789Z");
        cdate("2021-08-24T10:00:00", "2021-08-24T10:00:00Z");
        cdate("2021-08-24T10:00:00.5", "2021-08-24T10:00:00.5Z");
        cdate("2021-08-24T10:00:00+0530", "2021-08-24T04:30:00Z");
        cdate("2021-08-24T10:00:00+05", "2021-08-24T05:00:00Z");
        cdate("2021-08-24 10:00:00-08:00", "2021-08-24T18:00:00Z");
        cdate("2021-08-24 10:00:00 -08:00", "2021-08-24T18:00:00Z");
        cdate("2021-08-24 10:00", "2021-08-24T10:00:00Z");
        cdate("2021-8-4 7:05:00", "2021-08-04T07:05:00Z");
        cdate("8/25/2021", "2021-08-25T00:00:00Z");
        cdate("8/25/2021 5:41 AM", "2021-08-25T05:41:00Z");
        cdate("12/25/2021 12:00:00 AM", "2021-12-25T00:00:00Z");
        cdate("8/25/2021 17:41:18", "2021-08-25T17:41:18Z");
        cdate("8/25/2021 17:41", "2021-08-25T17:41:00Z");
        cdate("Wed, 25 Aug 2021 17:41:18 +0200", "2021-08-25T15:41:18Z");
        cdate("  2021-08-24T10:00:00Z \t", "2021-08-24T10:00:00Z");
    }

    #[test]
    fn cdate_rejects_the_rest() {
        cdate_fails("yesterday");
        cdate_fails("");
        cdate_fails("2021-02-30");
        cdate_fails("2021-13-01");
        cdate_fails("13/25/2021");
        cdate_fails("8/25/2021 13:00 PM");
        cdate_fails("2021-08-24T25:00:00Z");
        cdate_fails("2021-08-24T10:00:00+15:00");
        cdate_fails("0000-01-01");
    }

    #[test]
    fn cdate_round_trips_entra_rendering() {
        let dt = utc("2021-08-25T17:41:18Z");
        for format in ["G", "o", "u", "s", "R"] {
            assert_eq!(parse_datetime(&format_with(&dt, format)).unwrap(), dt, "{format}");
        }
    }

    #[test]
    fn intervals() {
        for (code, interval) in INTERVALS {
            assert_eq!(Interval::parse(code), Ok(interval));
            assert_eq!(interval.code(), code);
            assert!(Interval::HELP.contains(&format!("{code} (")));
        }
        assert_eq!(Interval::parse("days"), Err("unknown interval \"days\"".to_owned()));
        assert_eq!(Interval::parse(""), Err("unknown interval \"\"".to_owned()));
        let upper = Interval::parse("D").unwrap_err();
        assert_eq!(
            upper,
            "unknown interval \"D\": interval codes are lower-case, write \"d\""
        );
        assert!(Interval::parse("YYYY").is_err());
    }

    #[test]
    #[rustfmt::skip]
    fn date_add_documented_vectors() {
        add("d", 7, "2012-03-16T07:00:00Z", "2012-03-23T07:00:00Z");
        add("d", -10, "2012-03-16T07:00:00Z", "2012-03-06T07:00:00Z");
        add("ww", 2, "2012-03-16T07:00:00Z", "2012-03-30T07:00:00Z");
        add("m", 10, "2012-03-16T07:00:00Z", "2013-01-16T07:00:00Z");
        add("yyyy", 2, "2012-03-16T07:00:00Z", "2014-03-16T07:00:00Z");
    }

    #[test]
    #[rustfmt::skip]
    fn date_add_every_interval() {
        add("q", 1, "2012-03-16T07:00:00Z", "2012-06-16T07:00:00Z");
        add("q", -5, "2012-03-16T07:00:00Z", "2010-12-16T07:00:00Z");
        add("m", -3, "2012-03-16T07:00:00Z", "2011-12-16T07:00:00Z");
        add("m", 0, "2012-03-16T07:00:00Z", "2012-03-16T07:00:00Z");
        add("y", 1, "2012-12-31T07:00:00Z", "2013-01-01T07:00:00Z");
        add("w", 3, "2012-03-16T07:00:00Z", "2012-03-19T07:00:00Z");
        add("h", 20, "2012-03-16T07:00:00.5Z", "2012-03-17T03:00:00.5Z");
        add("n", -61, "2012-03-16T07:00:00Z", "2012-03-16T05:59:00Z");
        add("s", 86_401, "2012-03-16T07:00:00Z", "2012-03-17T07:00:01Z");
    }

    #[test]
    #[rustfmt::skip]
    fn date_add_clamps_to_month_end() {
        add("m", 1, "2021-01-31T10:00:00Z", "2021-02-28T10:00:00Z");
        add("m", 1, "2020-01-31T10:00:00Z", "2020-02-29T10:00:00Z");
        add("m", 3, "2021-01-31T10:00:00Z", "2021-04-30T10:00:00Z");
        add("m", -1, "2021-03-29T10:00:00Z", "2021-02-28T10:00:00Z");
        add("yyyy", 1, "2020-02-29T10:00:00Z", "2021-02-28T10:00:00Z");
        add("yyyy", 4, "2020-02-29T10:00:00Z", "2024-02-29T10:00:00Z");
        add("q", 1, "2021-11-30T10:00:00Z", "2022-02-28T10:00:00Z");
    }

    #[test]
    #[rustfmt::skip]
    fn date_add_out_of_range() {
        add_fails("yyyy", 99_999, "2012-03-16T07:00:00Z");
        add_fails("yyyy", -2012, "2012-03-16T07:00:00Z");
        add_fails("m", i64::MAX, "2012-03-16T07:00:00Z");
        add_fails("yyyy", i64::MIN, "2012-03-16T07:00:00Z");
        add_fails("d", 3_000_000, "2012-03-16T07:00:00Z");
        add_fails("ww", i64::MAX, "2012-03-16T07:00:00Z");
        add_fails("s", i64::MIN, "2012-03-16T07:00:00Z");
        add_fails("s", 1, "9999-12-31T23:59:59Z");
        add("s", -1, "0001-01-01T00:00:01Z", "0001-01-01T00:00:00Z");
        let err = date_add(Interval::Year, 99_999, utc("2012-03-16T07:00:00Z")).unwrap_err();
        assert_eq!(err.message, "DateAdd(\"yyyy\", 99999, 2012-03-16T07:00:00.0000000Z) falls outside the years 1 to 9999");
    }

    #[test]
    #[rustfmt::skip]
    fn date_diff_documented_vectors() {
        diff("d", "2021-08-18+08:00", "2021-08-31+08:00", 13);
        diff("d", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -3449);
        diff("ww", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -493);
        diff("m", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -113);
        diff("yyyy", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -9);
        diff("d", "2021-08-24", "2021-08-24", 0);
        diff("h", "2021-08-24", "2021-08-25", 24);
        diff("n", "2021-08-24", "2021-08-25", 1440);
        diff("s", "2021-08-24", "2021-08-25", 86400);
    }

    #[test]
    #[rustfmt::skip]
    fn date_diff_every_interval() {
        for (code, _) in INTERVALS {
            diff(code, "2021-08-24T10:00:00Z", "2021-08-24T10:00:00Z", 0);
        }
        diff("yyyy", "2021-12-31T23:59:59Z", "2022-01-01T00:00:00Z", 1);
        diff("q", "2021-03-31", "2021-04-01", 1);
        diff("q", "2021-01-01", "2021-03-31", 0);
        diff("q", "2022-01-15", "2021-12-15", -1);
        diff("q", "2020-05-01", "2022-02-01", 7);
        diff("m", "2021-01-31", "2021-02-01", 1);
        diff("y", "2021-08-24T10:00:00Z", "2021-08-25T09:59:59Z", 0);
        diff("d", "2021-08-25T09:59:59Z", "2021-08-24T10:00:00Z", 0);
        diff("d", "2021-08-25T10:00:01Z", "2021-08-24T10:00:00Z", -1);
        diff("w", "2021-08-01", "2021-08-14T23:59:59Z", 1);
        diff("w", "2021-08-01", "2021-08-15", 2);
        diff("w", "2021-08-15", "2021-08-01T00:00:01Z", -1);
        diff("h", "2021-08-24T10:59:59Z", "2021-08-24T10:00:00Z", 0);
        diff("n", "2021-08-24T10:00:00Z", "2021-08-24T10:01:59.999Z", 1);
        diff("s", "2021-08-24T10:00:00Z", "2021-08-24T10:00:01.9Z", 1);
        diff("s", "2021-08-24T10:00:01.9Z", "2021-08-24T10:00:00Z", -1);
    }

    #[test]
    #[rustfmt::skip]
    fn date_diff_calendar_weeks() {
        // Saturday to the next day, a Sunday: a new calendar week.
        diff("ww", "2021-08-28T10:00:00Z", "2021-08-29T10:00:00Z", 1);
        diff("w", "2021-08-28T10:00:00Z", "2021-08-29T10:00:00Z", 0);
        diff("ww", "2021-08-22", "2021-08-28T23:59:59Z", 0);
        diff("ww", "2021-08-28", "2021-08-15", -1);
        diff("ww", "2021-08-29", "2021-08-14", -3);
        // Like Visual Basic, the time of day counts: 6.5 days between the two Sundays is 0 weeks.
        diff("ww", "2021-08-28T22:00:00Z", "2021-08-29T10:00:00Z", 0);
    }

    #[test]
    #[rustfmt::skip]
    fn filetime_round_trips() {
        from_num(129_699_324_000_000_000, "2012-01-01T23:00:00Z");
        from_num(0, "1601-01-01T00:00:00Z");
        from_num(1, "1601-01-01T00:00:00.0000001Z");
        from_num(116_444_736_000_000_000, "1970-01-01T00:00:00Z");
        from_num(132_743_868_781_234_567, "2021-08-25T17:41:18.1234567Z");
        from_num(2_650_467_743_999_999_999, "9999-12-31T23:59:59.9999999Z");
        let sub_tick = utc("2021-08-25T17:41:18.123456789Z");
        assert_eq!(num_from_date(sub_tick).unwrap(), 132_743_868_781_234_567);
        assert_eq!(date_from_num(num_from_date(sub_tick).unwrap()).unwrap(), utc("2021-08-25T17:41:18.1234567Z"));
    }

    #[test]
    fn filetime_out_of_range() {
        for ticks in [-1, i64::MIN, 2_650_467_744_000_000_000, i64::MAX] {
            let err = date_from_num(ticks).unwrap_err();
            assert_eq!(err.code, Code::OutOfRange, "{ticks}");
            assert_eq!(
                err.message,
                format!("DateFromNum({ticks}) is not a date between 1601 and 9999")
            );
        }
        let err = num_from_date(utc("1600-12-31T23:59:59.9999999Z")).unwrap_err();
        assert_eq!(err.code, Code::OutOfRange);
        assert!(err.message.contains("1600-12-31T23:59:59.9999999Z"), "{}", err.message);
    }

    #[test]
    #[rustfmt::skip]
    fn format_date_time_documented_vectors() {
        fdt("20150123105347.1Z", "yyyyMMddHHmmss.fZ", "yyyy-MM-dd", "2015-01-23");
        fdt("2020-12-31-08:00", "yyyy-MM-ddzzz", "yyyy-MM-dd", "2020-12-31");
        fdt("2020-12-31-08:00", "yyyy-MM-ddzzz", "yyyy-MM-ddTHH:mm:ssK", "2020-12-31T08:00:00Z");
        fdt("12/31/2020 11:59:59 PM", "M/d/yyyy hh:mm:ss tt", "yyyy-MM-dd", "2020-12-31");
        fdt("20150123105347.1Z", "yyyyMMddHHmmss.fZ", "o", "2015-01-23T10:53:47.1000000Z");
        fdt(" 2009-06-15T13:45:30.6175425Z ", "o", "dddd, MMMM d, yyyy h:mm:ss.fff tt zzz", "Monday, June 15, 2009 1:45:30.617 PM +00:00");
        assert_eq!(format_with(&utc("2009-06-15T13:45:30.6175425Z"), "yyyy-MM-dd HH:mm:ss"), "2009-06-15 13:45:30");
    }

    #[test]
    #[rustfmt::skip]
    fn format_date_time_errors() {
        fdt_fails("2015-1x-23", "yyyy-MM-dd", "d", Code::InvalidDateTime, None, "\"2015-1x-23\" does not match the input format \"yyyy-MM-dd\": expected 2 digits for \"MM\" at position 5 of \"2015-1x-23\"");
        fdt_fails("2015", "'yyyy", "d", Code::InvalidArgument, Some(2), "the input format \"'yyyy\" is not usable");
        fdt_fails("2015", "yyyy", "", Code::InvalidArgument, Some(3), "the output format \"\" is not usable: the format is empty");
        fdt_fails("2015", "yyyy", "x", Code::InvalidArgument, Some(3), "not a standard format");
    }
}
