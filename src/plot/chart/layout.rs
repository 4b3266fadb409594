//! Chart geometry: margins, the plot area, and the mapping from data to pixels.

use super::{Chart, BAND_ROW_HEIGHT, TICK_SIZE};
use crate::plot::scale::{ticks, Scale, Ticks};
use crate::plot::svg::text_width;

/// Gap in px between the ends of the x domain and the frame, so that points
/// at the first and last x value are not drawn on the frame.
const X_INSET: f64 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Rect {
    pub(super) x0: f64,
    pub(super) y0: f64,
    pub(super) x1: f64,
    pub(super) y1: f64,
}

impl Rect {
    pub(super) fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1
    }

    pub(super) fn overlaps(&self, other: &Rect, gap: f64) -> bool {
        self.x0 < other.x1 + gap
            && other.x0 < self.x1 + gap
            && self.y0 < other.y1 + gap
            && other.y0 < self.y1 + gap
    }
}

/// Maps data values on one axis to pixel positions.
pub(super) struct Mapper {
    scale: Scale,
    /// Transformed domain ends.
    domain: (f64, f64),
    /// Pixel positions of the domain ends.
    pixels: (f64, f64),
}

impl Mapper {
    fn new(scale: Scale, domain: (f64, f64), pixels: (f64, f64)) -> Mapper {
        Mapper {
            scale,
            domain: (scale.transform(domain.0), scale.transform(domain.1)),
            pixels,
        }
    }

    /// Returns the pixel position of `value`, or `None` when the scale cannot
    /// show it. Positions far outside the plot are clamped to 10,000 px
    /// beyond it, which keeps coordinates short without visibly bending lines.
    pub(super) fn map(&self, value: f64) -> Option<f64> {
        if !self.scale.accepts(value) {
            return None;
        }
        let t = (self.scale.transform(value) - self.domain.0) / (self.domain.1 - self.domain.0);
        let t = if t.is_finite() { t } else { 0.5 };
        let px = self.pixels.0 + t * (self.pixels.1 - self.pixels.0);
        let (low, high) = if self.pixels.0 < self.pixels.1 {
            self.pixels
        } else {
            (self.pixels.1, self.pixels.0)
        };
        Some(px.clamp(low - 10_000.0, high + 10_000.0))
    }

    /// Like [`Mapper::map`], but `None` also for values outside the domain.
    pub(super) fn map_inside(&self, value: f64) -> Option<f64> {
        let px = self.map(value)?;
        let (low, high) = if self.pixels.0 < self.pixels.1 {
            self.pixels
        } else {
            (self.pixels.1, self.pixels.0)
        };
        (px >= low - 0.5 && px <= high + 0.5).then_some(px)
    }
}

/// Positions of everything on the canvas, computed once per render.
pub(super) struct Layout {
    pub(super) has_data: bool,
    pub(super) left: f64,
    pub(super) right: f64,
    /// Top of the plot area, including the band.
    pub(super) top: f64,
    /// Top of the plot area below the band.
    pub(super) main_top: f64,
    pub(super) bottom: f64,
    pub(super) x_ticks: Ticks,
    pub(super) y_ticks: Ticks,
    pub(super) x: Mapper,
    pub(super) y: Mapper,
}

impl Layout {
    /// Lays out `chart`, keeping `legend_reserve` px free right of the plot
    /// area for a legend.
    pub(super) fn new(chart: &Chart, legend_reserve: f64) -> Layout {
        let (x_extent, y_extent) = data_extents(chart);
        let has_data = x_extent.is_some();

        let top = if chart.subtitle.is_some() { 52.0 } else { 36.0 };
        let band_height = if chart.band_rows.is_empty() {
            0.0
        } else {
            chart.band_rows.len() as f64 * BAND_ROW_HEIGHT + 6.0
        };
        let main_top = top + band_height;
        let bottom = chart.height - 54.0 - chart.notes.len() as f64 * 14.0;

        let y_range = chart
            .y
            .range
            .or(y_extent)
            .unwrap_or(default_range(chart.y.scale));
        let y_intervals = ((bottom - main_top) / 55.0).round().clamp(2.0, 10.0) as usize;
        let y_ticks = ticks(chart.y.scale, y_range.0, y_range.1, y_intervals);

        let label_width = y_ticks
            .labels
            .iter()
            .map(|l| text_width(l, TICK_SIZE))
            .chain(
                chart
                    .band_rows
                    .iter()
                    .map(|r| text_width(&r.label, TICK_SIZE)),
            )
            .fold(0.0, f64::max);
        let left = if has_data {
            (28.0 + label_width + 12.0).max(60.0)
        } else {
            40.0
        };
        let right = chart.width - 20.0 - legend_reserve;

        let x_range = chart
            .x
            .range
            .or(x_extent)
            .unwrap_or(default_range(chart.x.scale));
        let x_intervals = ((right - left) / 90.0).round().clamp(2.0, 10.0) as usize;
        let x_ticks = ticks(chart.x.scale, x_range.0, x_range.1, x_intervals);

        Layout {
            has_data,
            left,
            right,
            top,
            main_top,
            bottom,
            x: Mapper::new(
                chart.x.scale,
                x_ticks.domain,
                (left + X_INSET, right - X_INSET),
            ),
            y: Mapper::new(chart.y.scale, y_ticks.domain, (bottom, main_top)),
            x_ticks,
            y_ticks,
        }
    }

    pub(super) fn band_row_y(&self, row: usize) -> f64 {
        self.top + 3.0 + (row as f64 + 0.5) * BAND_ROW_HEIGHT
    }

    /// Returns the pixel positions of the points that both axes can show.
    pub(super) fn drawable(&self, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
        points
            .iter()
            .filter_map(|&(x, y)| Some((self.x.map(x)?, self.y.map(y)?)))
            .collect()
    }

    /// Splits `points` into runs of consecutive drawable points, in pixels.
    pub(super) fn runs(&self, points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
        let mut runs = Vec::new();
        let mut current = Vec::new();
        for &(x, y) in points {
            match (self.x.map(x), self.y.map(y)) {
                (Some(px), Some(py)) => current.push((px, py)),
                _ => {
                    if !current.is_empty() {
                        runs.push(std::mem::take(&mut current));
                    }
                }
            }
        }
        if !current.is_empty() {
            runs.push(current);
        }
        runs
    }

    /// Returns the x tick labels to draw, thinned to every n-th one when
    /// neighbours would overlap.
    pub(super) fn x_labels(&self) -> Vec<(f64, String)> {
        let labels: Vec<(f64, String)> = self
            .x_ticks
            .major
            .iter()
            .zip(&self.x_ticks.labels)
            .filter(|(_, label)| !label.is_empty())
            .filter_map(|(&value, label)| Some((self.x.map(value)?, label.clone())))
            .collect();
        thin_labels(labels, |a, b| {
            (b.0 - a.0).abs()
                >= (text_width(&a.1, TICK_SIZE) + text_width(&b.1, TICK_SIZE)) / 2.0 + 6.0
        })
    }

    pub(super) fn y_labels(&self) -> Vec<(f64, String)> {
        let labels: Vec<(f64, String)> = self
            .y_ticks
            .major
            .iter()
            .zip(&self.y_ticks.labels)
            .filter(|(_, label)| !label.is_empty())
            .filter_map(|(&value, label)| Some((self.y.map(value)?, label.clone())))
            .collect();
        thin_labels(labels, |a, b| (b.0 - a.0).abs() >= TICK_SIZE + 3.0)
    }
}

/// Keeps every n-th label for the smallest n at which all thinned neighbours
/// pass `fits`.
fn thin_labels(
    labels: Vec<(f64, String)>,
    fits: impl Fn(&(f64, String), &(f64, String)) -> bool,
) -> Vec<(f64, String)> {
    for every in 1..=labels.len().max(1) {
        let thinned: Vec<(f64, String)> = labels.iter().step_by(every).cloned().collect();
        if thinned.windows(2).all(|pair| fits(&pair[0], &pair[1])) {
            return thinned;
        }
    }
    labels.into_iter().take(1).collect()
}

fn default_range(scale: Scale) -> (f64, f64) {
    match scale {
        Scale::Linear => (0.0, 1.0),
        Scale::Log10 => (1.0, 10.0),
    }
}

/// The lowest and highest of a set of values.
type Bounds = (f64, f64);

/// Returns the x and y extents of everything drawable, each `None` when
/// nothing can be drawn. The x extent is `None` exactly when the chart has no
/// drawable data point, because reference lines alone do not count as data.
fn data_extents(chart: &Chart) -> (Option<Bounds>, Option<Bounds>) {
    let (x_scale, y_scale) = (chart.x.scale, chart.y.scale);
    let drawable = |&(x, y): &(f64, f64)| x_scale.accepts(x) && y_scale.accepts(y);

    let points = chart
        .lines
        .iter()
        .flat_map(|l| &l.points)
        .chain(chart.scatters.iter().flat_map(|s| &s.points))
        .filter(|p| drawable(p));
    let mut x_extent = Extent::default();
    let mut y_extent = Extent::default();
    for &(x, y) in points {
        x_extent.add(x);
        y_extent.add(y);
    }
    for &x in chart.band_rows.iter().flat_map(|r| &r.xs) {
        if x_scale.accepts(x) {
            x_extent.add(x);
        }
    }
    if x_extent.get().is_none() {
        return (None, None);
    }

    for vline in &chart.vlines {
        if x_scale.accepts(vline.x) {
            x_extent.add(vline.x);
        }
    }
    for hline in &chart.hlines {
        if y_scale.accepts(hline.y) {
            y_extent.add(hline.y);
        }
    }
    (x_extent.get(), y_extent.get())
}

#[derive(Default)]
struct Extent {
    range: Option<(f64, f64)>,
}

impl Extent {
    fn add(&mut self, value: f64) {
        self.range = Some(match self.range {
            None => (value, value),
            Some((low, high)) => (low.min(value), high.max(value)),
        });
    }

    fn get(&self) -> Option<(f64, f64)> {
        self.range
    }
}
