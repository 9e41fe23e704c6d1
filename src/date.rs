//! Calendar dates as days since 1970-01-01, enough for expiry and rollout
//! dates without a date-time dependency. "Today" can be pinned with
//! `POLICY_CHECK_TODAY=YYYY-MM-DD` (tests, and reproducing a CI run).

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since the epoch of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD`, checking that the day exists.
pub fn parse(s: &str) -> Option<i64> {
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

/// Today (UTC), or the pinned date from `POLICY_CHECK_TODAY`.
pub fn today() -> i64 {
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
}
