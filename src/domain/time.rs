//! Time is stored as whole seconds since the Unix epoch, in UTC, on both
//! databases. These helpers turn it into text for people.

/// Days since 1970-01-01 to a civil (year, month, day), proleptic Gregorian.
/// The algorithm is Howard Hinnant's `civil_from_days`.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2026-11-22` for a Unix timestamp.
pub fn format_date(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `2026-11-22 13:05 UTC` for a Unix timestamp.
pub fn format_datetime(ts: i64) -> String {
    let secs = ts.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02} UTC",
        format_date(ts),
        secs / 3600,
        (secs % 3600) / 60
    )
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// The start (00:00 UTC) of a `YYYY-MM-DD` date, or `None` when the text
/// is not a real date between the years 2000 and 2999.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(2000..=2999).contains(&y) || !(1..=12).contains(&m) {
        return None;
    }
    let m = m as u32;
    if d < 1 || d > i64::from(days_in_month(y, m)) {
        return None;
    }
    Some(days_from_civil(y, m, d as u32) * 86_400)
}

/// The same time of day `months` calendar months later; the 31st of a
/// month becomes the last day of a shorter one.
pub fn add_months(ts: i64, months: i64) -> i64 {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let total = y * 12 + i64::from(m) - 1 + months;
    let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
    let nd = d.min(days_in_month(ny, nm));
    days_from_civil(ny, nm, nd) * 86_400 + secs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_dates() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_datetime(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_datetime(1_795_352_700), "2026-11-22 13:05 UTC");
        assert_eq!(format_date(-86_400), "1969-12-31");
    }

    #[test]
    fn parses_dates_and_adds_months() {
        let t = parse_date("2026-11-22").expect("a date");
        assert_eq!(format_date(t), "2026-11-22");
        assert_eq!(t % 86_400, 0);
        assert_eq!(
            parse_date("2028-02-29").map(format_date).as_deref(),
            Some("2028-02-29")
        );
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "26-11-22",
            "2026/11/22",
            "2026-11-2x",
            "",
            "1999-12-31",
            "２０２６-11-22",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        let jan31 = parse_date("2026-01-31").expect("a date") + 3_600;
        assert_eq!(
            format_datetime(add_months(jan31, 1)),
            "2026-02-28 01:00 UTC"
        );
        assert_eq!(format_date(add_months(jan31, 12)), "2027-01-31");
        assert_eq!(format_date(add_months(jan31, -2)), "2025-11-30");
        // Every day of four years round-trips through parse and format.
        let start = parse_date("2026-01-01").expect("a date");
        for d in 0..(4 * 366) {
            let t = start + d * 86_400;
            assert_eq!(parse_date(&format_date(t)), Some(t));
        }
    }
}
