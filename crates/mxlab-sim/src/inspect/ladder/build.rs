//! Laying a ladder out: what [`read`](super::read) found, placed in
//! columns, rows and pixels.

use std::collections::{BTreeMap, BTreeSet};

use super::read::{collect, columns, times_of, ArrowDraft, Collected, End, Shape};
use super::scale::{Scale, BREAK};
use super::*;

/// Width of a character of the 12 px monospace labels.
pub(super) const MONO: f64 = 7.3;
/// Average width of a character of the 12 px sans-serif notes.
pub(super) const SANS: f64 = 7.0;
/// Width of a character of the 13 px bold host names.
const HEAD: f64 = 8.0;
/// Half the width of a session's band on a host's line.
pub(super) const BAR: f64 = 4.0;
/// The columns' headings end here; the lines start.
const TOP: f64 = 84.0;
const MIN_GAP: f64 = 230.0;
const MAX_GAP: f64 = 470.0;
/// Characters per line of a note or a cross's reason at most.
const NOTE_CHARS: usize = 40;

pub(super) fn build(trace: &Trace, scope: &Scope, layout: &Layout) -> Result<Ladder, LadderError> {
    let c = collect(trace, scope)?;
    let cols = columns(&c);
    let index = |h: &str| cols.iter().position(|(c, _)| c == h).unwrap_or(0);

    // The time axis's labels, for the gutter's width.
    let mut instants: BTreeSet<SimTime> = BTreeSet::new();
    for d in &c.drafts {
        instants.extend(times_of(&d.shape));
    }
    let tick_chars = instants
        .iter()
        .map(|t| t.to_string().chars().count())
        .max()
        .unwrap_or(12);
    let gutter = tick_chars as f64 * 6.7 + 28.0;

    // Horizontal: the gap between two neighbours fits the longest label of
    // the arrows between them, within bounds, and their headings.
    let heads: Vec<f64> = cols
        .iter()
        .map(|(h, _)| h.chars().count() as f64 * HEAD + 28.0)
        .collect();
    let mut gaps: Vec<f64> = heads
        .windows(2)
        .map(|w| match w {
            [a, b] => ((a + b) / 2.0 + 20.0).max(MIN_GAP),
            _ => MIN_GAP,
        })
        .collect();
    for d in &c.drafts {
        if let Shape::Arrow(a) = &d.shape {
            let (i, j) = (index(&a.from), index(&a.to));
            if i.abs_diff(j) == 1 {
                let want = (a.label.chars().count() as f64 * MONO + 64.0).min(MAX_GAP);
                if let Some(g) = gaps.get_mut(i.min(j)) {
                    *g = g.max(want);
                }
            }
        }
    }
    let first_half = heads.first().map_or(60.0, |h| h / 2.0);
    let mut xs = vec![gutter + first_half + 12.0];
    for g in &gaps {
        let last = xs.last().copied().unwrap_or(0.0);
        xs.push(last + g);
    }
    let x_of = |i: usize| xs.get(i).copied().unwrap_or(0.0);
    // Text beside a host's line, to its right, fits before the next one.
    let room = |i: usize| -> usize {
        gaps.get(i)
            .map_or(NOTE_CHARS, |g| ((g - 36.0) / SANS) as usize)
            .min(NOTE_CHARS)
    };

    // Rows: every drawn thing's moment(s), with the rows it takes.
    struct Slot {
        t: SimTime,
        leaving: bool,
        seq: usize,
        rows: usize,
        draft: usize,
        end: bool,
    }
    let mut wrapped: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut slots: Vec<Slot> = Vec::new();
    for (k, d) in c.drafts.iter().enumerate() {
        match &d.shape {
            Shape::Arrow(a) => {
                slots.push(Slot {
                    t: a.sent,
                    leaving: true,
                    seq: d.seq,
                    rows: 1,
                    draft: k,
                    end: false,
                });
                let lines = match &a.end {
                    End::Line => Vec::new(),
                    End::Refused(_, why) => wrap(why, room(index(&a.to)), 6),
                    End::Halfway(_, why) => {
                        let i = index(&a.from).min(index(&a.to));
                        wrap(why, room(i) / 2, 6)
                    }
                };
                slots.push(Slot {
                    t: a.arrived,
                    leaving: false,
                    seq: d.seq,
                    rows: lines.len().max(1),
                    draft: k,
                    end: true,
                });
                wrapped.insert(k, lines);
            }
            Shape::Cross {
                host, at, reason, ..
            } => {
                let lines = wrap(reason, room(index(host)), 6);
                slots.push(Slot {
                    t: *at,
                    leaving: true,
                    seq: d.seq,
                    rows: lines.len().max(1),
                    draft: k,
                    end: false,
                });
                wrapped.insert(k, lines);
            }
            Shape::Note { host, at, text, .. } => {
                let lines = wrap(text, room(index(host)), 6);
                slots.push(Slot {
                    t: *at,
                    leaving: true,
                    seq: d.seq,
                    rows: lines.len().max(1),
                    draft: k,
                    end: false,
                });
                wrapped.insert(k, lines);
            }
        }
    }
    slots.sort_by_key(|s| (s.t, s.leaving, s.seq, s.draft, s.end));
    let mut stacks: Vec<(SimTime, usize, usize)> = Vec::new();
    for s in &slots {
        match stacks.last_mut() {
            Some((t, arriving, leaving)) if *t == s.t => {
                if s.leaving {
                    *leaving += s.rows;
                } else {
                    *arriving += s.rows;
                }
            }
            _ => stacks.push(if s.leaving {
                (s.t, 0, s.rows)
            } else {
                (s.t, s.rows, 0)
            }),
        }
    }
    let first_row = TOP + 34.0;
    let scale = Scale::place(&stacks, first_row, layout.idle_break);
    // The row of each slot: arrivals first, then departures.
    let mut row_of: BTreeMap<(usize, bool), f64> = BTreeMap::new();
    let mut cursor: Option<(SimTime, usize, usize)> = None;
    for s in &slots {
        let arriving_rows = stacks
            .binary_search_by_key(&s.t, |(t, _, _)| *t)
            .ok()
            .and_then(|i| stacks.get(i))
            .map_or(0, |(_, a, _)| *a);
        let (a, l) = match cursor {
            Some((t, a, l)) if t == s.t => (a, l),
            _ => (0, 0),
        };
        let row = if s.leaving { arriving_rows + l } else { a };
        row_of.insert((s.draft, s.end), scale.row_y(s.t, row));
        cursor = Some(if s.leaving {
            (s.t, a, l + s.rows)
        } else {
            (s.t, a + s.rows, l)
        });
    }

    let mut ladder = Ladder {
        title: title(scope, &c),
        columns: cols
            .iter()
            .enumerate()
            .map(|(i, (host, resolver))| Column {
                host: host.clone(),
                x: x_of(i),
                resolver: *resolver,
            })
            .collect(),
        arrows: Vec::new(),
        crosses: Vec::new(),
        notes: Vec::new(),
        breaks: Vec::new(),
        bands: Vec::new(),
        ticks: Vec::new(),
        top: TOP,
        width: 0.0,
        height: 0.0,
        scale,
    };
    for (k, d) in c.drafts.iter().enumerate() {
        let y = |end: bool| row_of.get(&(k, end)).copied().unwrap_or(0.0);
        let lines = wrapped.remove(&k).unwrap_or_default();
        match &d.shape {
            Shape::Arrow(a) => {
                place_arrow(&mut ladder, d.seq, a, (y(false), y(true)), lines, &index)
            }
            Shape::Cross {
                host,
                at,
                cause,
                reason,
                conn,
            } => {
                let column = index(host);
                let (x, y) = (x_of(column), y(false));
                ladder.crosses.push(Cross {
                    cause: *cause,
                    column,
                    x,
                    y,
                    at: *at,
                    reason: reason.clone(),
                    label: beside(x, y, lines),
                    conn: *conn,
                    event: d.seq,
                });
            }
            Shape::Note {
                host,
                at,
                kind,
                text,
            } => {
                let column = index(host);
                let (x, y) = (x_of(column), y(false));
                ladder.notes.push(Note {
                    kind: *kind,
                    column,
                    x,
                    y,
                    at: *at,
                    text: text.clone(),
                    label: beside(x, y, lines),
                    event: d.seq,
                });
            }
        }
    }
    ladder.arrows.sort_by_key(|a| (a.sent, a.event));
    bands(&mut ladder, &c, &index);
    ticks_and_breaks(&mut ladder);
    size(&mut ladder, gutter);
    Ok(ladder)
}

/// Text to the right of a point on a host's line.
fn beside(x: f64, y: f64, lines: Vec<String>) -> Label {
    Label {
        x: x + BAR + 10.0,
        y: y + 4.0,
        angle: 0.0,
        centred: false,
        lines,
    }
}

fn place_arrow(
    ladder: &mut Ladder,
    seq: usize,
    a: &ArrowDraft,
    (y1, y2): (f64, f64),
    lines: Vec<String>,
    index: &dyn Fn(&str) -> usize,
) {
    let (from, to) = (index(&a.from), index(&a.to));
    let x = |i: usize| ladder.columns.get(i).map_or(0.0, |c| c.x);
    let dir = if x(to) >= x(from) { 1.0 } else { -1.0 };
    let x1 = x(from) + dir * BAR;
    let x2 = match a.end {
        End::Halfway(..) => (x(from) + x(to)) / 2.0,
        _ => x(to) - dir * BAR,
    };
    // The label along the arrow, reading left to right, above it.
    let (dx, dy) = (x2 - x1, y2 - y1);
    let (ux, uy) = if dx >= 0.0 { (dx, dy) } else { (-dx, -dy) };
    let len = ux.hypot(uy).max(1.0);
    let angle = uy.atan2(ux).to_degrees();
    let (nx, ny) = (uy / len, -ux / len);
    let room = ((len - 30.0) / MONO).max(6.0) as usize;
    let label = Label {
        x: (x1 + x2) / 2.0 + 5.0 * nx,
        y: (y1 + y2) / 2.0 + 5.0 * ny,
        angle: (angle * 100.0).round() / 100.0,
        centred: true,
        lines: vec![shorten(&a.label, room)],
    };
    ladder.arrows.push(Arrow {
        kind: a.kind,
        from,
        to,
        x1,
        y1,
        x2,
        y2,
        sent: a.sent,
        arrived: a.arrived,
        text: a.text.clone(),
        explanation: a.explanation.clone(),
        label,
        conn: a.conn,
        event: seq,
        lines: a.lines,
        code: a.code,
        encrypted: a.encrypted,
    });
    if let End::Refused(cause, why) | End::Halfway(cause, why) = &a.end {
        let column = if matches!(a.end, End::Refused(..)) {
            to
        } else {
            from.min(to)
        };
        let cx = if matches!(a.end, End::Refused(..)) {
            x(to)
        } else {
            x2
        };
        ladder.crosses.push(Cross {
            cause: *cause,
            column,
            x: cx,
            y: y2,
            at: a.arrived,
            reason: why.clone(),
            label: beside(cx, y2, lines),
            conn: a.conn,
            event: seq,
        });
    }
}

/// Each session's span on its hosts' lines: from its connection (or its
/// first line) to its last line or cut; shaded from TLS on.
fn bands(ladder: &mut Ladder, c: &Collected, index: &dyn Fn(&str) -> usize) {
    for b in &c.bands {
        let ys: Vec<f64> = ladder
            .arrows
            .iter()
            .filter(|a| a.conn == Some(b.conn))
            .flat_map(|a| [a.y1, a.y2])
            .chain(
                ladder
                    .crosses
                    .iter()
                    .filter(|x| x.conn == Some(b.conn))
                    .map(|x| x.y),
            )
            .collect();
        let start = ladder
            .arrows
            .iter()
            .find(|a| a.conn == Some(b.conn) && a.kind == ArrowKind::Connect)
            .map(|a| a.y2);
        let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() || !hi.is_finite() {
            continue;
        }
        let tls_from = c.tls.get(&b.conn).and_then(|t| {
            ladder
                .notes
                .iter()
                .find(|n| n.kind == NoteKind::Tls && n.at == *t)
                .map(|n| n.y)
        });
        ladder.bands.push(Band {
            conn: b.conn,
            client: index(&b.client),
            server: index(&b.server),
            y1: start.unwrap_or(lo) - 4.0,
            y2: hi + 4.0,
            tls_from,
        });
    }
}

/// A label on the time axis for each moment with room for one, always
/// for the first after a break; the breaks with their skipped time.
fn ticks_and_breaks(ladder: &mut Ladder) {
    let after_break: BTreeSet<usize> = ladder.scale.gaps.iter().map(|g| g.after + 1).collect();
    let mut last = f64::NEG_INFINITY;
    for (i, s) in ladder.scale.instants.iter().enumerate() {
        if s.y - last >= 16.0 || after_break.contains(&i) {
            ladder.ticks.push(Tick {
                y: s.y,
                at: s.t,
                label: s.t.to_string(),
            });
            last = s.y;
        }
    }
    for g in &ladder.scale.gaps {
        if let Some((y1, y2, from, to)) = ladder.scale.gap_band(*g) {
            let skipped = to.as_micros().saturating_sub(from.as_micros());
            ladder.breaks.push(Break {
                from,
                to,
                y1,
                y2,
                label: format!("{} later", duration_words(skipped)),
            });
        }
    }
    debug_assert!(ladder.breaks.iter().all(|b| b.y2 - b.y1 <= BREAK));
}

/// The width (the last column and the text beside it) and height.
fn size(ladder: &mut Ladder, gutter: f64) {
    let text_right = |l: &Label| {
        let chars = l.lines.iter().map(|s| s.chars().count()).max().unwrap_or(0);
        l.x + chars as f64 * SANS
    };
    let right = ladder
        .columns
        .iter()
        .map(|c| c.x + c.host.chars().count() as f64 * HEAD / 2.0 + 20.0)
        .chain(ladder.notes.iter().map(|n| text_right(&n.label)))
        .chain(ladder.crosses.iter().map(|x| text_right(&x.label)))
        .fold(gutter + 200.0, f64::max);
    // The heading: 15 px bold.
    let heading = 16.0 + ladder.title.chars().count() as f64 * 8.9 + 16.0;
    ladder.width = (right + 24.0).max(heading).ceil();
    let bottom = ladder
        .scale
        .instants
        .last()
        .map_or(TOP + 40.0, |s| s.y + s.rows as f64 * ROW);
    ladder.height = (bottom + 28.0).ceil();
}

/// What the ladder shows, in a sentence.
fn title(scope: &Scope, c: &Collected) -> String {
    match scope {
        Scope::Session(conn) => match c.bands.first() {
            Some(b) => format!(
                "Session {conn}: {} → {}, port {}, opened at {}",
                b.client, b.server, b.port, b.opened
            ),
            None => format!("Session {conn}"),
        },
        Scope::Message(id) => {
            let failed = c
                .drafts
                .iter()
                .filter(|d| match &d.shape {
                    Shape::Arrow(a) => a.kind == ArrowKind::Connect && a.end != End::Line,
                    Shape::Cross { cause, .. } => matches!(cause, CrossCause::Connect(_)),
                    Shape::Note { .. } => false,
                })
                .count();
            let dns = c
                .drafts
                .iter()
                .filter(|d| matches!(&d.shape, Shape::Arrow(a) if a.kind == ArrowKind::DnsQuery))
                .count();
            let n = c.bands.len();
            let mut parts = vec![format!("{n} session{}", if n == 1 { "" } else { "s" })];
            if failed > 0 {
                parts.push(format!(
                    "{failed} failed connection{}",
                    if failed == 1 { "" } else { "s" }
                ));
            }
            if dns > 0 {
                parts.push(format!(
                    "{dns} DNS question{}",
                    if dns == 1 { "" } else { "s" }
                ));
            }
            format!("Message {id}: {}", parts.join(", "))
        }
    }
}
