//! Calendar dates as days since 1970-01-01, enough for expiry and rollout
//! dates without a date-time dependency. "Today" can be pinned with
//! `POLICY_CHECK_TODAY=YYYY-MM-DD` (tests, and reproducing a CI run).

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since the epoch of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD`, checking that the day exists.
pub(crate) fn parse(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (d <= dim[m as usize - 1]).then(|| days_from_civil(y, m, d))
}

/// The `YYYY-MM-DD` of a day since the epoch.
pub(crate) fn format(days: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A date as a policy writes it: a TOML date (`expires = 2027-03-01`) or a
/// string (`expires = "2027-03-01"`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum RawDate {
    Text(String),
    Toml(toml::value::Datetime),
}

impl RawDate {
    /// Days since the epoch, or `None` when it is not a valid `YYYY-MM-DD`
    /// date (a date-time or a bare time is not a date).
    pub(crate) fn days(&self) -> Option<i64> {
        match self {
            RawDate::Text(s) => parse(s),
            RawDate::Toml(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => parse(&d.to_string()),
                _ => None,
            },
        }
    }
}

impl std::fmt::Display for RawDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RawDate::Text(s) => f.write_str(s),
            RawDate::Toml(d) => write!(f, "{d}"),
        }
    }
}

impl schemars::JsonSchema for RawDate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A calendar date, YYYY-MM-DD (a TOML date or a string).",
            "type": "string",
            "format": "date"
        })
    }
}

/// Today (UTC), or the pinned date from `POLICY_CHECK_TODAY`.
pub(crate) fn today() -> i64 {
    if let Some(d) = std::env::var("POLICY_CHECK_TODAY")
        .ok()
        .and_then(|s| parse(&s))
    {
        return d;
    }
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    secs.div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_leap_days() {
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("2000-03-01"), Some(11_017));
        assert_eq!(
            parse("2024-02-29").map(|d| d - parse("2024-02-28").unwrap()),
            Some(1)
        );
        assert_eq!(parse("2023-02-29"), None);
        assert_eq!(parse("2027-13-01"), None);
    }

    #[test]
    fn format_inverts_parse() {
        for s in [
            "1970-01-01",
            "2000-02-29",
            "2027-03-01",
            "1969-12-31",
            "2100-12-31",
        ] {
            assert_eq!(format(parse(s).unwrap()), s);
        }
    }

    #[test]
    fn raw_dates_accept_toml_dates_and_strings() {
        #[derive(serde::Deserialize)]
        struct T {
            a: RawDate,
            b: RawDate,
            c: RawDate,
        }
        let t: T = toml::from_str("a = 2027-03-01\nb = \"2027-03-01\"\nc = 2027-03-01T10:00:00Z\n")
            .unwrap();
        assert_eq!(t.a.days(), parse("2027-03-01"));
        assert_eq!(t.b.days(), parse("2027-03-01"));
        assert_eq!(t.c.days(), None);
    }
}
