//! The report's map: [`MapData`] drawn as one inline SVG (local plane projection, units by
//! type, measured features with dimension lines, scale bar, north arrow, legend).

use std::fmt::Write;

use geo::{Area, Coord, Geometry, InteriorPoint, LineString, MultiPolygon, Polygon};

use super::escape;
use crate::compile::UnitType;
use crate::compile::quantity::{Dimension, format_value};
use crate::index::measure::LocalPlane;
use crate::report::map::{MAP_HEIGHT_PX, MAP_WIDTH_PX, MapData, Measurement, Probe};

const W: f64 = MAP_WIDTH_PX;
const H: f64 = MAP_HEIGHT_PX;
const PROJECT_COLOUR: &str = "#c8102e";
/// Colours of the layers a clause measures against, in measurement order.
const LAYER_COLOURS: [&str; 5] = ["#1565c0", "#6a1b9a", "#00796b", "#8d6e00", "#ad1457"];

/// Fill pattern id, background and stroke colour of a unit type. Each type has its own hatching
/// so a greyscale print still tells them apart.
fn unit_style(t: UnitType) -> (&'static str, &'static str, &'static str) {
    match t {
        UnitType::Priority => ("u-priority", "#cfe9c4", "#2e7d32"),
        UnitType::Key => ("u-key", "#fbd3b6", "#d84315"),
        UnitType::General => ("u-general", "#d9e2ec", "#546e7a"),
    }
}

/// Lon/lat → SVG pixels.
struct Projection {
    plane: LocalPlane,
    x0: f64,
    y1: f64,
    /// Pixels per metre.
    k: f64,
}

impl Projection {
    fn new(data: &MapData) -> Self {
        let plane = LocalPlane::new(data.view.center());
        let a = plane.forward(data.view.min());
        let b = plane.forward(data.view.max());
        let k = W / (b.x - a.x).max(f64::MIN_POSITIVE);
        Projection {
            plane,
            x0: a.x,
            y1: b.y,
            k,
        }
    }

    fn px(&self, c: Coord<f64>) -> Coord<f64> {
        let p = self.plane.forward(c);
        Coord {
            x: (p.x - self.x0) * self.k,
            y: (self.y1 - p.y) * self.k,
        }
    }
}

fn num(v: f64) -> String {
    let s = format!("{v:.1}");
    let s = s.strip_suffix(".0").unwrap_or(&s).to_string();
    if s == "-0" { "0".into() } else { s }
}

fn ring_path(out: &mut String, proj: &Projection, ring: &LineString<f64>) {
    for (i, c) in ring.0.iter().enumerate() {
        let p = proj.px(*c);
        let _ = write!(
            out,
            "{}{} {}",
            if i == 0 { "M" } else { "L" },
            num(p.x),
            num(p.y)
        );
    }
    out.push('Z');
}

fn polygons_path(proj: &Projection, mp: &MultiPolygon<f64>) -> String {
    let mut d = String::new();
    for p in &mp.0 {
        ring_path(&mut d, proj, p.exterior());
        for r in p.interiors() {
            ring_path(&mut d, proj, r);
        }
    }
    d
}

fn line_path(proj: &Projection, l: &LineString<f64>) -> String {
    let mut d = String::new();
    for (i, c) in l.0.iter().enumerate() {
        let p = proj.px(*c);
        let _ = write!(
            d,
            "{}{} {}",
            if i == 0 { "M" } else { "L" },
            num(p.x),
            num(p.y)
        );
    }
    d
}

/// Approximate advance of a text in pixels: CJK characters are square, others about half.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.56 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// Placed label boxes, so labels do not overlap one another or the map furniture.
struct Labels {
    boxes: Vec<[f64; 4]>,
}

impl Labels {
    fn overlaps(&self, b: [f64; 4]) -> bool {
        self.boxes
            .iter()
            .any(|o| b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1])
    }

    /// Finds a free spot for a centred label near `(x, y)` among the offsets; records and
    /// returns the baseline position. With `force`, the first offset is used when none is free.
    fn place(
        &mut self,
        x: f64,
        y: f64,
        text: &str,
        size: f64,
        offsets: &[(f64, f64)],
        force: bool,
    ) -> Option<(f64, f64)> {
        let w = text_width(text, size) + 6.0;
        let fits = |cx: f64, cy: f64| {
            let b = [
                cx - w / 2.0,
                cy - size - 3.0,
                cx + w / 2.0,
                cy + 0.35 * size + 2.0,
            ];
            (b[0] >= 2.0 && b[2] <= W - 2.0 && b[1] >= 2.0 && b[3] <= H - 2.0).then_some(b)
        };
        for (dx, dy) in offsets {
            let (cx, cy) = (x + dx, y + dy);
            if let Some(b) = fits(cx, cy).filter(|b| !self.overlaps(*b)) {
                self.boxes.push(b);
                return Some((cx, cy));
            }
        }
        if force {
            let (dx, dy) = offsets.first().copied().unwrap_or((0.0, 0.0));
            let cx = (x + dx).clamp(w / 2.0 + 2.0, W - w / 2.0 - 2.0);
            let cy = (y + dy).clamp(size + 3.0, H - 3.0);
            self.boxes.push([
                cx - w / 2.0,
                cy - size - 1.0,
                cx + w / 2.0,
                cy + 0.35 * size,
            ]);
            return Some((cx, cy));
        }
        None
    }
}

impl Labels {
    /// Keeps labels off a drawn segment (a dimension line or an arrow).
    fn block_segment(&mut self, a: Coord<f64>, b: Coord<f64>) {
        let len = ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt();
        let steps = (len / 8.0).ceil().max(1.0) as usize;
        for i in 0..=steps {
            let t = i as f64 / steps as f64;
            let (x, y) = (a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t);
            self.boxes.push([x - 4.0, y - 4.0, x + 4.0, y + 4.0]);
        }
    }

    fn block_point(&mut self, p: Coord<f64>, r: f64) {
        self.boxes.push([p.x - r, p.y - r, p.x + r, p.y + r]);
    }
}

/// Offsets putting a label beside an anchor (right, left, above, below), then sliding along.
fn beside(text: &str, size: f64) -> Vec<(f64, f64)> {
    let half = text_width(text, size) / 2.0 + 12.0;
    let mut v = Vec::new();
    for k in [0.0, -1.0, 1.0, -2.0, 2.0, -3.0, 3.0, -4.0, 4.0, -6.0, 6.0] {
        let dy = k * (size + 6.0);
        v.extend([
            (half, dy + size / 3.0),
            (-half, dy + size / 3.0),
            (dy * 2.0, -size - 2.0 + dy.min(0.0)),
            (dy * 2.0, size + 14.0 + dy.max(0.0)),
        ]);
    }
    v
}

/// Offsets to try around an anchor, nearest first.
fn around(step: f64) -> Vec<(f64, f64)> {
    let mut v = vec![(0.0, 0.0)];
    for k in 1..=4 {
        let s = step * f64::from(k);
        v.extend([(0.0, -s), (0.0, s), (s * 2.0, 0.0), (-s * 2.0, 0.0)]);
        v.extend([(s * 2.0, -s), (-s * 2.0, -s), (s * 2.0, s), (-s * 2.0, s)]);
    }
    v
}

fn label(out: &mut String, x: f64, y: f64, text: &str, class: &str) {
    let _ = writeln!(
        out,
        r#"<text class="{class}" x="{}" y="{}" text-anchor="middle">{}</text>"#,
        num(x),
        num(y),
        escape(text)
    );
}

/// The largest polygon's interior point, in pixels.
fn label_point(proj: &Projection, mp: &MultiPolygon<f64>) -> Option<Coord<f64>> {
    let biggest: &Polygon<f64> =
        mp.0.iter()
            .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
    biggest.interior_point().map(|p| proj.px(p.0))
}

/// A round length (1, 2 or 5 × 10ⁿ metres) at most `max_m`.
fn round_length(max_m: f64) -> f64 {
    let p = 10f64.powf(max_m.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|f| f * p)
        .find(|l| *l <= max_m)
        .unwrap_or(p)
}

fn layer_colour(data: &MapData, layer: &str) -> &'static str {
    let mut names: Vec<&str> = Vec::new();
    for m in &data.measurements {
        if !names.contains(&m.layer.as_str()) {
            names.push(&m.layer);
        }
    }
    let i = names.iter().position(|n| *n == layer).unwrap_or(0);
    LAYER_COLOURS
        .get(i % LAYER_COLOURS.len())
        .copied()
        .unwrap_or("#1565c0")
}

fn defs(out: &mut String) {
    out.push_str("<defs>\n");
    for t in [UnitType::Priority, UnitType::Key, UnitType::General] {
        let (id, bg, fg) = unit_style(t);
        let lines = match t {
            // Diagonal hatching, cross-hatching, and horizontal rules.
            UnitType::Priority => {
                format!(r#"<path d="M0 8L8 0" stroke="{fg}" stroke-width="1.3"/>"#)
            }
            UnitType::Key => {
                format!(r#"<path d="M0 8L8 0M0 0L8 8" stroke="{fg}" stroke-width="1"/>"#)
            }
            UnitType::General => {
                format!(r#"<path d="M0 4H8" stroke="{fg}" stroke-width="0.6"/>"#)
            }
        };
        let _ = writeln!(
            out,
            r#"<pattern id="{id}" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="{bg}"/>{lines}</pattern>"#
        );
    }
    let _ = writeln!(
        out,
        r##"<clipPath id="map-clip"><rect width="{W}" height="{H}"/></clipPath>
<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10Z" fill="#222"/></marker>"##
    );
    out.push_str("</defs>\n");
}

fn draw_project(out: &mut String, proj: &Projection, g: &Geometry<f64>) {
    match g {
        Geometry::Point(p) => point_marker(out, proj.px(p.0)),
        Geometry::MultiPoint(mp) => mp.0.iter().for_each(|p| point_marker(out, proj.px(p.0))),
        Geometry::LineString(l) => project_line(out, proj, l),
        Geometry::MultiLineString(m) => m.0.iter().for_each(|l| project_line(out, proj, l)),
        Geometry::Line(l) => project_line(out, proj, &LineString(vec![l.start, l.end])),
        Geometry::Polygon(p) => project_area(out, proj, &MultiPolygon(vec![p.clone()])),
        Geometry::MultiPolygon(m) => project_area(out, proj, m),
        Geometry::Rect(r) => project_area(out, proj, &MultiPolygon(vec![r.to_polygon()])),
        Geometry::Triangle(t) => project_area(out, proj, &MultiPolygon(vec![t.to_polygon()])),
        Geometry::GeometryCollection(gc) => gc.0.iter().for_each(|g| draw_project(out, proj, g)),
    }
}

fn point_marker(out: &mut String, p: Coord<f64>) {
    let _ = writeln!(
        out,
        r##"<g class="project"><circle cx="{x}" cy="{y}" r="13" fill="none" stroke="#fff" stroke-width="5"/><circle cx="{x}" cy="{y}" r="13" fill="none" stroke="{PROJECT_COLOUR}" stroke-width="2.5"/><circle cx="{x}" cy="{y}" r="5.5" fill="{PROJECT_COLOUR}" stroke="#fff" stroke-width="1.5"/></g>"##,
        x = num(p.x),
        y = num(p.y)
    );
}

fn project_line(out: &mut String, proj: &Projection, l: &LineString<f64>) {
    let d = line_path(proj, l);
    let _ = writeln!(
        out,
        r##"<g class="project"><path d="{d}" fill="none" stroke="#fff" stroke-width="9" stroke-linejoin="round" stroke-linecap="round"/><path d="{d}" fill="none" stroke="{PROJECT_COLOUR}" stroke-width="4" stroke-linejoin="round" stroke-linecap="round"/><path d="{d}" fill="none" stroke="#fff" stroke-width="1.2" stroke-dasharray="6 6"/></g>"##
    );
}

fn project_area(out: &mut String, proj: &Projection, mp: &MultiPolygon<f64>) {
    let d = polygons_path(proj, mp);
    let _ = writeln!(
        out,
        r##"<g class="project"><path d="{d}" fill="none" stroke="#fff" stroke-width="7"/><path d="{d}" fill="{PROJECT_COLOUR}" fill-opacity="0.18" fill-rule="evenodd" stroke="{PROJECT_COLOUR}" stroke-width="3"/></g>"##
    );
}

fn draw_feature(out: &mut String, proj: &Projection, g: &Geometry<f64>, colour: &str) {
    match g {
        Geometry::MultiLineString(m) => {
            for l in &m.0 {
                let _ = writeln!(
                    out,
                    r#"<path class="feature line" d="{}" fill="none" stroke="{colour}" stroke-width="4" stroke-linejoin="round" stroke-linecap="round" stroke-opacity="0.85"/>"#,
                    line_path(proj, l)
                );
            }
        }
        Geometry::MultiPolygon(m) => {
            let _ = writeln!(
                out,
                r#"<path class="feature area" d="{}" fill="{colour}" fill-opacity="0.08" fill-rule="evenodd" stroke="{colour}" stroke-width="2.2" stroke-dasharray="9 4"/>"#,
                polygons_path(proj, m)
            );
        }
        Geometry::Point(p) => {
            let c = proj.px(p.0);
            let _ = writeln!(
                out,
                r#"<rect class="feature point" x="{}" y="{}" width="9" height="9" fill="{colour}"/>"#,
                num(c.x - 4.5),
                num(c.y - 4.5)
            );
        }
        Geometry::MultiPoint(mp) => {
            for p in &mp.0 {
                draw_feature(out, proj, &Geometry::Point(*p), colour);
            }
        }
        Geometry::GeometryCollection(gc) => {
            for g in &gc.0 {
                draw_feature(out, proj, g, colour);
            }
        }
        _ => {}
    }
}

/// Where a feature's name goes: inside an area, or on the middle vertex of a line.
fn feature_anchor(proj: &Projection, g: &Geometry<f64>) -> Option<Coord<f64>> {
    match g {
        Geometry::MultiPolygon(m) => label_point(proj, m),
        Geometry::MultiLineString(m) => {
            let longest = m.0.iter().max_by_key(|l| l.0.len())?;
            longest.0.get(longest.0.len() / 2).map(|c| proj.px(*c))
        }
        Geometry::Point(p) => Some(proj.px(p.0)),
        Geometry::MultiPoint(mp) => mp.0.first().map(|p| proj.px(p.0)),
        _ => None,
    }
}

fn distance_text(m: &Measurement) -> String {
    format!(
        "{} 至 {}",
        format_value(m.distance_m, Dimension::Length),
        m.feature
    )
}

/// A dimension line between the project and the measured feature, with end ticks.
fn dimension_line(out: &mut String, a: Coord<f64>, b: Coord<f64>) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    let (nx, ny) = (-dy / len * 6.0, dx / len * 6.0);
    let _ = writeln!(
        out,
        r##"<g class="dimension"><path d="M{} {}L{} {}" stroke="#fff" stroke-width="5"/><path d="M{} {}L{} {}" stroke="#111" stroke-width="1.8" stroke-dasharray="7 3" marker-end="url(#arrow)"/><path d="M{} {}L{} {}M{} {}L{} {}" stroke="#111" stroke-width="1.8"/><circle cx="{}" cy="{}" r="3.2" fill="#111"/></g>"##,
        num(a.x),
        num(a.y),
        num(b.x),
        num(b.y),
        num(a.x),
        num(a.y),
        num(b.x),
        num(b.y),
        num(a.x + nx),
        num(a.y + ny),
        num(a.x - nx),
        num(a.y - ny),
        num(b.x + nx),
        num(b.y + ny),
        num(b.x - nx),
        num(b.y - ny),
        num(b.x),
        num(b.y),
    );
}

/// For a feature outside the view: an arrow at the edge of the map pointing at it.
/// Returns the arrow's tail and tip.
fn off_map_arrow(
    out: &mut String,
    a: Coord<f64>,
    b: Coord<f64>,
) -> Option<(Coord<f64>, Coord<f64>)> {
    let inset = 26.0;
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    // The largest t keeping a + t·d inside the inset rectangle.
    let limit = |p: f64, d: f64, lo: f64, hi: f64| {
        if d > 0.0 {
            (hi - p) / d
        } else if d < 0.0 {
            (lo - p) / d
        } else {
            f64::INFINITY
        }
    };
    let t = limit(a.x, dx, inset, W - inset).min(limit(a.y, dy, inset, H - inset));
    if !t.is_finite() || t <= 0.0 {
        return None;
    }
    let tip = Coord {
        x: a.x + dx * t,
        y: a.y + dy * t,
    };
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    let tail = Coord {
        x: tip.x - dx / len * 34.0,
        y: tip.y - dy / len * 34.0,
    };
    let _ = writeln!(
        out,
        r##"<path class="off-map" d="M{} {}L{} {}" stroke="#111" stroke-width="2" marker-end="url(#arrow)"/>"##,
        num(tail.x),
        num(tail.y),
        num(tip.x),
        num(tip.y)
    );
    Some((tail, tip))
}

/// The legend band below the map, and its height.
fn legend(data: &MapData) -> (String, f64) {
    let mut out = String::new();
    let out = &mut out;
    let top = H + 8.0;
    let mut x = 12.0;
    let mut y = top + 8.0;
    let mut item = |out: &mut String, symbol: String, text: &str| {
        let w = 34.0 + text_width(text, 13.0) + 18.0;
        if x + w > W - 8.0 {
            x = 12.0;
            y += 26.0;
        }
        let _ = write!(
            out,
            r#"<g transform="translate({},{})">{symbol}<text class="lbl-legend" x="32" y="13">{}</text></g>"#,
            num(x),
            num(y),
            escape(text)
        );
        x += w;
    };
    for t in [UnitType::Priority, UnitType::Key, UnitType::General] {
        let (id, _, fg) = unit_style(t);
        item(
            out,
            format!(
                r#"<rect width="24" height="16" fill="url(#{id})" stroke="{fg}" stroke-width="1.5"/>"#
            ),
            t.label(),
        );
    }
    item(
        out,
        r##"<rect width="24" height="16" fill="none" stroke="#888" stroke-width="1" stroke-dasharray="3 2"/>"##.into(),
        "未涉及的单元",
    );
    let project_symbol = match &data.project {
        Geometry::Point(_) | Geometry::MultiPoint(_) => format!(
            r#"<circle cx="12" cy="8" r="6.5" fill="none" stroke="{PROJECT_COLOUR}" stroke-width="2"/><circle cx="12" cy="8" r="3" fill="{PROJECT_COLOUR}"/>"#
        ),
        Geometry::LineString(_) | Geometry::MultiLineString(_) | Geometry::Line(_) => {
            format!(r#"<path d="M0 8H24" stroke="{PROJECT_COLOUR}" stroke-width="4"/>"#)
        }
        _ => format!(
            r#"<rect width="24" height="16" fill="{PROJECT_COLOUR}" fill-opacity="0.18" stroke="{PROJECT_COLOUR}" stroke-width="2.5"/>"#
        ),
    };
    item(out, project_symbol, "项目位置");
    let mut layers: Vec<&str> = Vec::new();
    for f in &data.features {
        if layers.contains(&f.layer.as_str()) {
            continue;
        }
        layers.push(&f.layer);
        let colour = layer_colour(data, &f.layer);
        let symbol = match f.geometry {
            Geometry::MultiLineString(_) => {
                format!(r#"<path d="M0 8H24" stroke="{colour}" stroke-width="4"/>"#)
            }
            Geometry::MultiPolygon(_) => format!(
                r#"<rect width="24" height="16" fill="{colour}" fill-opacity="0.08" stroke="{colour}" stroke-width="2" stroke-dasharray="6 3"/>"#
            ),
            _ => format!(r#"<rect x="7" y="3" width="10" height="10" fill="{colour}"/>"#),
        };
        item(out, symbol, &format!("图层：{}", f.layer));
    }
    if data.measurements.iter().any(|m| m.probe == Probe::Distance) {
        item(
            out,
            r##"<path d="M1 8H22" stroke="#111" stroke-width="1.8" stroke-dasharray="5 2" marker-end="url(#arrow)"/><path d="M1 3V13" stroke="#111" stroke-width="1.8"/>"##.into(),
            "量测距离（项目至最近要素）",
        );
    }
    let height = y + 16.0 + 10.0 - H;
    let band = format!(
        r##"<g class="legend"><rect x="0" y="{H}" width="{W}" height="{}" fill="#fff"/><line x1="0" y1="{H}" x2="{W}" y2="{H}" stroke="#444"/>{out}</g>
"##,
        num(height)
    );
    (band, height)
}

fn north_arrow(out: &mut String, labels: &mut Labels) {
    let (x, y) = (W - 36.0, 18.0);
    let _ = writeln!(
        out,
        r##"<g class="north"><rect x="{}" y="{}" width="44" height="64" rx="4" fill="#fff" fill-opacity="0.85" stroke="#999"/><path d="M{x} {}L{} {}L{x} {}Z" fill="#111"/><path d="M{x} {}L{} {}L{x} {}Z" fill="#fff" stroke="#111"/><text class="lbl-north" x="{x}" y="{}" text-anchor="middle">北 N</text></g>"##,
        num(x - 22.0),
        num(y - 6.0),
        num(y + 2.0),
        num(x + 9.0),
        num(y + 34.0),
        num(y + 26.0),
        num(y + 2.0),
        num(x - 9.0),
        num(y + 34.0),
        num(y + 26.0),
        num(y + 52.0),
    );
    labels.boxes.push([x - 24.0, y - 8.0, x + 24.0, y + 60.0]);
}

fn scale_bar(out: &mut String, labels: &mut Labels, proj: &Projection) {
    let metres = round_length(W / 5.0 / proj.k);
    let len = metres * proj.k;
    let (x, y) = (18.0, H - 22.0);
    let half = len / 2.0;
    let _ = writeln!(
        out,
        r##"<g class="scale"><rect x="{}" y="{}" width="{}" height="36" rx="3" fill="#fff" fill-opacity="0.85" stroke="#999"/><rect x="{x}" y="{y}" width="{}" height="7" fill="#111" stroke="#111"/><rect x="{}" y="{y}" width="{}" height="7" fill="#fff" stroke="#111"/><text class="lbl-scale" x="{x}" y="{}" text-anchor="middle">0</text><text class="lbl-scale" x="{}" y="{}" text-anchor="middle">{}</text></g>"##,
        num(x - 10.0),
        num(y - 22.0),
        num(len + 44.0),
        num(half),
        num(x + half),
        num(half),
        num(y - 5.0),
        num(x + len),
        num(y - 5.0),
        escape(&format_value(metres, Dimension::Length)),
    );
    labels
        .boxes
        .push([x - 12.0, y - 24.0, x + len + 36.0, y + 16.0]);
}

/// Keeps labels off the project's lines and outlines.
fn block_project(labels: &mut Labels, proj: &Projection, g: &Geometry<f64>) {
    let mut ring = |l: &LineString<f64>| {
        for seg in l.lines() {
            labels.block_segment(proj.px(seg.start), proj.px(seg.end));
        }
    };
    match g {
        Geometry::LineString(l) => ring(l),
        Geometry::MultiLineString(m) => m.0.iter().for_each(ring),
        Geometry::Polygon(p) => ring(p.exterior()),
        Geometry::MultiPolygon(m) => m.0.iter().for_each(|p| ring(p.exterior())),
        _ => {}
    }
}

/// Draws the map.
pub fn render_map(data: &MapData) -> String {
    let proj = Projection::new(data);
    let (legend, legend_h) = legend(data);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg class="map" viewBox="0 0 {W} {}" role="img" aria-label="项目位置与环境管控单元示意图">"#,
        num(H + legend_h)
    );
    defs(&mut out);
    let mut labels = Labels { boxes: Vec::new() };
    north_arrow(&mut String::new(), &mut labels);
    scale_bar(&mut String::new(), &mut labels, &proj);

    let _ = writeln!(
        out,
        r##"<g clip-path="url(#map-clip)"><rect width="{W}" height="{H}" fill="#f7f7f2"/>"##
    );
    for u in &data.units {
        let d = polygons_path(&proj, &u.shape);
        let (id, _, fg) = unit_style(u.unit_type);
        if u.touched {
            let _ = writeln!(
                out,
                r#"<path class="unit touched" data-code="{}" d="{d}" fill="url(#{id})" fill-opacity="0.8" fill-rule="evenodd" stroke="{fg}" stroke-width="2"/>"#,
                escape(&u.code)
            );
        } else {
            let _ = writeln!(
                out,
                r##"<path class="unit" data-code="{}" d="{d}" fill="#fff" fill-opacity="0.35" fill-rule="evenodd" stroke="#888" stroke-width="1" stroke-dasharray="3 2"/>"##,
                escape(&u.code)
            );
        }
    }
    for f in &data.features {
        draw_feature(&mut out, &proj, &f.geometry, layer_colour(data, &f.layer));
    }
    let mut texts = String::new();
    let measured: Vec<&Measurement> = data
        .measurements
        .iter()
        .filter(|m| m.probe == Probe::Distance && m.distance_m > 0.0)
        .collect();
    // The project's outline, lines and arrows first, so no label is placed over any of them.
    block_project(&mut labels, &proj, &data.project);
    let mut arrows = Vec::new();
    for m in &measured {
        let (a, b) = (proj.px(m.from), proj.px(m.to));
        labels.block_point(a, 14.0);
        if m.in_view {
            dimension_line(&mut out, a, b);
            labels.block_segment(a, b);
        } else if let Some((tail, tip)) = off_map_arrow(&mut out, a, b) {
            labels.block_segment(tail, tip);
            arrows.push((tail, tip, *m));
        }
    }
    for m in measured.iter().filter(|m| m.in_view) {
        let (a, b) = (proj.px(m.from), proj.px(m.to));
        let text = distance_text(m);
        let mid = Coord {
            x: (a.x + b.x) / 2.0,
            y: (a.y + b.y) / 2.0,
        };
        if let Some((x, y)) = labels.place(mid.x, mid.y, &text, 15.0, &beside(&text, 15.0), true) {
            label(&mut texts, x, y, &text, "lbl-distance");
        }
    }
    for (tail, tip, m) in arrows {
        // Short (the table below the map names the feature), inward from the arrow's tail.
        let text = format!(
            "{} {}（图外）",
            m.layer,
            format_value(m.distance_m, Dimension::Length)
        );
        let half = text_width(&text, 13.0) / 2.0 + 6.0;
        let (dx, dy) = (tip.x - tail.x, tip.y - tail.y);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let (ux, uy) = (dx / len, dy / len);
        let back = ux.abs() * (half + 8.0) + uy.abs() * 20.0;
        let (x, y) = (tail.x - ux * back, tail.y - uy * back + 5.0);
        if let Some((x, y)) = labels.place(x, y, &text, 13.0, &around(8.0), true) {
            label(&mut texts, x, y, &text, "lbl-off");
        }
    }
    draw_project(&mut out, &proj, &data.project);
    // Labels last, above everything: project, touched units, context units, features.
    if let Some(c) = crate::report::map::project_anchor(&data.project) {
        let p = proj.px(c);
        if let Some((x, y)) = labels.place(p.x, p.y - 22.0, "项目", 15.0, &around(12.0), true) {
            label(&mut texts, x, y, "项目", "lbl-project");
        }
    }
    for touched in [true, false] {
        for u in data.units.iter().filter(|u| u.touched == touched) {
            let Some(p) = label_point(&proj, &u.shape) else {
                continue;
            };
            let (size, class) = if touched {
                (14.0, "lbl-unit")
            } else {
                (11.0, "lbl-unit-other")
            };
            if let Some((x, y)) = labels.place(p.x, p.y, &u.code, size, &around(9.0), touched) {
                label(&mut texts, x, y, &u.code, class);
            }
        }
    }
    if data.units.is_empty() {
        let text = "图示范围内没有本清单的环境管控单元";
        if let Some((x, y)) = labels.place(W / 2.0, H - 40.0, text, 15.0, &around(12.0), true) {
            label(&mut texts, x, y, text, "lbl-distance");
        }
    }
    let mut named: Vec<&str> = Vec::new();
    for f in &data.features {
        if named.contains(&f.name.as_str()) {
            continue;
        }
        named.push(&f.name);
        if let Some(p) = feature_anchor(&proj, &f.geometry)
            && let Some((x, y)) = labels.place(p.x, p.y - 10.0, &f.name, 12.0, &around(10.0), false)
        {
            label(&mut texts, x, y, &f.name, "lbl-feature");
        }
    }
    out.push_str(&texts);
    out.push_str("</g>\n");
    north_arrow(&mut out, &mut Labels { boxes: Vec::new() });
    scale_bar(&mut out, &mut Labels { boxes: Vec::new() }, &proj);
    out.push_str(&legend);
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_bar_lengths_are_round() {
        assert_eq!(round_length(437.0), 200.0);
        assert_eq!(round_length(999.0), 500.0);
        assert_eq!(round_length(1000.0), 1000.0);
        assert_eq!(round_length(4321.0), 2000.0);
        assert_eq!(round_length(12.0), 10.0);
    }

    #[test]
    fn labels_do_not_overlap() {
        let mut labels = Labels { boxes: Vec::new() };
        let a = labels.place(300.0, 300.0, "ZH32011610001", 14.0, &around(9.0), false);
        let b = labels.place(300.0, 300.0, "ZH32011610002", 14.0, &around(9.0), false);
        assert!(a.is_some() && b.is_some());
        assert_ne!(a, b);
        assert_eq!(labels.boxes.len(), 2);
        let (x, y) = (labels.boxes[0], labels.boxes[1]);
        assert!(x[2] <= y[0] || y[2] <= x[0] || x[3] <= y[1] || y[3] <= x[1]);
    }
}
