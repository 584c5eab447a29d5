//! The statistics plots as SVG markup, written here rather than built
//! element by element in the components (as text it is tested natively,
//! and it weighed about a quarter less in the app's download, measured
//! when it was written): the queue over time with the
//! faults' windows, the latency histogram with its percentiles, and the
//! whole-number histograms of attempts. Every plot has axes with their
//! ticks, units and titles, and the count written on each bar. Text from
//! the scenario (host names, fault labels) is escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use mxlab_sim::inspect::ladder::esc;
use mxlab_sim::SimTime;

use super::{
    count_ticks, decade_ticks, decades, int_bins, log_buckets, step_path, time_ticks, Bin, Linear,
    Log, Tick,
};
use crate::clock::duration;

/// The size a plot is drawn at, in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    /// The width of its box.
    pub width: f64,
    /// The font size there.
    pub font: f64,
}

impl Default for Size {
    fn default() -> Self {
        Size {
            width: 480.0,
            font: 15.0,
        }
    }
}

/// Where a plot sits in its SVG: the margins that hold the axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// The SVG's width.
    pub width: f64,
    /// The SVG's height.
    pub height: f64,
    /// The plot's left edge (the y axis).
    pub x0: f64,
    /// The plot's right edge.
    pub x1: f64,
    /// The plot's bottom (the x axis).
    pub y0: f64,
    /// The plot's top.
    pub y1: f64,
    /// The font size.
    pub font: f64,
}

impl Frame {
    /// The frame of a plot in a box of `size`, whose y labels are at most
    /// `y_chars` characters long.
    pub fn new(size: Size, y_chars: usize) -> Frame {
        let f = if size.font.is_finite() && size.font > 0.0 {
            size.font
        } else {
            15.0
        };
        let width = if size.width.is_finite() {
            size.width.max(20.0 * f)
        } else {
            20.0 * f
        };
        let height = (width * 0.34).clamp(12.0 * f, 17.0 * f);
        Frame {
            width,
            height,
            x0: 2.4 * f + char_width(f) * y_chars as f64,
            x1: width - 2.2 * f,
            y0: height - 3.0 * f,
            y1: 1.9 * f,
            font: f,
        }
    }

    /// How many labels of `chars` characters fit along the x axis.
    pub fn x_ticks(&self, chars: usize) -> usize {
        ((self.x1 - self.x0) / (char_width(self.font) * chars as f64 + 1.5 * self.font)) as usize
    }

    /// The densest of the tick sets `make(n)` (at most `n` ticks, for `n`
    /// from as many as could fit down to 2) whose labels fit along the x
    /// axis side by side.
    pub fn fitting(&self, make: &dyn Fn(usize) -> Vec<Tick>) -> Vec<Tick> {
        let room = self.x1 - self.x0;
        // More than ten ticks help no reader.
        let most = self.x_ticks(1).clamp(2, 10);
        let mut ticks = make(2);
        for n in (2..=most).rev() {
            let t = make(n);
            let widest = t.iter().map(|t| t.label.chars().count()).max().unwrap_or(0);
            let need = t.len() as f64 * (char_width(self.font) * widest as f64 + self.font);
            if need <= room {
                ticks = t;
                break;
            }
        }
        ticks
    }

    /// The vertical scale of a count plot whose axis ends at `top`.
    pub fn counts(&self, top: usize) -> Linear {
        Linear {
            domain: (0.0, top as f64),
            range: (self.y0, self.y1),
        }
    }

    /// How many count ticks fit up the y axis.
    pub fn y_ticks(&self) -> usize {
        ((self.y0 - self.y1) / (2.2 * self.font)) as usize + 1
    }
}

/// The width of a character of a tick label (set at 0.85 em) in a font
/// of `font` pixels, about.
pub fn char_width(font: f64) -> f64 {
    font * 0.85 * 0.6
}

/// A coordinate: one decimal.
pub fn px(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    format!("{v:.1}")
}

/// An SVG document being written.
struct Svg(String);

impl Svg {
    /// Opens the `<svg>` of `frame`, with its name and `more` attributes
    /// (written already).
    fn new(frame: &Frame, name: &str, more: &str) -> Svg {
        Svg(format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\"{more}>",
            esc(name),
            w = px(frame.width),
            h = px(frame.height),
        ))
    }

    fn line(&mut self, class: &str, (x1, y1): (f64, f64), (x2, y2): (f64, f64)) {
        let _ = write!(
            self.0,
            "<line class=\"{class}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
            px(x1),
            px(y1),
            px(x2),
            px(y2)
        );
    }

    fn text(&mut self, class: &str, (x, y): (f64, f64), anchor: &str, text: &str) {
        let _ = write!(
            self.0,
            "<text class=\"{class}\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            px(x),
            px(y),
            esc(text)
        );
    }

    /// A rectangle with a hover text.
    fn rect(&mut self, (x, y): (f64, f64), (w, h): (f64, f64), title: &str) {
        let _ = write!(
            self.0,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}</title></rect>",
            px(x),
            px(y),
            px(w.max(0.0)),
            px(h.max(0.0)),
            esc(title)
        );
    }

    /// The x axis: its line, a tick and a label at each of `ticks` (placed
    /// by `at`), and its title under them.
    fn x_axis(&mut self, frame: &Frame, ticks: &[Tick], at: &dyn Fn(f64) -> f64, title: &str) {
        let f = frame.font;
        self.0.push_str("<g class=\"axis x\">");
        self.line("", (frame.x0, frame.y0), (frame.x1, frame.y0));
        for t in ticks {
            let x = at(t.value);
            self.line("tick", (x, frame.y0), (x, frame.y0 + 0.35 * f));
            self.text("tick", (x, frame.y0 + 1.3 * f), "middle", &t.label);
        }
        let mid = (frame.x0 + frame.x1) / 2.0;
        self.text("title", (mid, frame.height - 0.35 * f), "middle", title);
        self.0.push_str("</g>");
    }

    /// The y axis: its line, a label and a grid line across the plot at
    /// each of `ticks` (placed by `at`), and its title along it.
    fn y_axis(&mut self, frame: &Frame, ticks: &[Tick], at: &dyn Fn(f64) -> f64, title: &str) {
        let f = frame.font;
        self.0.push_str("<g class=\"axis y\">");
        for t in ticks {
            let y = at(t.value);
            self.line("grid", (frame.x0, y), (frame.x1, y));
            self.text("tick", (frame.x0 - 0.4 * f, y + 0.3 * f), "end", &t.label);
        }
        self.line("", (frame.x0, frame.y0), (frame.x0, frame.y1));
        let (x, y) = (0.9 * f, (frame.y0 + frame.y1) / 2.0);
        let _ = write!(
            self.0,
            "<text class=\"title\" x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" transform=\"rotate(-90 {x} {y})\">{}</text></g>",
            esc(title),
            x = px(x),
            y = px(y)
        );
    }

    /// A count written above a bar centred at `x` whose top is at `y`;
    /// raised a line when it would overlap the count before it (`last`:
    /// its right end and baseline, updated).
    fn count(&mut self, f: f64, (x, y): (f64, f64), count: usize, last: &mut (f64, f64)) {
        let text = count.to_string();
        let half = char_width(f) * text.len() as f64 / 2.0 + 0.15 * f;
        let mut base = y - 0.3 * f;
        if x - half < last.0 && (base - last.1).abs() < f {
            base = last.1 - f;
        }
        *last = (x + half, base);
        self.text("count", (x, base), "middle", &text);
    }

    fn finish(mut self) -> String {
        self.0.push_str("</svg>");
        self.0
    }
}

fn secs(t: SimTime) -> f64 {
    t.as_micros() as f64 / 1e6
}

/// A fault's window in force, as the queue plot shades it.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// When it started.
    pub from: SimTime,
    /// When it ended; `None` for the end of the run.
    pub until: Option<SimTime>,
    /// The fault in a few words.
    pub label: String,
}

/// The queue plot: its SVG, its frame and its time scale (which the
/// line at the clock's moment is placed with).
#[derive(Debug, Clone, PartialEq)]
pub struct QueuePlot {
    /// The SVG element.
    pub svg: String,
    /// Where the plot sits in it.
    pub frame: Frame,
    /// Seconds since the start to pixels.
    pub x: Linear,
}

/// Recipients queued over `series` (a step series, see
/// `mxlab_sim::inspect::Steps`) on a time axis from 0 to `end`, the
/// faults' `bands` shaded behind the line.
pub fn queue(series: &[(SimTime, usize)], end: SimTime, bands: &[Band], size: Size) -> QueuePlot {
    let top_value = series.iter().map(|p| p.1).max().unwrap_or(0);
    let frame = Frame::new(size, count_ticks(top_value, 6).1.to_string().len());
    let f = frame.font;
    let (y_ticks, top) = count_ticks(top_value, frame.y_ticks());
    let end_s = secs(end).max(1e-6);
    let x = Linear {
        domain: (0.0, end_s),
        range: (frame.x0, frame.x1),
    };
    let y = frame.counts(top);
    let mut svg = Svg::new(
        &frame,
        "Queued recipients over time",
        &format!(
            " data-x0=\"{}\" data-x1=\"{}\" data-end-s=\"{end_s:.6}\"",
            px(frame.x0),
            px(frame.x1)
        ),
    );
    svg.0.push_str("<g class=\"faults\">");
    for b in bands {
        let (from, until) = (x.at(secs(b.from)), x.at(secs(b.until.unwrap_or(end))));
        let width = (until - from).max(2.0);
        let to = b.until.map_or("the end".to_string(), |u| u.to_string());
        let _ = write!(
            svg.0,
            "<g class=\"fault-band\" data-fault=\"{}\" data-from-us=\"{}\" data-until-us=\"{}\">",
            esc(&b.label),
            b.from.as_micros(),
            b.until.map_or(String::new(), |u| u.as_micros().to_string())
        );
        let title = format!("{}: from {} to {to}", b.label, b.from);
        svg.rect((from, frame.y1), (width, frame.y0 - frame.y1), &title);
        if width > char_width(f) * b.label.chars().count() as f64 + f {
            svg.text("", (from + 0.3 * f, frame.y1 + 1.1 * f), "start", &b.label);
        }
        svg.0.push_str("</g>");
    }
    svg.0.push_str("</g>");
    svg.y_axis(&frame, &y_ticks, &|v| y.at(v), "recipients queued");
    let x_ticks = frame.fitting(&|n| time_ticks(end_s, n));
    svg.x_axis(
        &frame,
        &x_ticks,
        &|v| x.at(v),
        "simulated time since the start",
    );
    let points: Vec<(f64, usize)> = series.iter().map(|(t, n)| (secs(*t), *n)).collect();
    let _ = write!(
        svg.0,
        "<path class=\"series\" d=\"{}\"/>",
        step_path(&points, x, y, end_s)
    );
    QueuePlot {
        svg: svg.finish(),
        frame,
        x,
    }
}

/// The latency histogram of `values` (seconds) over a log axis, with
/// `percentiles` (`(p, seconds)`) marked; `None` when there is no value.
pub fn latency(values: &[f64], percentiles: &[(u8, f64)], size: Size) -> Option<String> {
    let buckets = log_buckets(values);
    let most = buckets.iter().map(|b| b.count).max()?;
    let mut frame = Frame::new(size, count_ticks(most, 6).1.to_string().len());
    let f = frame.font;
    // Room above the bars' counts for the percentiles' labels.
    frame.y1 += 1.2 * f;
    let (y_ticks, top) = count_ticks(most, frame.y_ticks());
    let domain = decades(&buckets);
    let x = Log {
        domain,
        range: (frame.x0, frame.x1),
    };
    let y = frame.counts(top);
    let mut svg = Svg::new(
        &frame,
        "Delivery latency",
        &format!(" data-buckets=\"{}\"", buckets.len()),
    );
    svg.y_axis(&frame, &y_ticks, &|v| y.at(v), "recipients");
    let x_ticks = frame.fitting(&|n| decade_ticks(domain, n));
    svg.x_axis(
        &frame,
        &x_ticks,
        &|v| x.at(v),
        "delivery latency (log scale)",
    );
    // A short mark at each bucket's edge: the buckets' regular steps.
    for b in &buckets {
        for e in [b.lo, b.hi] {
            let at = x.at(e);
            svg.line("minor", (at, frame.y0), (at, frame.y0 + 0.2 * f));
        }
    }
    svg.0.push_str("<g class=\"bars\">");
    let us = |s: f64| (s * 1e6).round() as u64;
    let mut last = (f64::MIN, 0.0);
    for b in buckets.iter().filter(|b| b.count > 0) {
        let (left, right) = (x.at(b.lo) + 1.0, x.at(b.hi) - 1.0);
        let top = y.at(b.count as f64);
        let _ = write!(
            svg.0,
            "<g class=\"bar\" data-lo=\"{}\" data-hi=\"{}\" data-count=\"{}\">",
            b.lo, b.hi, b.count
        );
        let title = format!(
            "{} delivered in {} to {}",
            b.count,
            duration(us(b.lo)),
            duration(us(b.hi))
        );
        svg.rect(
            (left, top),
            ((right - left).max(1.0), frame.y0 - top),
            &title,
        );
        svg.count(f, ((left + right) / 2.0, top), b.count, &mut last);
        svg.0.push_str("</g>");
    }
    svg.0.push_str("</g><g class=\"percentiles\">");
    // Percentiles too close to be labelled apart share a label.
    let mut marks: Vec<(f64, String)> = Vec::new();
    for (p, v) in percentiles {
        let at = x.at(*v);
        let _ = write!(
            svg.0,
            "<line class=\"percentile\" data-percentile=\"{p}\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"><title>p{p}: {}</title></line>",
            px(frame.y1 - 1.3 * f),
            px(frame.y0),
            esc(&duration(us(*v))),
            x = px(at),
        );
        match marks.last_mut() {
            Some((x0, label)) if at - *x0 < char_width(f) * (label.len() as f64 + 1.0) => {
                let _ = write!(label, " p{p}");
            }
            _ => marks.push((at, format!("p{p}"))),
        }
    }
    let middle = (frame.x0 + frame.x1) / 2.0;
    for (at, label) in &marks {
        let anchor = if *at > middle { "end" } else { "start" };
        svg.text("", (*at, frame.y1 - 1.5 * f), anchor, label);
    }
    svg.0.push_str("</g>");
    Some(svg.finish())
}

/// What a whole-number histogram's axes and bars say.
#[derive(Debug, Clone, Copy)]
pub struct Labels {
    /// The plot's name.
    pub name: &'static str,
    /// The x axis's title.
    pub x: &'static str,
    /// The y axis's title.
    pub y: &'static str,
    /// A bar's hover text.
    pub bar: fn(&Bin) -> String,
}

/// A histogram of whole numbers (`number → how many`): a bar per bin
/// (see [`int_bins`]) with its count above it; `None` when it is empty.
pub fn bars(hist: &BTreeMap<u32, usize>, labels: &Labels, size: Size) -> Option<String> {
    let most = hist.values().copied().max()?;
    let frame = Frame::new(size, count_ticks(most, 6).1.to_string().len());
    let f = frame.font;
    // One number a bin when their labels fit side by side; else bins of
    // several, labelled `lo–hi`.
    let digits = hist.keys().next_back().map_or(1, |n| n.to_string().len());
    let slot_for = |chars: usize| char_width(f) * chars as f64 + 0.8 * f;
    let room = frame.x1 - frame.x0;
    let singles = (room / slot_for(digits)) as usize;
    let bins = int_bins(hist, singles.max(1));
    let bins = if bins.iter().all(|b| b.lo == b.hi) {
        bins
    } else {
        int_bins(hist, ((room / slot_for(2 * digits + 1)) as usize).max(1))
    };
    let (y_ticks, top) = count_ticks(most, frame.y_ticks());
    let y = frame.counts(top);
    let slot = (frame.x1 - frame.x0) / bins.len().max(1) as f64;
    let centre = |i: f64| frame.x0 + (i + 0.5) * slot;
    let x_ticks: Vec<Tick> = bins
        .iter()
        .enumerate()
        .map(|(i, b)| Tick {
            value: i as f64,
            label: b.label(),
        })
        .collect();
    let mut svg = Svg::new(&frame, labels.name, "");
    svg.y_axis(&frame, &y_ticks, &|v| y.at(v), labels.y);
    svg.x_axis(&frame, &x_ticks, &centre, labels.x);
    svg.0.push_str("<g class=\"bars\">");
    let w = (slot * 0.7).min(6.0 * f);
    let mut last = (f64::MIN, 0.0);
    for (i, b) in bins.iter().enumerate().filter(|(_, b)| b.count > 0) {
        let top = y.at(b.count as f64);
        let c = centre(i as f64);
        let _ = write!(
            svg.0,
            "<g class=\"bar\" data-lo=\"{}\" data-hi=\"{}\" data-count=\"{}\">",
            b.lo, b.hi, b.count
        );
        svg.rect((c - w / 2.0, top), (w, frame.y0 - top), &(labels.bar)(b));
        svg.count(f, (c, top), b.count, &mut last);
        svg.0.push_str("</g>");
    }
    svg.0.push_str("</g>");
    Some(svg.finish())
}

#[cfg(test)]
mod tests;
