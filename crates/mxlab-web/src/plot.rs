//! The arithmetic of the statistics panel's plots, free of the DOM so it
//! is tested natively: scales, ticks a reader can trust (times in ms, s,
//! min, h or days; whole counts; decades of seconds on a log axis), the
//! regular log-scale buckets of the latency histogram (1, 2, 5, 10, 20,
//! 50 … seconds), whole-number bins of the attempt histograms, and the
//! path of a step series; and the plots themselves as SVG markup
//! ([`svg`]). The components measure, place the clock's line and add the
//! words.

use std::collections::BTreeMap;

pub mod svg;

/// A mark on an axis: where (in the axis's own unit) and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// The value marked.
    pub value: f64,
    /// Its label, with its unit.
    pub label: String,
}

/// A linear map from a domain onto a range of pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linear {
    /// The domain's two ends.
    pub domain: (f64, f64),
    /// The pixels they map to.
    pub range: (f64, f64),
}

impl Linear {
    /// The pixel of `v`; values outside the domain map outside the range,
    /// an empty domain maps everything to the range's start.
    pub fn at(&self, v: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if d1 == d0 || !v.is_finite() {
            return r0;
        }
        r0 + (v - d0) / (d1 - d0) * (r1 - r0)
    }
}

/// A base-10 logarithmic map from a domain of positive values onto a
/// range of pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Log {
    /// The domain's two ends (positive).
    pub domain: (f64, f64),
    /// The pixels they map to.
    pub range: (f64, f64),
}

impl Log {
    /// The pixel of `v` (a value at or below zero maps to the domain's start).
    pub fn at(&self, v: f64) -> f64 {
        let lin = Linear {
            domain: (self.domain.0.log10(), self.domain.1.log10()),
            range: self.range,
        };
        if v <= 0.0 || !v.is_finite() {
            return lin.at(self.domain.0.log10());
        }
        lin.at(v.log10())
    }
}

/// `v` with at most one decimal, none when it is whole: `2`, `2.5`.
fn short(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// Steps of a time axis, in seconds: each a round number of its unit.
const TIME_STEPS: [f64; 30] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0,
    120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10_800.0, 21_600.0, 43_200.0, 86_400.0,
    172_800.0, 432_000.0, 864_000.0,
];

/// The ticks of a time axis from 0 to `end` seconds: at most `max_ticks`
/// (taken as at least 4, so that an end of 1 ms or more has two ticks at
/// least), each a round number of one unit (ms, s, min, h or d, by the
/// step), labelled with it: `0 min`, `10 min`, `20 min`.
pub fn time_ticks(end: f64, max_ticks: usize) -> Vec<Tick> {
    let end = if end.is_finite() { end.max(0.0) } else { 0.0 };
    let max_ticks = max_ticks.max(4);
    // Beyond the list, steps of 10, 20, 50 … days.
    let mut step = TIME_STEPS
        .iter()
        .copied()
        .find(|s| end / s <= (max_ticks - 1) as f64)
        .unwrap_or_else(|| nice_step(end / (max_ticks - 1) as f64 / 86_400.0) * 86_400.0);
    if end == 0.0 {
        step = 1.0;
    }
    let (unit, name) = if step < 1.0 {
        (0.001, "ms")
    } else if step < 60.0 {
        (1.0, "s")
    } else if step < 3600.0 {
        (60.0, "min")
    } else if step < 43_200.0 {
        (3600.0, "h")
    } else {
        // Half days and more: `0.5 d` reads better than `36 h`.
        (86_400.0, "d")
    };
    let n = (end / step + 1e-9).floor() as usize;
    (0..=n.min(1000))
        .map(|i| {
            let value = i as f64 * step;
            Tick {
                value,
                label: format!("{} {name}", short(value / unit)),
            }
        })
        .collect()
}

/// The smallest of 1, 2, 5, 10, 20, 50 … at or above `raw` (at least 1).
fn nice_step(raw: f64) -> f64 {
    let mut step = 1.0;
    while step < raw && step < 1e15 {
        for m in [1.0, 2.0, 5.0] {
            if m * step >= raw {
                return m * step;
            }
        }
        step *= 10.0;
    }
    step
}

/// The ticks of a count axis from 0 to at least `max`: whole steps of 1,
/// 2, 5, 10 …, at most `max_ticks` of them (at least 2) and the axis's
/// top (a tick, and never below 1).
pub fn count_ticks(max: usize, max_ticks: usize) -> (Vec<Tick>, usize) {
    let max_ticks = max_ticks.max(2);
    let step = nice_step(max as f64 / (max_ticks - 1) as f64).max(1.0) as usize;
    let top = max.div_ceil(step).max(1) * step;
    let ticks = (0..=top / step)
        .map(|i| {
            let value = i * step;
            Tick {
                value: value as f64,
                label: value.to_string(),
            }
        })
        .collect();
    (ticks, top)
}

/// The smallest latency a bucket starts at: shorter ones (and zero) are
/// counted in the bucket from 1 ms.
pub const SHORTEST: f64 = 0.001;

/// One bucket of a log-scale histogram: values in `lo..hi` seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// Its start (included).
    pub lo: f64,
    /// Its end (excluded).
    pub hi: f64,
    /// How many values fall in it.
    pub count: usize,
}

/// The `k`-th edge of the 1, 2, 5 series: `k = 0` is 1 s, `k = 1` 2 s,
/// `k = 3` 10 s, `k = -1` 0.5 s.
pub fn edge(k: i32) -> f64 {
    let mantissa = [1.0, 2.0, 5.0][k.rem_euclid(3) as usize];
    mantissa * 10f64.powi(k.div_euclid(3))
}

/// The index of the last edge at or below `v` seconds (clamped to
/// [`SHORTEST`] and to ten million seconds; not a number counts as 0).
pub fn edge_index(v: f64) -> i32 {
    let v = if v.is_nan() { 0.0 } else { v };
    let v = v.clamp(SHORTEST, 1e7);
    let mut decade = v.log10().floor() as i32;
    let mut mantissa = v / 10f64.powi(decade);
    // log10 is not exact: 1000 may come out as 10^2.999….
    if mantissa >= 10.0 - 1e-9 {
        decade += 1;
        mantissa /= 10.0;
    } else if mantissa < 1.0 - 1e-12 {
        decade -= 1;
        mantissa *= 10.0;
    }
    let i = if mantissa >= 5.0 - 1e-9 {
        2
    } else if mantissa >= 2.0 - 1e-9 {
        1
    } else {
        0
    };
    decade * 3 + i
}

/// The histogram of `values` (seconds) in buckets whose edges follow 1,
/// 2, 5, 10, 20, 50 … s: regular on a log axis, every bucket from the
/// lowest value's to the highest's, empty ones included. Empty when
/// there is no finite value.
pub fn log_buckets(values: &[f64]) -> Vec<Bucket> {
    let ks: Vec<i32> = values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| edge_index(*v))
        .collect();
    let (Some(&lo), Some(&hi)) = (ks.iter().min(), ks.iter().max()) else {
        return Vec::new();
    };
    let mut buckets: Vec<Bucket> = (lo..=hi)
        .map(|k| Bucket {
            lo: edge(k),
            hi: edge(k + 1),
            count: 0,
        })
        .collect();
    for k in ks {
        if let Some(b) = usize::try_from(k - lo)
            .ok()
            .and_then(|i| buckets.get_mut(i))
        {
            b.count += 1;
        }
    }
    buckets
}

/// The whole decades of seconds around `buckets`: the log axis's domain
/// (one decade at least; `(1, 10)` with no bucket).
pub fn decades(buckets: &[Bucket]) -> (f64, f64) {
    let lo = buckets.first().map_or(1.0, |b| b.lo);
    let hi = buckets.last().map_or(10.0, |b| b.hi);
    let lo = 10f64.powi(lo.log10().floor() as i32);
    let hi = 10f64.powi((hi.log10() - 1e-9).ceil() as i32).max(lo * 10.0);
    (lo, hi)
}

/// A power of ten of seconds as the axis says it: `1 ms`, `100 ms`,
/// `1 s`, `1000 s`, `10⁴ s`.
pub fn decade_label(secs: f64) -> String {
    let p = secs.log10().round() as i32;
    match p {
        ..=-1 => format!("{} ms", short(secs * 1000.0)),
        0..=3 => format!("{} s", short(secs)),
        _ => {
            let sup: String = p
                .to_string()
                .chars()
                .map(|c| match c {
                    '0' => '⁰',
                    '1' => '¹',
                    '2' => '²',
                    '3' => '³',
                    '4' => '⁴',
                    '5' => '⁵',
                    '6' => '⁶',
                    '7' => '⁷',
                    '8' => '⁸',
                    '9' => '⁹',
                    other => other,
                })
                .collect();
            format!("10{sup} s")
        }
    }
}

/// The ticks of a log axis over `domain` (whole decades): one per decade,
/// every other one when there are more than `max_ticks`.
pub fn decade_ticks(domain: (f64, f64), max_ticks: usize) -> Vec<Tick> {
    let lo = domain.0.log10().round() as i32;
    let hi = domain.1.log10().round() as i32;
    let n = (hi - lo).max(0) as usize + 1;
    let every = n.div_ceil(max_ticks.max(2)).max(1);
    (lo..=hi)
        .step_by(every)
        .map(|p| {
            let value = 10f64.powi(p);
            Tick {
                value,
                label: decade_label(value),
            }
        })
        .collect()
}

/// One bin of a whole-number histogram: `lo..=hi` and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bin {
    /// Its first number.
    pub lo: u32,
    /// Its last number.
    pub hi: u32,
    /// How many counted in it.
    pub count: usize,
}

impl Bin {
    /// `3`, or `3–5` for a bin of several numbers.
    pub fn label(&self) -> String {
        if self.lo == self.hi {
            self.lo.to_string()
        } else {
            format!("{}–{}", self.lo, self.hi)
        }
    }
}

/// A whole-number histogram as bins from 1 (or its lowest number, if 0)
/// to its highest: one number per bin, or, when that makes more than
/// `max_bins`, the lowest number alone (a first try stays a bar of its
/// own) and regular bins of several after it. Empty bins are kept (the
/// axis stays regular); an empty histogram has none.
pub fn int_bins(hist: &BTreeMap<u32, usize>, max_bins: usize) -> Vec<Bin> {
    let (Some(&first), Some(&last)) = (hist.keys().next(), hist.keys().next_back()) else {
        return Vec::new();
    };
    let lo = u64::from(first.min(1));
    let span = u64::from(last) - lo + 1;
    let max_bins = max_bins.max(2) as u64;
    let number = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    let (alone, start, width) = if span <= max_bins {
        (false, lo, 1)
    } else {
        (true, lo + 1, (span - 1).div_ceil(max_bins - 1))
    };
    let mut bins: Vec<Bin> = Vec::new();
    if alone {
        bins.push(Bin {
            lo: number(lo),
            hi: number(lo),
            count: 0,
        });
    }
    let rest = (u64::from(last) + 1 - start).div_ceil(width);
    bins.extend((0..rest).map(|i| {
        let b = start + i * width;
        Bin {
            lo: number(b),
            hi: number(b + width - 1),
            count: 0,
        }
    }));
    for (&n, &c) in hist {
        let n = u64::from(n);
        let i = if alone && n == lo {
            0
        } else {
            usize::from(alone) + usize::try_from((n - start) / width).unwrap_or(usize::MAX)
        };
        if let Some(bin) = bins.get_mut(i) {
            bin.count += c;
        }
    }
    bins
}

/// The SVG path of a step series of `(seconds, value)`: from each point
/// level until the next point's time, the last one level until `end`.
pub fn step_path(series: &[(f64, usize)], x: Linear, y: Linear, end: f64) -> String {
    let mut d = String::new();
    let mut last_y = None;
    for &(t, n) in series {
        let (px, py) = (x.at(t), y.at(n as f64));
        match last_y {
            None => d.push_str(&format!("M{px:.1},{py:.1}")),
            Some(ly) => d.push_str(&format!(" L{px:.1},{ly:.1} L{px:.1},{py:.1}")),
        }
        last_y = Some(py);
    }
    if let Some(ly) = last_y {
        d.push_str(&format!(" L{:.1},{ly:.1}", x.at(end)));
    }
    d
}

#[cfg(test)]
mod tests;
