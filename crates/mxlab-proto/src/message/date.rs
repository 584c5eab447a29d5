//! RFC 5322 §3.3 dates: Unix seconds written as `Mon, 23 Nov 2026 15:59:15
//! +0000`, by pure arithmetic (no clock, no time zone but UTC).

/// The earliest instant [`rfc5322_date`] formats: 0000-01-01T00:00:00Z.
const MIN_DATE: i64 = -62_167_219_200;
/// The latest instant [`rfc5322_date`] formats: 9999-12-31T23:59:59Z.
const MAX_DATE: i64 = 253_402_300_799;

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Formats a Unix time (seconds) as an RFC 5322 §3.3 `date-time` in UTC,
/// e.g. `"Mon, 23 Nov 2026 15:59:15 +0000"`.
///
/// Pure arithmetic (the proleptic Gregorian "civil from days" algorithm), no
/// clock. The grammar wants a four-digit year, so instants before year 0000 or
/// after year 9999 are clamped to the first or last second of that range.
pub fn rfc5322_date(unix_secs: i64) -> String {
    let mut buf = [0u8; 31];
    date_into(&mut buf, unix_secs).to_string()
}

/// Writes [`rfc5322_date`]'s text into `buf` (31 bytes: `Mon, 05 Jan 2026
/// 09:00:00 +0000`; the year is clamped to four digits) and returns it.
pub(super) fn date_into(buf: &mut [u8; 31], unix_secs: i64) -> &str {
    let secs = unix_secs.clamp(MIN_DATE, MAX_DATE);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS
        .get(usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0))
        .copied()
        .unwrap_or("Sun");
    let month_name = MONTHS
        .get(usize::try_from(month.saturating_sub(1)).unwrap_or(0))
        .copied()
        .unwrap_or("Jan");
    // Every part has a fixed width: `Mon, 05 Jan 2026 09:00:00 +0000`.
    let digit = |n: i64| b'0'.saturating_add(u8::try_from(n.rem_euclid(10)).unwrap_or(0));
    let two = |n: i64| [digit(n / 10), digit(n)];
    let [y0, y1] = two(year / 100);
    let [y2, y3] = two(year % 100);
    let [d0, d1] = two(day);
    let [h0, h1] = two(sod / 3600);
    let [m0, m1] = two((sod / 60) % 60);
    let [s0, s1] = two(sod % 60);
    let mut at = 0;
    for part in [
        weekday.as_bytes(),
        b", ",
        &[d0, d1],
        b" ",
        month_name.as_bytes(),
        b" ",
        &[y0, y1, y2, y3],
        b" ",
        &[h0, h1, b':', m0, m1, b':', s0, s1],
        b" +0000",
    ] {
        let end = at + part.len();
        if let Some(dst) = buf.get_mut(at..end) {
            dst.copy_from_slice(part);
            at = end;
        }
    }
    core::str::from_utf8(buf.get(..at).unwrap_or_default()).unwrap_or_default()
}

/// Year, month (1..=12) and day (1..=31) of the day `days` after 1970-01-01
/// (Howard Hinnant's `civil_from_days`). Callers keep `days` within a few
/// million, far from overflow.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates() {
        let cases: &[(i64, &str)] = &[
            (0, "Thu, 01 Jan 1970 00:00:00 +0000"),
            (-1, "Wed, 31 Dec 1969 23:59:59 +0000"),
            (1_795_449_555, "Mon, 23 Nov 2026 15:59:15 +0000"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 +0000"), // 400-year leap
            (68_256_000, "Wed, 01 Mar 1972 00:00:00 +0000"),  // after a leap day
            (68_255_999, "Tue, 29 Feb 1972 23:59:59 +0000"),
            (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 +0000"), // 2100 is not leap
            (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 +0000"),
            (1_735_689_599, "Tue, 31 Dec 2024 23:59:59 +0000"),
            (-62_167_219_200, "Sat, 01 Jan 0000 00:00:00 +0000"),
            (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 +0000"),
            (i64::MIN, "Sat, 01 Jan 0000 00:00:00 +0000"), // clamped
            (i64::MAX, "Fri, 31 Dec 9999 23:59:59 +0000"), // clamped
        ];
        for &(secs, want) in cases {
            assert_eq!(rfc5322_date(secs), want, "{secs}");
        }
    }

    proptest! {
        #[test]
        fn dates_are_well_formed(secs in any::<i64>()) {
            let d = rfc5322_date(secs);
            prop_assert_eq!(d.len(), 31);
            prop_assert!(d.ends_with(" +0000"));
        }
    }
}
