//! The stage's geometry: where each host is drawn (placed by the layout,
//! moved by dragging), the zoom and the pan.

use std::collections::BTreeMap;

use mxlab_sim::scenario::Role;

use crate::layout::{layout, portrait, Point, NARROW_WIDTH, WIDTH};

/// What a pointer drag moves.
#[derive(Debug, Clone, PartialEq)]
pub enum Drag {
    /// A host.
    Host(String),
    /// The whole stage: the last pointer position, without the pan.
    Pan(Option<(f64, f64)>),
}

/// Where the hosts are drawn, and how the stage is zoomed and panned.
#[derive(Debug, Clone, PartialEq)]
pub struct StageLayout {
    /// Each host's position, in stage units.
    pub positions: BTreeMap<String, Point>,
    /// The stage's width, in stage units: [`WIDTH`], or [`NARROW_WIDTH`]
    /// on a narrow screen.
    pub width: f64,
    /// The stage's height, in stage units.
    pub height: f64,
    /// Laid out for a narrow screen (rows of hosts, not columns).
    pub narrow: bool,
    /// The zoom factor (0.5 to 4).
    pub zoom: f64,
    /// The pan, in stage units.
    pub pan: (f64, f64),
    /// The drag in progress.
    pub drag: Option<Drag>,
}

impl Default for StageLayout {
    fn default() -> Self {
        StageLayout {
            positions: BTreeMap::new(),
            width: WIDTH,
            height: 420.0,
            narrow: false,
            zoom: 1.0,
            drag: None,
            pan: (0.0, 0.0),
        }
    }
}

impl StageLayout {
    /// The layout of `hosts` (name, role): no zoom, no pan.
    pub(super) fn reset(&mut self, hosts: &[(String, Role)]) {
        (self.positions, self.height) = if self.narrow {
            portrait(hosts)
        } else {
            layout(hosts)
        };
        self.width = if self.narrow { NARROW_WIDTH } else { WIDTH };
        self.zoom = 1.0;
        self.pan = (0.0, 0.0);
    }

    /// The stage's viewBox: (x, y, width, height).
    pub fn view_box(&self) -> (f64, f64, f64, f64) {
        let w = self.width / self.zoom;
        let h = self.height / self.zoom;
        (
            (self.width - w) / 2.0 + self.pan.0,
            (self.height - h) / 2.0 + self.pan.1,
            w,
            h,
        )
    }

    /// A press on the stage's background starts a pan (a press on a host
    /// bubbles up here after it started a drag).
    pub(super) fn pan_start(&mut self) {
        if self.drag.is_none() {
            self.drag = Some(Drag::Pan(None));
        }
    }

    /// The pointer moved to (`x`, `y`): the dragged host follows it, or
    /// the point under it stays under it. False if nothing is dragged.
    pub(super) fn drag_move(&mut self, x: f64, y: f64) -> bool {
        match &mut self.drag {
            Some(Drag::Host(h)) => {
                if let Some(p) = self.positions.get_mut(h.as_str()) {
                    *p = Point {
                        x: x.clamp(10.0, self.width - 10.0),
                        y: y.clamp(10.0, self.height - 10.0),
                    };
                }
                true
            }
            Some(Drag::Pan(last)) => {
                let (px, py) = (x - self.pan.0, y - self.pan.1);
                if let Some((lx, ly)) = *last {
                    self.pan.0 -= px - lx;
                    self.pan.1 -= py - ly;
                }
                *last = Some((px, py));
                true
            }
            None => false,
        }
    }

    /// Zooms by `factor`, within 0.5 to 4.
    pub(super) fn zoom_by(&mut self, factor: f64) {
        self.zoom = (self.zoom * factor).clamp(0.5, 4.0);
    }
}
