//! Sizes in octets on the command line: `36700160`, `35MiB`, `1GiB`,
//! `512 MiB`, `10MB`, `64KiB`; and octets printed back as `35 MiB`.

/// The units a size may carry: decimal (`kB`, `MB`, `GB`, `TB`, also
/// written `K`, `M`, `G`, `T`) and binary (`KiB`, `MiB`, `GiB`, `TiB`),
/// case-insensitive.
const UNITS: [(&str, u64); 13] = [
    ("b", 1),
    ("k", 1_000),
    ("kb", 1_000),
    ("kib", 1 << 10),
    ("m", 1_000_000),
    ("mb", 1_000_000),
    ("mib", 1 << 20),
    ("g", 1_000_000_000),
    ("gb", 1_000_000_000),
    ("gib", 1 << 30),
    ("t", 1_000_000_000_000),
    ("tb", 1_000_000_000_000),
    ("tib", 1 << 40),
];

/// Parses a size in octets: a whole number, optionally with a unit
/// (`512MiB`, `1.5GiB`, `10MB`); fractions are rounded down to the octet.
pub fn parse_octets(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "invalid size `{text}`: expected octets or a number with a unit \
             (KiB, MiB, GiB, kB, MB, GB), e.g. 36700160, 35MiB, 1GiB"
        )
    };
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let scale = if unit.is_empty() {
        1
    } else {
        UNITS
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|(_, s)| *s)
            .ok_or_else(bad)?
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 12 {
        return Err(bad());
    }
    let whole: u128 = whole
        .parse()
        .map_err(|_| format!("size `{text}` is too large"))?;
    let mut octets = whole.saturating_mul(u128::from(scale));
    if !fraction.is_empty() {
        let denominator = 10u128.pow(u32::try_from(fraction.len()).map_err(|_| bad())?);
        let numerator: u128 = fraction.parse().map_err(|_| bad())?;
        octets = octets.saturating_add(numerator * u128::from(scale) / denominator);
    }
    u64::try_from(octets).map_err(|_| format!("size `{text}` is too large"))
}

/// A parser for clap: a size in octets from `min` to `max`.
pub fn octets_in(min: u64, max: u64) -> impl Fn(&str) -> Result<u64, String> + Clone {
    move |text| {
        let n = parse_octets(text)?;
        if n < min && max == u64::MAX {
            return Err(format!(
                "{} is too small: at least {}",
                format_octets(n),
                format_octets(min)
            ));
        }
        if n < min || n > max {
            return Err(format!(
                "{} is out of range: from {} to {}",
                format_octets(n),
                format_octets(min),
                format_octets(max)
            ));
        }
        Ok(n)
    }
}

/// Octets as the largest binary unit that divides them: `1 GiB`,
/// `256 KiB`, `36700160 octets` → `35 MiB`, `1000 octets`.
pub fn format_octets(n: u64) -> String {
    for (unit, scale) in [
        ("TiB", 1u64 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ] {
        if n >= scale && n % scale == 0 {
            return format!("{} {unit}", n / scale);
        }
    }
    if n == 1 {
        "1 octet".to_owned()
    } else {
        format!("{n} octets")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_units() {
        assert_eq!(parse_octets("36700160"), Ok(36_700_160));
        assert_eq!(parse_octets("35MiB"), Ok(36_700_160));
        assert_eq!(parse_octets("1GiB"), Ok(1 << 30));
        assert_eq!(parse_octets("512 MiB"), Ok(512 << 20));
        assert_eq!(parse_octets("1.5KiB"), Ok(1536));
        assert_eq!(parse_octets("10MB"), Ok(10_000_000));
        assert_eq!(parse_octets("10m"), Ok(10_000_000));
        assert_eq!(parse_octets("16tib"), Ok(16 << 40));
    }

    #[test]
    fn nonsense_and_overflow_are_refused() {
        for bad in [
            "", "x", "-1", "1 parsec", "MiB", ".5", "1..5", "1e9", "0x10",
        ] {
            let e = parse_octets(bad);
            assert!(
                matches!(&e, Err(m) if m.contains("e.g. 36700160")),
                "{bad:?}: {e:?}"
            );
        }
        for huge in [
            "18446744073709551616",
            "17000000TiB",
            "99999999999999999999999999999999999999999",
        ] {
            let e = parse_octets(huge);
            assert!(
                matches!(&e, Err(m) if m.contains("too large")),
                "{huge:?}: {e:?}"
            );
        }
        assert_eq!(parse_octets("18446744073709551615"), Ok(u64::MAX));
    }

    #[test]
    fn ranges_say_what_is_allowed() {
        let p = octets_in(1, 1 << 30);
        assert_eq!(p("1GiB"), Ok(1 << 30));
        assert_eq!(
            p("0"),
            Err("0 octets is out of range: from 1 octet to 1 GiB".to_owned())
        );
        assert_eq!(
            octets_in(1024, u64::MAX)("1000"),
            Err("1000 octets is too small: at least 1 KiB".to_owned())
        );
        assert_eq!(format_octets(36_700_160), "35 MiB");
        assert_eq!(format_octets(1000), "1000 octets");
    }
}
