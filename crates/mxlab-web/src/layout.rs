//! Where each host sits on the stage: columns by role, senders on the left,
//! relays in the middle, destinations on the right, resolvers along the
//! top; or, on a narrow screen, rows by role from the senders at the top
//! down to the destinations, two hosts a line at most, resolvers above
//! them to the right. Positions are in the
//! stage's own units (its SVG viewBox).

use std::collections::BTreeMap;

use mxlab_sim::scenario::Role;

/// Width of the stage, in its units.
pub const WIDTH: f64 = 1000.0;
/// Top band, where resolvers sit.
const TOP: f64 = 70.0;
/// Vertical room per host in a column.
const ROW: f64 = 84.0;

/// A point on the stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Across.
    pub x: f64,
    /// Down.
    pub y: f64,
}

impl Point {
    /// The point a `fraction` of the way from `self` to `to`.
    pub fn towards(self, to: Point, fraction: f64) -> Point {
        let f = fraction.clamp(0.0, 1.0);
        Point {
            x: self.x + (to.x - self.x) * f,
            y: self.y + (to.y - self.y) * f,
        }
    }

    /// `self` moved `by` units across the way from `a` to `b`: to its
    /// right (below it, left to right), or to its left for a negative `by`.
    pub fn across(self, a: Point, b: Point, by: f64) -> Point {
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = dx.hypot(dy).max(1.0);
        Point {
            x: self.x - dy / len * by,
            y: self.y + dx / len * by,
        }
    }
}

/// The stage's column of a role (resolvers have none: they sit on top).
fn column(role: Role) -> Option<usize> {
    match role {
        Role::Mua => Some(0),
        Role::Submission => Some(1),
        Role::Relay => Some(2),
        Role::Mx => Some(3),
        Role::Resolver => None,
    }
}

/// The positions of `hosts` (name, role), and the stage height they need.
pub fn layout(hosts: &[(String, Role)]) -> (BTreeMap<String, Point>, f64) {
    let mut columns: [Vec<&str>; 4] = Default::default();
    let mut top = Vec::new();
    for (name, role) in hosts {
        match column(*role).and_then(|c| columns.get_mut(c)) {
            Some(col) => col.push(name),
            None => top.push(name.as_str()),
        }
    }
    // Empty columns take no room: the used ones share the width.
    let used: Vec<&Vec<&str>> = columns.iter().filter(|c| !c.is_empty()).collect();
    let tallest = used.iter().map(|c| c.len()).max().unwrap_or(1);
    let height = (TOP + 60.0 + tallest as f64 * ROW).max(420.0);
    let mut out = BTreeMap::new();
    let gap = WIDTH / (used.len().max(1) as f64);
    for (i, col) in used.iter().enumerate() {
        let x = gap * (i as f64 + 0.5);
        let room = (height - TOP - 40.0) / col.len() as f64;
        for (j, name) in col.iter().enumerate() {
            let y = TOP + 40.0 + room * (j as f64 + 0.5);
            out.insert((*name).to_string(), Point { x, y });
        }
    }
    let tgap = WIDTH / (top.len().max(1) as f64);
    for (i, name) in top.iter().enumerate() {
        out.insert(
            (*name).to_string(),
            Point {
                x: tgap * (i as f64 + 0.5),
                y: TOP - 30.0,
            },
        );
    }
    (out, height)
}

/// Width of the stage on a narrow screen (portrait), in its units.
pub const NARROW_WIDTH: f64 = 480.0;
/// Vertical room per line of hosts in portrait (box, name and role label,
/// and the packets on the link down to the next line).
const LINE: f64 = 136.0;
/// Hosts side by side on a line in portrait (their names must fit).
const PER_LINE: usize = 2;

/// The positions of `hosts` (name, role) on a narrow screen, and the
/// stage height they need (its width is [`NARROW_WIDTH`]): resolvers on
/// the first line, then a row per role, senders first, each row wrapped
/// at [`PER_LINE`] hosts.
pub fn portrait(hosts: &[(String, Role)]) -> (BTreeMap<String, Point>, f64) {
    let mut rows: [Vec<&str>; 5] = Default::default();
    for (name, role) in hosts {
        let row = column(*role).map_or(0, |c| c + 1);
        if let Some(r) = rows.get_mut(row) {
            r.push(name);
        }
    }
    let mut out = BTreeMap::new();
    let mut y = 45.0;
    for (r, row) in rows.iter().enumerate().filter(|(_, r)| !r.is_empty()) {
        for line in row.chunks(PER_LINE) {
            let n = line.len() as f64;
            for (i, name) in line.iter().enumerate() {
                let share = (i as f64 + 0.5) / n;
                // Resolvers stand to the right, so their lines down to the
                // hosts that ask them pass beside the senders' boxes.
                let x = if r == 0 {
                    NARROW_WIDTH * (0.55 + 0.45 * share)
                } else {
                    NARROW_WIDTH * share
                };
                out.insert((*name).to_string(), Point { x, y });
            }
            y += LINE;
        }
    }
    (out, (y - LINE + 75.0).max(240.0))
}

/// Half the width and half the height of a host's box, in stage units.
pub const HOST_HALF: (f64, f64) = (34.0, 20.0);

/// A quadratic curve from `a` to `b` that bows `bow` units to the left
/// of the way from `a` to `b` (above it, left to right).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arc {
    a: Point,
    control: Point,
    b: Point,
}

impl Arc {
    /// The curve bowing `bow` units from the chord at its middle.
    pub fn between(a: Point, b: Point, bow: f64) -> Arc {
        // Twice the bow at the control point puts the curve's middle at
        // `bow` from the chord.
        let control = a.towards(b, 0.5).across(a, b, -2.0 * bow);
        Arc { a, control, b }
    }

    /// The curve from `a` to `b` bowing `bow` units, or as little more
    /// (on either side) as keeps it clear of every host drawn at
    /// `hosts` other than its ends: an attempt drawn across a third
    /// host's box would hide where it died.
    pub fn clear_of(a: Point, b: Point, bow: f64, hosts: &[Point]) -> Arc {
        let others: Vec<Point> = hosts
            .iter()
            .copied()
            .filter(|h| *h != a && *h != b)
            .collect();
        let clear = |arc: &Arc| {
            (2..=18).all(|k| {
                let p = arc.at(f64::from(k) / 20.0);
                others.iter().all(|h| {
                    (p.x - h.x).abs() > HOST_HALF.0 + 10.0 || (p.y - h.y).abs() > HOST_HALF.1 + 10.0
                })
            })
        };
        [1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 4.5, -4.5]
            .iter()
            .map(|k| Arc::between(a, b, bow * k))
            .find(clear)
            .unwrap_or_else(|| Arc::between(a, b, bow))
    }

    /// The point a fraction `s` of the way along the curve.
    pub fn at(&self, s: f64) -> Point {
        let r = 1.0 - s;
        Point {
            x: r * r * self.a.x + 2.0 * r * s * self.control.x + s * s * self.b.x,
            y: r * r * self.a.y + 2.0 * r * s * self.control.y + s * s * self.b.y,
        }
    }

    /// The curve as an SVG path.
    pub fn path(&self) -> String {
        let Arc { a, control: c, b } = self;
        format!("M{} {} Q{} {} {} {}", a.x, a.y, c.x, c.y, b.x, b.y)
    }
}

/// Where the console's own client ("YOU") is drawn beside the host `to` it
/// types to, on a stage `width` × `height`: diagonally below and to the
/// left, so that its link passes clear of the host's name and role under
/// the box; to the right near the stage's left edge, above near its
/// bottom; always inside the stage with its own name.
pub fn console_spot(to: Point, width: f64, height: f64) -> Point {
    const DX: f64 = 140.0;
    const DY: f64 = 80.0;
    // The box is 68 × 40 with its name 36 below its centre.
    let dx = if to.x - DX < 45.0 { DX } else { -DX };
    let dy = if to.y + DY + 50.0 > height { -DY } else { DY };
    Point {
        x: (to.x + dx).clamp(45.0, (width - 45.0).max(45.0)),
        y: (to.y + dy).clamp(25.0, (height - 50.0).max(25.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_left_destinations_right_resolver_on_top() {
        let hosts = vec![
            ("mx.example.org".to_string(), Role::Mx),
            ("laptop".to_string(), Role::Mua),
            ("resolver".to_string(), Role::Resolver),
            ("smtp.example.com".to_string(), Role::Submission),
        ];
        let (p, height) = layout(&hosts);
        assert_eq!(p.len(), 4);
        assert!(p["laptop"].x < p["smtp.example.com"].x);
        assert!(p["smtp.example.com"].x < p["mx.example.org"].x);
        assert!(p["resolver"].y < p["laptop"].y);
        for q in p.values() {
            assert!(q.x > 0.0 && q.x < WIDTH && q.y > 0.0 && q.y < height);
        }
    }

    #[test]
    fn a_column_of_fifty_hosts_does_not_overlap() {
        let hosts: Vec<_> = (0..50).map(|i| (format!("mx{i}"), Role::Mx)).collect();
        let (p, height) = layout(&hosts);
        let mut ys: Vec<f64> = p.values().map(|q| q.y).collect();
        ys.sort_by(f64::total_cmp);
        assert!(ys.windows(2).all(|w| w[1] - w[0] >= 40.0));
        assert!(ys.last().copied().unwrap_or_default() < height);
    }

    #[test]
    fn portrait_puts_roles_in_rows_two_hosts_a_line() {
        let hosts = vec![
            ("mx1".to_string(), Role::Mx),
            ("mx2".to_string(), Role::Mx),
            ("mx3".to_string(), Role::Mx),
            ("laptop".to_string(), Role::Mua),
            ("resolver".to_string(), Role::Resolver),
            ("smtp".to_string(), Role::Submission),
        ];
        let (p, height) = portrait(&hosts);
        assert_eq!(p.len(), 6);
        assert!(p["resolver"].y < p["laptop"].y);
        assert!(p["laptop"].y < p["smtp"].y);
        assert!(p["smtp"].y < p["mx1"].y);
        // Two MXs on a line, the third on the next.
        assert_eq!(p["mx1"].y, p["mx2"].y);
        assert!(p["mx3"].y > p["mx2"].y);
        assert!(p["mx2"].x - p["mx1"].x >= NARROW_WIDTH / 2.0);
        // Taller than wide once there are a few rows, and all inside.
        assert!(height > NARROW_WIDTH);
        for q in p.values() {
            assert!(q.x > 0.0 && q.x < NARROW_WIDTH && q.y > 0.0 && q.y < height);
        }
    }

    #[test]
    fn towards_interpolates() {
        let a = Point { x: 0.0, y: 0.0 };
        let b = Point { x: 10.0, y: 20.0 };
        assert_eq!(a.towards(b, 0.5), Point { x: 5.0, y: 10.0 });
        assert_eq!(a.towards(b, 2.0), b);
    }

    #[test]
    fn across_is_to_the_right_of_the_way() {
        let (a, b) = (Point { x: 0.0, y: 0.0 }, Point { x: 10.0, y: 0.0 });
        let p = Point { x: 5.0, y: 0.0 };
        assert_eq!(p.across(a, b, 3.0), Point { x: 5.0, y: 3.0 });
        assert_eq!(p.across(b, a, 3.0), Point { x: 5.0, y: -3.0 });
        assert_eq!(p.across(a, b, -3.0), Point { x: 5.0, y: -3.0 });
    }

    #[test]
    fn an_arc_bows_round_a_host_in_its_way() {
        let (a, b) = (Point { x: 100.0, y: 300.0 }, Point { x: 900.0, y: 200.0 });
        let middle = a.towards(b, 0.5);
        // Nothing in the way: the bow asked for.
        assert_eq!(Arc::clear_of(a, b, 46.0, &[a, b]), Arc::between(a, b, 46.0));
        // A host on the curve's middle: it bows further, clear of the box.
        let first = Arc::between(a, b, 46.0).at(0.5);
        let arc = Arc::clear_of(a, b, 46.0, &[a, b, first, middle]);
        assert_ne!(arc, Arc::between(a, b, 46.0));
        for k in 2..=18 {
            let p = arc.at(f64::from(k) / 20.0);
            for h in [first, middle] {
                assert!(
                    (p.x - h.x).abs() > HOST_HALF.0 || (p.y - h.y).abs() > HOST_HALF.1,
                    "{p:?} on {h:?}"
                );
            }
        }
        assert_eq!(arc.at(0.0), a);
        assert_eq!(arc.at(1.0), b);
        assert!(arc.path().starts_with("M100 300 Q"));
    }

    #[test]
    fn the_console_client_sits_inside_the_stage_clear_of_its_hosts_labels() {
        let (w, h) = (WIDTH, 500.0);
        for to in [
            Point { x: 500.0, y: 250.0 },
            Point { x: 20.0, y: 250.0 },
            Point { x: 500.0, y: 480.0 },
            Point { x: 980.0, y: 20.0 },
        ] {
            let me = console_spot(to, w, h);
            assert!(me.x - 34.0 >= 0.0 && me.x + 34.0 <= w, "{me:?} for {to:?}");
            assert!(me.y - 20.0 >= 0.0 && me.y + 40.0 <= h, "{me:?} for {to:?}");
            // Its link leaves the host's box sideways: where it crosses the
            // host's labels' band (up to 60 below the centre), it is more
            // than 55 to the side of the host's centre.
            if me.y > to.y {
                let at = to.x + (me.x - to.x) * 60.0 / (me.y - to.y);
                assert!((at - to.x).abs() > 55.0, "{me:?} for {to:?}");
            }
        }
    }
}
