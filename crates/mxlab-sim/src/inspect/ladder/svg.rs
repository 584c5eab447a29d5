//! A ladder as a standalone SVG 1.1 document: light theme, 12 px labels
//! (SMTP lines in a monospace font, the rest in a sans-serif one), each
//! arrow with a `<title>` (its line in full and what it means) that
//! browsers show on hover. No ids, no scripts, no external resources, so
//! several can sit in one page.

use core::fmt::Write as _;

use super::build::{BAR, MONO, SANS};
use super::{Arrow, ArrowKind, CrossCause, Label, Ladder, NoteKind};
use crate::time::SimTime;

const SANS_FONTS: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', \
                          Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif";
const MONO_FONTS: &str = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', \
                          'DejaVu Sans Mono', monospace";
const INK: &str = "#1f2937";
const MUTED: &str = "#6b7280";
const LINE: &str = "#9ca3af";
const RED: &str = "#dc2626";
const LEGEND: f64 = 34.0;

/// How [`Ladder::to_svg`] draws.
#[derive(Debug, Clone, PartialEq)]
pub struct SvgOptions {
    /// Draw a line across the diagram at this moment (the current moment
    /// of a view synced with the timeline).
    pub now: Option<SimTime>,
    /// Draw a legend of the arrows' colours below the diagram.
    pub legend: bool,
}

impl Default for SvgOptions {
    fn default() -> Self {
        SvgOptions {
            now: None,
            legend: true,
        }
    }
}

/// Text escaped for XML character data and attribute values (the
/// statistics plots of the web app escape theirs with it too).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow (the trace's text is made
            // visible already; this is a last guard).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate: one decimal at most.
fn n(v: f64) -> String {
    round(v, 10.0)
}

/// `v` rounded to `1 / per`, written as briefly as it reads (`12`,
/// `-3.5`, never `-0`).
fn round(v: f64, per: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    format!("{}", (v * per).round() / per + 0.0)
}

/// An arrow's colour ([`Arrow::colour`]).
pub(super) fn colour(a: &Arrow) -> &'static str {
    match a.kind {
        ArrowKind::Command => "#1d4ed8",
        ArrowKind::Reply => match a.code.map(|c| c / 100) {
            Some(2) => "#15803d",
            Some(3) => "#0e7490",
            Some(4) => "#b45309",
            Some(5) => "#b91c1c",
            _ => "#374151",
        },
        ArrowKind::Data => "#6d28d9",
        ArrowKind::Connect => "#4b5563",
        ArrowKind::DnsQuery | ArrowKind::DnsAnswer => "#0f766e",
    }
}

pub(super) fn write(l: &Ladder, o: &SvgOptions) -> String {
    let legend = if o.legend { LEGEND } else { 0.0 };
    let width = if o.legend {
        l.width.max(legend_width())
    } else {
        l.width
    };
    let (w, h) = (n(width), n(l.height + legend));
    let mut s = String::with_capacity(4096 + l.arrows.len() * 400);
    let _ = write!(
        s,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" font-family=\"{SANS_FONTS}\" font-size=\"12\" fill=\"{INK}\">\n\
         <title>{}</title>\n<desc>Ladder diagram of a simulated SMTP run (MX Lab): one line per \
         host, time flowing down, one arrow per line sent.</desc>\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n\
         <text x=\"16\" y=\"28\" font-size=\"15\" font-weight=\"bold\">{}</text>\n",
        esc(&l.title),
        esc(&l.title)
    );
    let bottom = l.height - 12.0;
    // Sessions' bands, TLS shaded between the two lines.
    s.push_str("<g class=\"bands\">\n");
    for b in &l.bands {
        let x = |i: usize| l.columns.get(i).map_or(0.0, |c| c.x);
        // From TLS on, the band is amber: what follows is encrypted.
        let tls = b.tls_from.map(|t| t.clamp(b.y1, b.y2));
        for i in [b.client, b.server] {
            let plain_end = tls.unwrap_or(b.y2);
            let _ = writeln!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#dbeafe\" stroke=\"#93c5fd\"/>",
                n(x(i) - BAR),
                n(b.y1),
                n(2.0 * BAR),
                n((plain_end - b.y1).max(1.0))
            );
            if let Some(from) = tls {
                let _ = writeln!(
                    s,
                    "<rect class=\"tls\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fde68a\" stroke=\"#d97706\"/>",
                    n(x(i) - BAR),
                    n(from),
                    n(2.0 * BAR),
                    n((b.y2 - from).max(1.0))
                );
            }
        }
    }
    s.push_str("</g>\n<g class=\"hosts\">\n");
    for c in &l.columns {
        let hw = c.host.chars().count() as f64 * 8.0 + 24.0;
        let dash = if c.resolver {
            " stroke-dasharray=\"4 4\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"{LINE}\"{dash}/>\n\
             <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"30\" rx=\"5\" fill=\"#f3f4f6\" stroke=\"{LINE}\"/>\n\
             <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{}</text>",
            n(l.top),
            n(bottom),
            n(c.x - hw / 2.0),
            n(l.top - 30.0),
            n(hw),
            n(l.top - 10.5),
            esc(&c.host),
            x = n(c.x),
        );
    }
    s.push_str("</g>\n");
    ticks(&mut s, l);
    breaks(&mut s, l);
    s.push_str("<g class=\"arrows\">\n");
    for a in &l.arrows {
        arrow(&mut s, a);
    }
    s.push_str("</g>\n<g class=\"notes\">\n");
    for note in &l.notes {
        let colour = match note.kind {
            NoteKind::Delivered => "#15803d",
            NoteKind::Bounced => "#b91c1c",
            NoteKind::Deferred => "#b45309",
            NoteKind::Tls => "#a16207",
            NoteKind::Dsn | NoteKind::Fault => "#7c2d12",
        };
        let _ = writeln!(
            s,
            "<g class=\"note {}\"><title>{}: {}</title><circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{colour}\"/>",
            note.kind.class(),
            note.at,
            esc(&note.text),
            n(note.x),
            n(note.y)
        );
        label(&mut s, &note.label, false, colour, true);
        s.push_str("</g>\n");
    }
    s.push_str("</g>\n<g class=\"crosses\">\n");
    for x in &l.crosses {
        let class = match x.cause {
            CrossCause::Connect(_) => "failed",
            CrossCause::Cut(_) => "cut",
            CrossCause::DnsTimeout => "dns-timeout",
        };
        let _ = writeln!(
            s,
            "<g class=\"cross {class}\"><title>{}: {}</title>\
             <path d=\"M{} {}L{} {}M{} {}L{} {}\" stroke=\"{RED}\" stroke-width=\"3\" stroke-linecap=\"round\"/>",
            x.at,
            esc(&x.reason),
            n(x.x - 6.0),
            n(x.y - 6.0),
            n(x.x + 6.0),
            n(x.y + 6.0),
            n(x.x - 6.0),
            n(x.y + 6.0),
            n(x.x + 6.0),
            n(x.y - 6.0),
        );
        let moved = Label {
            x: x.label.x + 2.0,
            ..x.label.clone()
        };
        label(&mut s, &moved, false, RED, true);
        s.push_str("</g>\n");
    }
    s.push_str("</g>\n");
    if let Some(t) = o.now {
        let y = n(l.y_at(t));
        let _ = writeln!(
            s,
            "<g class=\"now\"><line x1=\"8\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#e11d48\" stroke-width=\"1.5\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-family=\"{MONO_FONTS}\" font-size=\"11\" fill=\"#e11d48\">{}</text></g>",
            n(width - 8.0),
            n(width - 10.0),
            n(l.y_at(t) - 4.0),
            esc(&format!("now {t}"))
        );
    }
    if o.legend {
        legend_row(&mut s, l.height + 6.0);
    }
    s.push_str("</svg>\n");
    s
}

/// The time axis: each labelled moment, right-aligned in the gutter.
fn ticks(s: &mut String, l: &Ladder) {
    let right = l
        .columns
        .first()
        .map_or(120.0, |c| c.x - c.host.chars().count() as f64 * 4.0 - 24.0);
    let _ = writeln!(
        s,
        "<g class=\"ticks\" font-family=\"{MONO_FONTS}\" font-size=\"11\" fill=\"{MUTED}\" text-anchor=\"end\">"
    );
    for t in &l.ticks {
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            n(right),
            n(t.y + 4.0),
            esc(&t.label)
        );
    }
    s.push_str("</g>\n");
}

/// The breaks: the lines hidden, two zig-zags across, the skipped time.
fn breaks(s: &mut String, l: &Ladder) {
    s.push_str("<g class=\"breaks\">\n");
    for b in &l.breaks {
        let mid = (b.y1 + b.y2) / 2.0;
        let _ = writeln!(
            s,
            "<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
            n(b.y1 + 4.0),
            n(l.width),
            n((b.y2 - b.y1 - 8.0).max(0.0))
        );
        for dy in [-5.0, 5.0] {
            let mut d = format!("M8 {}", n(mid + dy));
            let mut x = 8.0;
            let mut up = true;
            while x < l.width - 8.0 {
                x += 6.0;
                let y = mid + dy + if up { -4.0 } else { 4.0 };
                let _ = write!(d, "L{} {}", n(x), n(y));
                up = !up;
            }
            let _ = writeln!(
                s,
                "<path d=\"{d}\" fill=\"none\" stroke=\"{LINE}\" stroke-width=\"1.2\"/>"
            );
        }
        let text = format!("⋯ {} ⋯", b.label);
        let wide = text.chars().count() as f64 * SANS + 16.0;
        let cx = l.width / 2.0;
        let _ = writeln!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"20\" rx=\"10\" fill=\"#ffffff\" stroke=\"{LINE}\"/>\n\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-style=\"italic\" fill=\"{MUTED}\">{}</text>",
            n(cx - wide / 2.0),
            n(mid - 10.0),
            n(wide),
            n(cx),
            n(mid + 4.0),
            esc(&text)
        );
    }
    s.push_str("</g>\n");
}

fn arrow(s: &mut String, a: &Arrow) {
    let colour = colour(a);
    let (width, dash) = match a.kind {
        ArrowKind::Data => ("2.5", ""),
        ArrowKind::Connect => ("1.3", " stroke-dasharray=\"5 4\""),
        ArrowKind::DnsQuery | ArrowKind::DnsAnswer => ("1.3", " stroke-dasharray=\"7 3\""),
        _ => ("1.5", ""),
    };
    let class = match a.code.map(|c| c / 100) {
        Some(k) => format!("arrow {} r{k}xx", a.kind.class()),
        None => format!("arrow {}", a.kind.class()),
    };
    let [tip, left, right] = a.head();
    // The line stops at the head's base.
    let (dx, dy) = (a.x2 - a.x1, a.y2 - a.y1);
    let len = dx.hypot(dy).max(1.0);
    let (ex, ey) = (a.x2 - 7.0 * dx / len, a.y2 - 7.0 * dy / len);
    let _ = writeln!(
        s,
        "<g class=\"{class}\"><title>{} → {}: {}\n{}</title>\
         <line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{colour}\" stroke-width=\"{width}\"{dash}/>\
         <polygon points=\"{},{} {},{} {},{}\" fill=\"{colour}\"/>",
        a.sent,
        a.arrived,
        esc(&a.text),
        esc(&a.explanation),
        n(a.x1),
        n(a.y1),
        n(ex),
        n(ey),
        n(tip.0),
        n(tip.1),
        n(left.0),
        n(left.1),
        n(right.0),
        n(right.1),
    );
    let mono = matches!(a.kind, ArrowKind::Command | ArrowKind::Reply);
    label(s, &a.label, mono, colour, !mono);
    s.push_str("</g>\n");
}

/// A label on a white ground, turned about its anchor.
fn label(s: &mut String, l: &Label, mono: bool, colour: &str, italic: bool) {
    let per = if mono { MONO } else { SANS };
    let wide = l.lines.iter().map(|t| t.chars().count()).max().unwrap_or(0) as f64 * per + 6.0;
    let x0 = if l.centred {
        l.x - wide / 2.0
    } else {
        l.x - 3.0
    };
    let turn = if l.angle.abs() > 0.01 {
        format!(
            " transform=\"rotate({} {} {})\"",
            round(l.angle, 100.0),
            n(l.x),
            n(l.y)
        )
    } else {
        String::new()
    };
    let rows = l.lines.len().max(1) as f64;
    let _ = write!(
        s,
        "<g{turn}><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\" fill-opacity=\"0.88\"/>",
        n(x0),
        n(l.y - 10.5),
        n(wide),
        n(14.0 + (rows - 1.0) * 15.0)
    );
    let font = if mono {
        format!(" font-family=\"{MONO_FONTS}\"")
    } else {
        String::new()
    };
    let style = if italic { " font-style=\"italic\"" } else { "" };
    let anchor = if l.centred { "middle" } else { "start" };
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" fill=\"{colour}\"{font}{style}>",
        n(l.x),
        n(l.y)
    );
    for (i, line) in l.lines.iter().enumerate() {
        if i == 0 {
            s.push_str(&esc(line));
        } else {
            let _ = write!(s, "<tspan x=\"{}\" dy=\"15\">{}</tspan>", n(l.x), esc(line));
        }
    }
    s.push_str("</text></g>");
}

/// The legend's items: colour, dashes, words.
const ITEMS: [(&str, &str, &str); 8] = [
    ("#1d4ed8", "", "command"),
    ("#15803d", "", "2yz reply"),
    ("#0e7490", "", "3yz"),
    ("#b45309", "", "4yz"),
    ("#b91c1c", "", "5yz"),
    ("#6d28d9", "", "mail data"),
    ("#4b5563", "5 4", "TCP connect"),
    ("#0f766e", "7 3", "DNS"),
];

/// Step from one legend item to the next.
fn legend_step(text: &str) -> f64 {
    28.0 + text.chars().count() as f64 * 8.0 + 20.0
}

/// The legend's width.
fn legend_width() -> f64 {
    16.0 + ITEMS.iter().map(|(_, _, t)| legend_step(t)).sum::<f64>() + 120.0
}

/// What the colours mean, in one row.
fn legend_row(s: &mut String, y: f64) {
    let _ = writeln!(s, "<g class=\"legend\" fill=\"{MUTED}\">");
    let mut x = 16.0;
    let ty = y + 16.0;
    for (colour, dash, text) in ITEMS {
        let dash = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        let _ = writeln!(
            s,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            n(x),
            n(ty - 4.0),
            n(x + 22.0),
            n(ty - 4.0),
            n(x + 28.0),
            n(ty),
            esc(text)
        );
        x += legend_step(text);
    }
    let _ = writeln!(
        s,
        "<path d=\"M{} {}L{} {}M{} {}L{} {}\" stroke=\"{RED}\" stroke-width=\"2.5\" stroke-linecap=\"round\"/>\
         <text x=\"{}\" y=\"{}\">failed or cut</text>",
        n(x + 4.0),
        n(ty - 9.0),
        n(x + 14.0),
        n(ty + 1.0),
        n(x + 4.0),
        n(ty + 1.0),
        n(x + 14.0),
        n(ty - 9.0),
        n(x + 22.0),
        n(ty)
    );
    s.push_str("</g>\n");
}
