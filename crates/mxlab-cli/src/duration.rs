//! Simulated durations on the command line: `3600`, `90s`, `5m`, `2h`,
//! `5d`, `1h30m`, `1.5h`, `250ms`; and seconds printed back as `1h 30m`.

use mxlab_sim::SimTime;

const UNITS: [(&str, u128); 6] = [
    ("ms", 1_000),
    ("s", 1_000_000),
    ("m", 60_000_000),
    ("min", 60_000_000),
    ("h", 3_600_000_000),
    ("d", 86_400_000_000),
];

/// Parses a duration since the start of the run: a bare number is seconds;
/// otherwise one or more `NUMBER UNIT` parts (`ms`, `s`, `m`/`min`, `h`,
/// `d`), e.g. `90s`, `5m`, `2h`, `5d`, `1h30m`, `1.5h`.
pub fn parse_sim_time(text: &str) -> Result<SimTime, String> {
    parse_micros(text.trim())
        .and_then(|us| u64::try_from(us).ok())
        .map(SimTime::from_micros)
        .ok_or_else(|| {
            format!(
                "invalid duration `{text}`: expected seconds or a number with a unit \
                 (ms, s, m, h, d), e.g. 90s, 5m, 2h, 5d, 1h30m"
            )
        })
}

fn parse_micros(text: &str) -> Option<u128> {
    if text.is_empty() {
        return None;
    }
    if let Some(secs) = parse_number(text, 1_000_000) {
        return Some(secs);
    }
    let mut rest = text;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let unit_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let scale = UNITS.iter().find(|(u, _)| *u == unit).map(|(_, s)| *s)?;
        total = total.checked_add(parse_number(number, scale)?)?;
        rest = after.trim_start();
    }
    Some(total)
}

/// `number` (digits, optionally with a fractional part) times `scale`
/// microseconds, rounded down to the microsecond.
fn parse_number(number: &str, scale: u128) -> Option<u128> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty()
        || !digits(whole)
        || !digits(fraction)
        || fraction.len() > 12
    {
        return None;
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut micros = whole.checked_mul(scale)?;
    if !fraction.is_empty() {
        let denominator = 10u128.pow(u32::try_from(fraction.len()).ok()?);
        let numerator: u128 = fraction.parse().ok()?;
        micros = micros.checked_add(numerator.checked_mul(scale)? / denominator)?;
    }
    Some(micros)
}

/// Whole seconds printed back (`1h 30m`), as the sweep's report prints
/// them.
pub use mxlab_sim::sweep::format_secs;

#[cfg(test)]
mod tests {
    use super::*;
    use mxlab_sim::sweep::format_latency;

    fn secs(text: &str) -> Result<f64, String> {
        parse_sim_time(text).map(|t| t.as_micros() as f64 / 1e6)
    }

    #[test]
    fn bare_numbers_are_seconds() {
        assert_eq!(secs("3600"), Ok(3600.0));
        assert_eq!(secs("1.5"), Ok(1.5));
        assert_eq!(secs(" 0 "), Ok(0.0));
    }

    #[test]
    fn units_and_compounds() {
        assert_eq!(secs("90s"), Ok(90.0));
        assert_eq!(secs("5m"), Ok(300.0));
        assert_eq!(secs("5min"), Ok(300.0));
        assert_eq!(secs("2h"), Ok(7200.0));
        assert_eq!(secs("5d"), Ok(432_000.0));
        assert_eq!(secs("1h30m"), Ok(5400.0));
        assert_eq!(secs("1h 30m 5s"), Ok(5405.0));
        assert_eq!(secs("1.5h"), Ok(5400.0));
        assert_eq!(secs("250ms"), Ok(0.25));
    }

    #[test]
    fn nonsense_is_refused_with_an_example() {
        for bad in [
            "", "x", "5x", "-5", "5 m x", "h", "1..5s", ".s", "1e3", "5m-", "١٢",
        ] {
            let e = parse_sim_time(bad);
            assert!(
                matches!(&e, Err(m) if m.contains("e.g. 90s")),
                "{bad:?}: {e:?}"
            );
        }
        assert!(parse_sim_time("99999999999999999999999d").is_err());
        assert!(parse_sim_time("18446744073709551616ms").is_err());
    }

    #[test]
    fn seconds_print_as_units() {
        assert_eq!(format_secs(0), "0s");
        assert_eq!(format_secs(90), "1m 30s");
        assert_eq!(format_secs(3600), "1h");
        assert_eq!(format_secs(5 * 86_400 + 3_600), "5d 1h");
        assert_eq!(format_latency(0.5), "0.500 s");
        assert_eq!(format_latency(612.0411), "612.041 s (10m 12s)");
    }
}
