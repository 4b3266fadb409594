//! The chart legend: its entries, where it goes and how it is drawn.

use std::fmt::Write;

use super::layout::{Layout, Rect};
use super::Chart;
use crate::plot::svg::{escape_xml, text_width, write_marker, write_text, Marker};

const LEGEND_SIZE: f64 = 11.5;

const LEGEND_ROW_HEIGHT: f64 = 16.0;

/// Weight of data (see [`Chart::sample_points`]) that a legend inside the
/// plot area may cover before it moves to the right of the plot area: two
/// line samples, or less than one scatter marker.
const LEGEND_MAX_COVERED: f64 = 2.0;

impl Chart {
    /// Computes the layout and where the legend goes, if there is one.
    ///
    /// The legend goes into the corner of the plot area that covers the
    /// least. When every corner would cover data, the plot area narrows and
    /// the legend goes to its right, unless that would leave the plot area
    /// narrower than 400 px.
    pub(super) fn layout_with_legend(&self) -> (Layout, Option<Rect>) {
        let layout = Layout::new(self, 0.0);
        let entries = self.legend_entries();
        if !layout.has_data || entries.is_empty() {
            return (layout, None);
        }

        let (width, height) = legend_size(&entries);
        let label_boxes: Vec<Rect> = self
            .place_vline_labels(&layout)
            .iter()
            .map(|label| label.rect)
            .collect();
        let (covered, inside) = self.place_legend(&layout, width, height, &label_boxes);
        let reserve = width + 4.0;
        if covered <= LEGEND_MAX_COVERED || layout.right - layout.left - reserve < 400.0 {
            return (layout, Some(inside));
        }

        let layout = Layout::new(self, reserve);
        let x0 = layout.right + 12.0;
        let outside = Rect {
            x0,
            y0: layout.main_top,
            x1: x0 + width,
            y1: layout.main_top + height,
        };
        (layout, Some(outside))
    }

    fn legend_entries(&self) -> Vec<LegendEntry<'_>> {
        let mut entries = Vec::new();
        for line in &self.lines {
            if let Some(label) = &line.label {
                entries.push(LegendEntry {
                    label,
                    color: &line.color,
                    stroke: Some((line.width, line.dashed, line.opacity)),
                    marker: line.marker.map(|m| (m, line.width + 1.5)),
                });
            }
        }
        for scatter in &self.scatters {
            if let Some(label) = &scatter.label {
                entries.push(LegendEntry {
                    label,
                    color: &scatter.color,
                    stroke: None,
                    marker: Some((scatter.marker, scatter.size)),
                });
            }
        }
        for hline in &self.hlines {
            if let Some(label) = &hline.legend {
                entries.push(LegendEntry {
                    label,
                    color: &hline.color,
                    stroke: Some((1.5, hline.dashed, 1.0)),
                    marker: None,
                });
            }
        }
        for vline in &self.vlines {
            if let Some(label) = &vline.legend {
                entries.push(LegendEntry {
                    label,
                    color: &vline.color,
                    stroke: Some((vline.width, vline.dashed, vline.opacity)),
                    marker: None,
                });
            }
        }
        entries
    }

    pub(super) fn render_legend(&self, out: &mut String, rect: Rect) {
        let entries = self.legend_entries();
        let (width, height) = (rect.x1 - rect.x0, rect.y1 - rect.y0);
        let _ = write!(
            out,
            r##"<rect x="{:.1}" y="{:.1}" width="{width:.1}" height="{height:.1}" fill="white" fill-opacity="0.92" stroke="#bbb" rx="3"/>"##,
            rect.x0, rect.y0
        );
        for (i, entry) in entries.iter().enumerate() {
            let center_y = rect.y0 + 6.0 + (i as f64 + 0.5) * LEGEND_ROW_HEIGHT;
            let swatch_x0 = rect.x0 + 8.0;
            let swatch_x1 = swatch_x0 + 26.0;
            if let Some((stroke_width, dashed, opacity)) = entry.stroke {
                let _ = write!(
                    out,
                    r#"<line x1="{swatch_x0:.1}" y1="{center_y:.1}" x2="{swatch_x1:.1}" y2="{center_y:.1}" stroke="{}" stroke-width="{}" stroke-opacity="{}"{}/>"#,
                    escape_xml(entry.color),
                    stroke_width.min(8.0),
                    opacity,
                    if dashed {
                        r#" stroke-dasharray="6 3""#
                    } else {
                        ""
                    },
                );
            }
            if let Some((marker, size)) = entry.marker {
                write_marker(
                    out,
                    marker,
                    (swatch_x0 + swatch_x1) / 2.0,
                    center_y,
                    size,
                    entry.color,
                );
            }
            write_text(
                out,
                swatch_x1 + 6.0,
                center_y + 4.0,
                LEGEND_SIZE,
                "start",
                r##"fill="#222""##,
                entry.label,
            );
        }
    }

    /// Picks the corner of the plot area where the legend box covers the
    /// fewest data points and no vertical-line label, and returns how much it
    /// covers there (see [`Chart::sample_points`]) with the box. Ties go to
    /// the top right, then top left, bottom right and bottom left.
    fn place_legend(
        &self,
        layout: &Layout,
        width: f64,
        height: f64,
        label_boxes: &[Rect],
    ) -> (f64, Rect) {
        let inset = 8.0;
        let (left, right) = (layout.left + inset, layout.right - inset);
        let (top, bottom) = (layout.main_top + inset, layout.bottom - inset);
        let corners = [
            (right - width, top),
            (left, top),
            (right - width, bottom - height),
            (left, bottom - height),
        ];
        let samples = self.sample_points(layout);

        let mut best: Option<(f64, Rect)> = None;
        for (x0, y0) in corners {
            let rect = Rect {
                x0,
                y0,
                x1: x0 + width,
                y1: y0 + height,
            };
            let covered = samples
                .iter()
                .filter(|(x, y, _)| rect.contains(*x, *y))
                .map(|(_, _, weight)| weight)
                .sum::<f64>();
            let label_penalty = label_boxes
                .iter()
                .filter(|b| b.overlaps(&rect, 0.0))
                .count() as f64
                * 1000.0;
            let score = covered + label_penalty;
            if best.as_ref().is_none_or(|(s, _)| score < *s) {
                best = Some((score, rect));
            }
        }
        best.unwrap_or((
            f64::INFINITY,
            Rect {
                x0: corners[0].0,
                y0: corners[0].1,
                x1: corners[0].0 + width,
                y1: corners[0].1 + height,
            },
        ))
    }

    /// Returns pixel positions along everything drawn in the plot area, with
    /// a weight: 1 per sample every 6 px along a line, 3 per scatter marker,
    /// and 0.1 per sample along reference lines, which a legend may cover.
    fn sample_points(&self, layout: &Layout) -> Vec<(f64, f64, f64)> {
        let mut samples = Vec::new();
        for line in &self.lines {
            for run in layout.runs(&line.points) {
                samples.push((run[0].0, run[0].1, 1.0));
                for pair in run.windows(2) {
                    let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
                    let length = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
                    let steps = (length / 6.0).ceil().clamp(1.0, 200.0) as usize;
                    for step in 1..=steps {
                        let t = step as f64 / steps as f64;
                        samples.push((x0 + t * (x1 - x0), y0 + t * (y1 - y0), 1.0));
                    }
                }
            }
        }
        for scatter in &self.scatters {
            for (px, py) in layout.drawable(&scatter.points) {
                samples.push((px, py, 3.0));
            }
        }
        for hline in &self.hlines {
            if let Some(py) = layout.y.map_inside(hline.y) {
                let mut px = layout.left;
                while px <= layout.right {
                    samples.push((px, py, 0.1));
                    px += 6.0;
                }
            }
        }
        for vline in &self.vlines {
            if let Some(px) = layout.x.map_inside(vline.x) {
                let mut py = layout.main_top;
                while py <= layout.bottom {
                    samples.push((px, py, 0.1));
                    py += 6.0;
                }
            }
        }
        samples
    }
}

/// Returns the width and height in px of a legend box with `entries`.
fn legend_size(entries: &[LegendEntry]) -> (f64, f64) {
    let text_max = entries
        .iter()
        .map(|e| text_width(e.label, LEGEND_SIZE))
        .fold(0.0, f64::max);
    let width = 8.0 + 26.0 + 6.0 + text_max + 8.0;
    let height = 6.0 + entries.len() as f64 * LEGEND_ROW_HEIGHT + 4.0;
    (width, height)
}

struct LegendEntry<'a> {
    label: &'a str,
    color: &'a str,
    /// Stroke width, dashed, opacity.
    stroke: Option<(f64, bool, f64)>,
    /// Marker and its radius.
    marker: Option<(Marker, f64)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::chart::{Line, Scatter};
    use crate::plot::scale::Scale;
    use crate::plot::xml_check::check_well_formed;

    #[test]
    fn legend_avoids_data_corner() {
        // Data fills the top right, so the legend must go elsewhere.
        let mut chart = Chart::new("legend");
        chart.x_axis("x", Scale::Linear).y_axis("y", Scale::Linear);
        let points: Vec<(f64, f64)> = (0..=100)
            .map(|i| (i as f64 / 100.0, (i as f64 / 100.0).powi(4)))
            .collect();
        chart.line(Line::new(points, "black").label("x^4"));
        let layout = Layout::new(&chart, 0.0);
        let (covered, rect) = chart.place_legend(&layout, 100.0, 40.0, &[]);
        assert_eq!(covered, 0.0);
        assert!(rect.x0 < (layout.left + layout.right) / 2.0);
        assert!(rect.y0 < (layout.main_top + layout.bottom) / 2.0);

        let (layout, legend) = chart.layout_with_legend();
        let legend = legend.unwrap();
        assert_eq!((legend.x0, legend.y0), (rect.x0, rect.y0));
        assert_eq!(layout.right, 700.0);
    }

    #[test]
    fn legend_moves_outside_when_crowded() {
        // A grid of markers covers every corner of the plot area.
        let mut chart = Chart::new("crowded");
        let points: Vec<(f64, f64)> = (0..=20)
            .flat_map(|i| (0..=20).map(move |j| (i as f64, j as f64)))
            .collect();
        chart.scatter(Scatter {
            label: Some("grid".into()),
            points,
            marker: Marker::Circle,
            color: "black".into(),
            size: 2.0,
        });
        let (layout, legend) = chart.layout_with_legend();
        let legend = legend.unwrap();
        assert!(legend.x0 > layout.right);
        assert!(legend.x1 <= 720.0);
        assert!(layout.right < 700.0);
        check_well_formed(&chart.render()).unwrap();
    }
}
