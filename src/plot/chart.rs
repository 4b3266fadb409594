//! A small builder for 2-D charts rendered as standalone SVG documents.
//!
//! A [`Chart`] has a title, two axes (linear or log10), polylines, scatter
//! markers, and vertical and horizontal reference lines. Optional marker rows
//! in a band above the plot area show runs that have no y value, such as a
//! run that did not converge and so has no "epochs to converge". The legend
//! goes into the
//! corner of the plot area that covers the fewest data points, or to the
//! right of the plot area when every corner would cover data.
//!
//! Points with a coordinate that the axis cannot show (NaN, infinite, or not
//! positive on a log axis) are skipped, and a polyline is cut there. Anything
//! outside the axis domains is clipped at the plot area. A chart without a
//! single drawable point renders its frame, titles and the text "no data".

use std::fmt::Write;

mod layout;
mod legend;

use layout::{Layout, Rect};

use super::scale::Scale;
use super::svg::{escape_xml, fnv1a, text_width, write_marker, write_text, Marker, FONT_FAMILY};

const TITLE_SIZE: f64 = 15.0;
const SUBTITLE_SIZE: f64 = 11.5;
const AXIS_TITLE_SIZE: f64 = 13.0;
const TICK_SIZE: f64 = 11.0;
const LABEL_SIZE: f64 = 11.0;
const NOTE_SIZE: f64 = 10.5;
const BAND_ROW_HEIGHT: f64 = 16.0;
const LABEL_ROW_HEIGHT: f64 = 15.0;

/// Replaced by the chart's id once the body is rendered. Control characters
/// never survive [`escape_xml`], so no user text can contain it.
const ID_PLACEHOLDER: &str = "\u{1}id\u{1}";

/// An axis: its title (with the unit) and scale, and optionally the range
/// it must show. Without a range the axis fits the drawable data.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub title: String,
    pub scale: Scale,
    pub range: Option<(f64, f64)>,
}

/// A polyline through data points, cut wherever a point cannot be drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Legend entry. `None` leaves the line out of the legend.
    pub label: Option<String>,
    pub points: Vec<(f64, f64)>,
    /// Any SVG colour, such as `#1f77b4`.
    pub color: String,
    /// Stroke width in px.
    pub width: f64,
    pub dashed: bool,
    /// Stroke opacity from 0 to 1.
    pub opacity: f64,
    /// Marker drawn at every drawable point, if any.
    pub marker: Option<Marker>,
}

impl Line {
    /// Creates a solid, opaque 2 px line without a legend entry or markers.
    pub fn new(points: Vec<(f64, f64)>, color: &str) -> Line {
        Line {
            label: None,
            points,
            color: color.to_string(),
            width: 2.0,
            dashed: false,
            opacity: 1.0,
            marker: None,
        }
    }

    pub fn label(mut self, label: &str) -> Line {
        self.label = Some(label.to_string());
        self
    }

    pub fn width(mut self, width: f64) -> Line {
        self.width = width;
        self
    }

    pub fn opacity(mut self, opacity: f64) -> Line {
        self.opacity = opacity;
        self
    }

    pub fn dashed(mut self) -> Line {
        self.dashed = true;
        self
    }

    pub fn marker(mut self, marker: Marker) -> Line {
        self.marker = Some(marker);
        self
    }
}

/// Markers at data points, without a connecting line.
#[derive(Debug, Clone, PartialEq)]
pub struct Scatter {
    pub label: Option<String>,
    pub points: Vec<(f64, f64)>,
    pub marker: Marker,
    pub color: String,
    /// Marker radius in px.
    pub size: f64,
}

/// A vertical reference line across the plot area at `x`.
#[derive(Debug, Clone, PartialEq)]
pub struct VLine {
    pub x: f64,
    /// Text written beside the line near the top of the plot area. Labels of
    /// nearby lines are staggered downwards so that they do not overlap.
    pub label: Option<String>,
    /// Legend entry, independent of `label`.
    pub legend: Option<String>,
    pub color: String,
    /// Stroke width in px.
    pub width: f64,
    pub opacity: f64,
    pub dashed: bool,
}

/// A horizontal reference line across the plot area at `y`.
#[derive(Debug, Clone, PartialEq)]
pub struct HLine {
    pub y: f64,
    /// Text written above the line's right end.
    pub label: Option<String>,
    /// Legend entry, independent of `label`.
    pub legend: Option<String>,
    pub color: String,
    pub dashed: bool,
}

/// Text written just right of a data point, such as the value of a point
/// drawn at the edge because it lies off the scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    pub x: f64,
    pub y: f64,
    pub text: String,
    pub color: String,
}

/// A row of markers in the band above the plot area, at x positions only.
/// The row's label is written in the left margin.
#[derive(Debug, Clone, PartialEq)]
pub struct BandRow {
    pub label: String,
    pub xs: Vec<f64>,
    pub marker: Marker,
    pub color: String,
}

/// A chart under construction. [`Chart::render`] returns its SVG document.
#[derive(Debug, Clone)]
pub struct Chart {
    title: String,
    subtitle: Option<String>,
    width: f64,
    height: f64,
    x: Axis,
    y: Axis,
    lines: Vec<Line>,
    scatters: Vec<Scatter>,
    vlines: Vec<VLine>,
    hlines: Vec<HLine>,
    band_rows: Vec<BandRow>,
    annotations: Vec<Annotation>,
    notes: Vec<String>,
}

impl Chart {
    /// Creates an empty 720 x 440 px chart with untitled linear axes.
    pub fn new(title: &str) -> Chart {
        let axis = Axis {
            title: String::new(),
            scale: Scale::Linear,
            range: None,
        };
        Chart {
            title: title.to_string(),
            subtitle: None,
            width: 720.0,
            height: 440.0,
            x: axis.clone(),
            y: axis,
            lines: Vec::new(),
            scatters: Vec::new(),
            vlines: Vec::new(),
            hlines: Vec::new(),
            band_rows: Vec::new(),
            annotations: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Sets the size in px. Sizes below 320 x 240 are raised to it, because
    /// the margins alone need about that much.
    pub fn size(&mut self, width: f64, height: f64) -> &mut Chart {
        self.width = width.max(320.0);
        self.height = height.max(240.0);
        self
    }

    /// Sets a second, smaller title line below the title.
    pub fn subtitle(&mut self, subtitle: &str) -> &mut Chart {
        self.subtitle = Some(subtitle.to_string());
        self
    }

    pub fn x_axis(&mut self, title: &str, scale: Scale) -> &mut Chart {
        self.x.title = title.to_string();
        self.x.scale = scale;
        self
    }

    pub fn y_axis(&mut self, title: &str, scale: Scale) -> &mut Chart {
        self.y.title = title.to_string();
        self.y.scale = scale;
        self
    }

    /// Makes the x axis show `[low, high]` (widened to tick values) instead
    /// of fitting the data.
    pub fn x_range(&mut self, low: f64, high: f64) -> &mut Chart {
        self.x.range = Some((low, high));
        self
    }

    /// Makes the y axis show `[low, high]` (widened to tick values) instead
    /// of fitting the data. Data outside it is clipped.
    pub fn y_range(&mut self, low: f64, high: f64) -> &mut Chart {
        self.y.range = Some((low, high));
        self
    }

    pub fn line(&mut self, line: Line) -> &mut Chart {
        self.lines.push(line);
        self
    }

    pub fn scatter(&mut self, scatter: Scatter) -> &mut Chart {
        self.scatters.push(scatter);
        self
    }

    pub fn vline(&mut self, vline: VLine) -> &mut Chart {
        self.vlines.push(vline);
        self
    }

    pub fn hline(&mut self, hline: HLine) -> &mut Chart {
        self.hlines.push(hline);
        self
    }

    pub fn band_row(&mut self, row: BandRow) -> &mut Chart {
        self.band_rows.push(row);
        self
    }

    pub fn annotation(&mut self, annotation: Annotation) -> &mut Chart {
        self.annotations.push(annotation);
        self
    }

    /// Adds a line of small print below the x axis, such as "3 points with a
    /// non-finite loss are not shown".
    pub fn note(&mut self, note: &str) -> &mut Chart {
        self.notes.push(note.to_string());
        self
    }

    /// Renders the chart as a standalone SVG document.
    ///
    /// The element ids inside are derived from a hash of the chart's content,
    /// so that several charts can be inlined into one HTML page.
    pub fn render(&self) -> String {
        let (layout, legend) = self.layout_with_legend();
        let mut body = String::new();

        if layout.has_data {
            self.render_grid(&mut body, &layout);
            self.render_band(&mut body, &layout);
            self.render_data(&mut body, &layout);
            self.render_axes(&mut body, &layout);
            write_vline_labels(&mut body, &self.place_vline_labels(&layout));
            if let Some(rect) = legend {
                self.render_legend(&mut body, rect);
            }
        } else {
            render_frame(&mut body, &layout);
            let center_x = (layout.left + layout.right) / 2.0;
            let center_y = (layout.main_top + layout.bottom) / 2.0;
            write_text(
                &mut body,
                center_x,
                center_y,
                16.0,
                "middle",
                r##"fill="#777""##,
                "no data",
            );
        }
        self.render_titles(&mut body, &layout);

        let id = format!("chart-{:016x}", fnv1a(&body));
        let body = body.replace(ID_PLACEHOLDER, &id);

        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{font}" role="img" aria-labelledby="{id}-title">"#,
            w = self.width,
            h = self.height,
            font = escape_xml(FONT_FAMILY),
        );
        let _ = write!(
            svg,
            r#"<title id="{id}-title">{}</title>"#,
            escape_xml(&self.title)
        );
        let _ = write!(
            svg,
            r#"<rect x="0" y="0" width="{}" height="{}" fill="white"/>"#,
            self.width, self.height
        );
        svg.push_str(&body);
        svg.push_str("</svg>\n");
        svg
    }

    fn render_grid(&self, out: &mut String, layout: &Layout) {
        out.push_str(r##"<g stroke="#e4e4e4" stroke-width="1">"##);
        for &value in &layout.x_ticks.major {
            if let Some(px) = layout.x.map(value) {
                let _ = write!(
                    out,
                    r#"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}"/>"#,
                    layout.top, layout.bottom
                );
            }
        }
        for &value in &layout.y_ticks.major {
            if let Some(py) = layout.y.map(value) {
                let _ = write!(
                    out,
                    r#"<line x1="{:.1}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}"/>"#,
                    layout.left, layout.right
                );
            }
        }
        out.push_str("</g>");
    }

    fn render_band(&self, out: &mut String, layout: &Layout) {
        if self.band_rows.is_empty() {
            return;
        }
        let _ = write!(
            out,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#f4f4f4" fill-opacity="0.8"/>"##,
            layout.left,
            layout.top,
            layout.right - layout.left,
            layout.main_top - layout.top
        );
        let _ = write!(
            out,
            r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#999" stroke-width="1"/>"##,
            layout.left,
            layout.right,
            y = layout.main_top
        );
        for (row, band) in self.band_rows.iter().enumerate() {
            let y = layout.band_row_y(row);
            write_text(
                out,
                layout.left - 6.0,
                y + 4.0,
                TICK_SIZE,
                "end",
                r##"fill="#333""##,
                &band.label,
            );
            for &x in &band.xs {
                if let Some(px) = layout.x.map_inside(x) {
                    write_marker(out, band.marker, px, y, 4.0, &band.color);
                }
            }
        }
    }

    fn render_data(&self, out: &mut String, layout: &Layout) {
        // Lines are clipped at the plot area. Markers get a few px more, so
        // that a point on the edge of the domain is drawn whole.
        let _ = write!(
            out,
            r#"<defs><clipPath id="{ID_PLACEHOLDER}-lines"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/></clipPath><clipPath id="{ID_PLACEHOLDER}-markers"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/></clipPath></defs>"#,
            layout.left,
            layout.main_top,
            layout.right - layout.left,
            layout.bottom - layout.main_top,
            layout.left - 6.0,
            layout.main_top - 6.0,
            layout.right - layout.left + 12.0,
            layout.bottom - layout.main_top + 12.0,
        );

        let _ = write!(out, r#"<g clip-path="url(#{ID_PLACEHOLDER}-lines)">"#);
        for vline in &self.vlines {
            if let Some(px) = layout.x.map_inside(vline.x) {
                let _ = write!(
                    out,
                    r#"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="{}" stroke-width="{}" stroke-opacity="{}"{}/>"#,
                    layout.main_top,
                    layout.bottom,
                    escape_xml(&vline.color),
                    vline.width,
                    vline.opacity,
                    if vline.dashed {
                        r#" stroke-dasharray="6 4""#
                    } else {
                        ""
                    },
                );
            }
        }
        for hline in &self.hlines {
            if let Some(py) = layout.y.map_inside(hline.y) {
                let _ = write!(
                    out,
                    r#"<line x1="{:.1}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="{}" stroke-width="1.5"{}/>"#,
                    layout.left,
                    layout.right,
                    escape_xml(&hline.color),
                    if hline.dashed {
                        r#" stroke-dasharray="6 4""#
                    } else {
                        ""
                    },
                );
            }
        }
        for line in &self.lines {
            write_polyline(out, line, layout);
        }
        out.push_str("</g>");

        let _ = write!(out, r#"<g clip-path="url(#{ID_PLACEHOLDER}-markers)">"#);
        for line in &self.lines {
            if let Some(marker) = line.marker {
                for (px, py) in layout.drawable(&line.points) {
                    write_marker(out, marker, px, py, line.width + 1.5, &line.color);
                }
            }
        }
        for scatter in &self.scatters {
            for (px, py) in layout.drawable(&scatter.points) {
                write_marker(out, scatter.marker, px, py, scatter.size, &scatter.color);
            }
        }
        out.push_str("</g>");

        for annotation in &self.annotations {
            if let (Some(px), Some(py)) = (
                layout.x.map_inside(annotation.x),
                layout.y.map_inside(annotation.y),
            ) {
                write_text(
                    out,
                    px + 9.0,
                    py + 4.0,
                    LABEL_SIZE,
                    "start",
                    &format!(r#"fill="{}""#, escape_xml(&annotation.color)),
                    &annotation.text,
                );
            }
        }
        for hline in &self.hlines {
            if let (Some(label), Some(py)) = (&hline.label, layout.y.map_inside(hline.y)) {
                write_text(
                    out,
                    layout.right - 5.0,
                    py - 5.0,
                    LABEL_SIZE,
                    "end",
                    &format!(r#"fill="{}""#, escape_xml(&hline.color)),
                    label,
                );
            }
        }
    }

    fn render_axes(&self, out: &mut String, layout: &Layout) {
        render_frame(out, layout);

        out.push_str(r##"<g stroke="#444" stroke-width="1">"##);
        for (values, length) in [(&layout.x_ticks.major, 5.0), (&layout.x_ticks.minor, 3.0)] {
            for &value in values {
                if let Some(px) = layout.x.map(value) {
                    let _ = write!(
                        out,
                        r#"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}"/>"#,
                        layout.bottom,
                        layout.bottom + length
                    );
                }
            }
        }
        for (values, length) in [(&layout.y_ticks.major, 5.0), (&layout.y_ticks.minor, 3.0)] {
            for &value in values {
                if let Some(py) = layout.y.map(value) {
                    let _ = write!(
                        out,
                        r#"<line x1="{:.1}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}"/>"#,
                        layout.left - length,
                        layout.left
                    );
                }
            }
        }
        out.push_str("</g>");

        for (px, label) in layout.x_labels() {
            write_text(
                out,
                px,
                layout.bottom + 18.0,
                TICK_SIZE,
                "middle",
                r##"fill="#222""##,
                &label,
            );
        }
        for (py, label) in layout.y_labels() {
            write_text(
                out,
                layout.left - 8.0,
                py + 4.0,
                TICK_SIZE,
                "end",
                r##"fill="#222""##,
                &label,
            );
        }
    }

    /// Places the labels of the vertical lines near the top of the plot area.
    ///
    /// Labels are placed from left to right, each in the highest row where it
    /// overlaps no label placed before it, so that close lines get staggered
    /// labels instead of overprinted ones.
    fn place_vline_labels(&self, layout: &Layout) -> Vec<PlacedLabel<'_>> {
        let mut labelled: Vec<(f64, &VLine, &str)> = self
            .vlines
            .iter()
            .filter_map(|vline| {
                let label = vline.label.as_deref()?;
                let px = layout.x.map_inside(vline.x)?;
                Some((px, vline, label))
            })
            .collect();
        labelled.sort_by(|a, b| a.0.total_cmp(&b.0));

        let mut placed: Vec<PlacedLabel> = Vec::new();
        for (px, vline, label) in labelled {
            let width = text_width(label, LABEL_SIZE) + 6.0;
            let x0 = if px + 3.0 + width <= layout.right {
                px + 3.0
            } else {
                (px - 3.0 - width).max(layout.left)
            };
            let mut row = 0;
            let rect = loop {
                let y0 = layout.main_top + 3.0 + row as f64 * LABEL_ROW_HEIGHT;
                let candidate = Rect {
                    x0,
                    y0,
                    x1: x0 + width,
                    y1: y0 + LABEL_ROW_HEIGHT - 2.0,
                };
                let fits_below = candidate.y1 + LABEL_ROW_HEIGHT <= layout.bottom;
                if !fits_below || placed.iter().all(|p| !p.rect.overlaps(&candidate, 2.0)) {
                    break candidate;
                }
                row += 1;
            };
            placed.push(PlacedLabel {
                rect,
                color: &vline.color,
                text: label,
            });
        }
        placed
    }

    fn render_titles(&self, out: &mut String, layout: &Layout) {
        let center_x = (layout.left + layout.right) / 2.0;
        let available = self.width - 16.0;

        let (title, size) = fit_text(&self.title, TITLE_SIZE, available);
        write_text(
            out,
            centered_within(center_x, text_width(&title, size), self.width),
            22.0,
            size,
            "middle",
            r##"font-weight="bold" fill="#111""##,
            &title,
        );
        if let Some(subtitle) = &self.subtitle {
            let (subtitle, size) = fit_text(subtitle, SUBTITLE_SIZE, available);
            write_text(
                out,
                centered_within(center_x, text_width(&subtitle, size), self.width),
                40.0,
                size,
                "middle",
                r##"fill="#555""##,
                &subtitle,
            );
        }

        write_text(
            out,
            center_x,
            layout.bottom + 40.0,
            AXIS_TITLE_SIZE,
            "middle",
            r##"fill="#111""##,
            &self.x.title,
        );
        let y_center = (layout.main_top + layout.bottom) / 2.0;
        write_text(
            out,
            18.0,
            y_center,
            AXIS_TITLE_SIZE,
            "middle",
            &format!(r##"fill="#111" transform="rotate(-90 18 {y_center:.1})""##),
            &self.y.title,
        );

        for (i, note) in self.notes.iter().enumerate() {
            let y = self.height - 8.0 - (self.notes.len() - 1 - i) as f64 * 14.0;
            let (note, size) = fit_text(note, NOTE_SIZE, self.width - 16.0);
            write_text(out, 8.0, y, size, "start", r##"fill="#555""##, &note);
        }
    }
}

/// Returns the x position nearest `center_x` at which text `width` px wide,
/// centred there, stays 8 px inside a canvas `canvas_width` px wide.
fn centered_within(center_x: f64, width: f64, canvas_width: f64) -> f64 {
    let low = 8.0 + width / 2.0;
    let high = (canvas_width - 8.0 - width / 2.0).max(low);
    center_x.clamp(low, high)
}

/// Shrinks `text` to fit `available` px: first the font size, down to 80% of
/// `size`, then the text itself, cut and ended with "…".
fn fit_text(text: &str, size: f64, available: f64) -> (String, f64) {
    let width = text_width(text, size);
    if width <= available {
        return (text.to_string(), size);
    }
    let smaller = (size * available / width).max(size * 0.8);
    if text_width(text, smaller) <= available {
        return (text.to_string(), smaller);
    }
    let mut cut: String = String::new();
    for c in text.chars() {
        let next = format!("{cut}{c}…");
        if text_width(&next, smaller) > available {
            break;
        }
        cut.push(c);
    }
    (format!("{}…", cut.trim_end()), smaller)
}

/// A vertical line's label with its box on a white background.
struct PlacedLabel<'a> {
    rect: Rect,
    color: &'a str,
    text: &'a str,
}

fn write_vline_labels(out: &mut String, labels: &[PlacedLabel]) {
    for label in labels {
        let rect = label.rect;
        let _ = write!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="white" fill-opacity="0.85" rx="2"/>"#,
            rect.x0,
            rect.y0,
            rect.x1 - rect.x0,
            rect.y1 - rect.y0
        );
        write_text(
            out,
            rect.x0 + 3.0,
            rect.y1 - 3.0,
            LABEL_SIZE,
            "start",
            &format!(r#"fill="{}""#, escape_xml(label.color)),
            label.text,
        );
    }
}

fn render_frame(out: &mut String, layout: &Layout) {
    let _ = write!(
        out,
        r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#444" stroke-width="1"/>"##,
        layout.left,
        layout.top,
        layout.right - layout.left,
        layout.bottom - layout.top
    );
}

fn write_polyline(out: &mut String, line: &Line, layout: &Layout) {
    let color = escape_xml(&line.color);
    let dash = if line.dashed {
        r#" stroke-dasharray="7 4""#
    } else {
        ""
    };
    for run in layout.runs(&line.points) {
        if run.len() == 1 {
            // A lone drawable point between skipped ones would vanish as a
            // polyline, so it is drawn as a dot.
            let (px, py) = run[0];
            let _ = write!(
                out,
                r#"<circle cx="{px:.1}" cy="{py:.1}" r="{:.1}" fill="{color}" fill-opacity="{}"/>"#,
                line.width / 2.0 + 1.0,
                line.opacity
            );
            continue;
        }
        let mut points = String::new();
        for (px, py) in &run {
            let _ = write!(points, "{px:.1},{py:.1} ");
        }
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="{}" stroke-opacity="{}" stroke-linejoin="round"{dash}/>"#,
            points.trim_end(),
            line.width,
            line.opacity
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::xml_check::check_well_formed;

    fn sample_chart() -> Chart {
        let mut chart = Chart::new("Loss & accuracy <test>");
        chart
            .x_axis("learning rate (log scale)", Scale::Log10)
            .y_axis("training loss", Scale::Linear);
        chart.line(
            Line::new(
                vec![
                    (1e-4, 2.3),
                    (1e-3, 1.5),
                    (1e-2, 0.5),
                    (1e-1, f64::NAN),
                    (1.0, 3.0),
                ],
                "#1f77b4",
            )
            .label("smoothed loss"),
        );
        chart.vline(VLine {
            x: 1e-3,
            label: Some("valley".into()),
            legend: None,
            color: "#ff7f0e".into(),
            width: 1.5,
            opacity: 1.0,
            dashed: true,
        });
        chart
    }

    #[test]
    fn render_well_formed_with_escaped_title() {
        let svg = sample_chart().render();
        check_well_formed(&svg).unwrap();
        assert!(svg.contains("Loss &amp; accuracy &lt;test&gt;"));
        assert!(!svg.contains("<test>"));
    }

    #[test]
    fn render_contains_axis_titles_and_legend() {
        let svg = sample_chart().render();
        assert!(svg.contains("learning rate (log scale)"));
        assert!(svg.contains("training loss"));
        assert!(svg.contains(">smoothed loss</text>"));
        assert!(svg.contains(">valley</text>"));
        assert!(svg.contains(">1e-2</text>"));
    }

    #[test]
    fn nan_cuts_polyline_in_two() {
        let svg = sample_chart().render();
        // The three points before the NaN form a polyline, and the single
        // point after it becomes a dot.
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains("<circle"));
        assert!(!svg.contains("NaN"));
        assert!(!svg.contains("inf"));
    }

    #[test]
    fn empty_chart_says_no_data() {
        let mut chart = Chart::new("empty");
        chart.x_axis("x", Scale::Log10).y_axis("y", Scale::Log10);
        chart.line(Line::new(
            vec![(0.0, 1.0), (-1.0, 2.0), (f64::NAN, 1.0)],
            "black",
        ));
        let svg = chart.render();
        check_well_formed(&svg).unwrap();
        assert!(svg.contains(">no data</text>"));
        assert!(svg.contains(">x</text>"));
        assert!(!svg.contains("<polyline"));
    }

    #[test]
    fn vline_without_data_is_no_data() {
        let mut chart = Chart::new("only a reference line");
        chart.vline(VLine {
            x: 0.5,
            label: Some("valley".into()),
            legend: None,
            color: "red".into(),
            width: 1.0,
            opacity: 1.0,
            dashed: false,
        });
        assert!(chart.render().contains(">no data</text>"));
    }

    #[test]
    fn close_vline_labels_staggered() {
        let mut chart = Chart::new("stagger");
        chart.x_axis("x", Scale::Log10).y_axis("y", Scale::Linear);
        chart.line(Line::new(vec![(1e-5, 1.0), (1.0, 2.0)], "black"));
        for (x, label) in [(1e-3, "valley"), (1.1e-3, "slide"), (1.2e-3, "steep")] {
            chart.vline(VLine {
                x,
                label: Some(label.into()),
                legend: None,
                color: "red".into(),
                width: 1.0,
                opacity: 1.0,
                dashed: true,
            });
        }
        let layout = Layout::new(&chart, 0.0);
        let boxes: Vec<Rect> = chart
            .place_vline_labels(&layout)
            .iter()
            .map(|label| label.rect)
            .collect();
        assert_eq!(boxes.len(), 3);
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert!(!a.overlaps(b, 0.0), "{a:?} overlaps {b:?}");
            }
        }
        let rows: Vec<f64> = boxes.iter().map(|b| b.y0).collect();
        assert!(rows[0] < rows[1]);
        assert!(rows[1] < rows[2]);
    }

    #[test]
    fn huge_values_clamped_coordinates() {
        let mut chart = Chart::new("huge");
        chart.y_range(0.0, 1.0);
        chart.line(Line::new(vec![(0.0, 0.5), (1.0, 1e300)], "black"));
        let svg = chart.render();
        check_well_formed(&svg).unwrap();
        assert!(!svg.contains("e300"));
    }

    #[test]
    fn ids_differ_between_charts() {
        let first = sample_chart().render();
        let mut other = sample_chart();
        other.note("a second chart");
        let second = other.render();
        let id = |svg: &str| {
            let start = svg.find("clipPath id=\"").unwrap() + 13;
            svg[start..start + 22].to_string()
        };
        assert_ne!(id(&first), id(&second));
        assert!(!first.contains('\u{1}'));
    }

    #[test]
    fn band_rows_labelled_in_margin() {
        let mut chart = Chart::new("band");
        chart.x_axis("x", Scale::Log10).y_axis("y", Scale::Linear);
        chart.band_row(BandRow {
            label: "not converged".into(),
            xs: vec![1e-4, 10.0, f64::NAN, -1.0],
            marker: Marker::OpenTriangle,
            color: "orange".into(),
        });
        let svg = chart.render();
        check_well_formed(&svg).unwrap();
        assert!(svg.contains(">not converged</text>"));
        assert!(!svg.contains(">no data</text>"));
        // Two drawable x positions, two triangles.
        assert_eq!(svg.matches("<polygon").count(), 2);
    }

    #[test]
    fn titles_stay_inside_canvas() {
        assert_eq!(centered_within(360.0, 100.0, 720.0), 360.0);
        // 300 px of text needs its centre between 158 and 562.
        assert_eq!(centered_within(100.0, 300.0, 720.0), 158.0);
        assert_eq!(centered_within(600.0, 300.0, 720.0), 562.0);
    }

    #[test]
    fn fit_text_truncates_long_titles() {
        let long = "a".repeat(400);
        let (text, size) = fit_text(&long, 15.0, 300.0);
        assert!(text.ends_with('…'));
        assert!(text_width(&text, size) <= 300.0);
        assert_eq!(size, 12.0);
    }
}
