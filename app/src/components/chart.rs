//! Charts drawn as SVG on the server (no script needed, nothing to hydrate but the markup):
//! bars (one or several series side by side), stacked bars, and lines. The geometry is plain
//! functions, tested below; the component only turns it into SVG elements.

use leptos::prelude::*;

/// How the series are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// One bar per series and point, side by side.
    Bars,
    /// One bar per point, the series stacked in it.
    Stacked,
    /// One line per series.
    Lines,
}

/// A named row of values, one per label.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

impl Series {
    pub fn new(name: impl Into<String>, values: impl IntoIterator<Item = f64>) -> Self {
        Series {
            name: name.into(),
            values: values.into_iter().collect(),
        }
    }
}

const W: f64 = 600.0;
const H: f64 = 120.0;
/// The drawing is in tenths of the units above, written as whole numbers: integers are
/// shorter to send and cheaper to format than decimals (a 90-day chart has ~1,000 of them).
const VIEW_BOX: &str = "0 0 6000 1200";

/// A coordinate in SVG units as the whole number of tenths drawn.
fn px(v: f64) -> i64 {
    (v * 10.0).round() as i64
}

/// A line chart of at most this many points draws a dot on each.
const DOTS_UP_TO: usize = 14;

/// Room kept above the highest value.
const HEADROOM: f64 = 4.0;
const GAP: f64 = 2.0;
/// Series colours, in order (written out whole so Tailwind keeps them).
const FILLS: [&str; 4] = [
    "fill-brand-500",
    "fill-sky-400",
    "fill-amber-400",
    "fill-emerald-500",
];
const STROKES: [&str; 4] = [
    "stroke-brand-500",
    "stroke-sky-400",
    "stroke-amber-400",
    "stroke-emerald-500",
];
const DOTS: [&str; 4] = [
    "bg-brand-500",
    "bg-sky-400",
    "bg-amber-400",
    "bg-emerald-500",
];

/// A drawn rectangle, in SVG units (`series` is `None` for the baseline of an empty point).
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub series: Option<usize>,
    pub point: usize,
}

fn points_of(series: &[Series]) -> usize {
    series.iter().map(|s| s.values.len()).max().unwrap_or(0)
}

fn value(s: &Series, i: usize) -> f64 {
    s.values.get(i).copied().unwrap_or(0.0).max(0.0)
}

/// A series' value at point `i` as a tooltip writes it ("1,234").
fn shown(s: &Series, i: usize) -> String {
    crate::format::group(value(s, i).round() as i64)
}

/// Height of `v` on a scale whose top is `max`; a value above zero is at least 3 units tall so
/// that it stays visible.
fn scaled(v: f64, max: f64) -> f64 {
    if v <= 0.0 {
        0.0
    } else {
        (v / max * (H - HEADROOM)).max(3.0)
    }
}

/// The rectangles of a bar or stacked chart. A point whose values are all zero gets a 1-unit
/// baseline, so the days without use still show.
pub fn bar_segments(kind: ChartKind, series: &[Series]) -> Vec<Segment> {
    let points = points_of(series);
    if points == 0 || series.is_empty() {
        return Vec::new();
    }
    let slot = W / points as f64;
    let totals: Vec<f64> = (0..points)
        .map(|i| series.iter().map(|s| value(s, i)).sum())
        .collect();
    let max = match kind {
        ChartKind::Stacked => totals.iter().copied().fold(0.0, f64::max),
        _ => series
            .iter()
            .flat_map(|s| (0..points).map(move |i| value(s, i)))
            .fold(0.0, f64::max),
    }
    .max(1.0);
    let mut out = Vec::new();
    for (i, total) in totals.iter().enumerate() {
        let x0 = i as f64 * slot + GAP / 2.0;
        let width = (slot - GAP).max(1.0);
        if *total <= 0.0 {
            out.push(Segment {
                x: x0,
                y: H - 1.0,
                w: width,
                h: 1.0,
                series: None,
                point: i,
            });
            continue;
        }
        match kind {
            ChartKind::Stacked => {
                let mut top = H;
                for (k, s) in series.iter().enumerate() {
                    let h = scaled(value(s, i), max);
                    if h > 0.0 {
                        top -= h;
                        out.push(Segment {
                            x: x0,
                            y: top,
                            w: width,
                            h,
                            series: Some(k),
                            point: i,
                        });
                    }
                }
            }
            _ => {
                let each = width / series.len() as f64;
                for (k, s) in series.iter().enumerate() {
                    let h = scaled(value(s, i), max);
                    if h > 0.0 {
                        out.push(Segment {
                            x: x0 + k as f64 * each,
                            y: H - h,
                            w: each,
                            h,
                            series: Some(k),
                            point: i,
                        });
                    }
                }
            }
        }
    }
    out
}

/// The points of each series of a line chart, in SVG units (x at the middle of each slot).
pub fn line_points(series: &[Series]) -> Vec<Vec<(f64, f64)>> {
    let points = points_of(series);
    if points == 0 {
        return Vec::new();
    }
    let slot = W / points as f64;
    let max = series
        .iter()
        .flat_map(|s| (0..points).map(move |i| value(s, i)))
        .fold(0.0, f64::max)
        .max(1.0);
    series
        .iter()
        .map(|s| {
            (0..points)
                .map(|i| {
                    let v = value(s, i);
                    let y = if v <= 0.0 {
                        H - 1.0
                    } else {
                        H - v / max * (H - HEADROOM)
                    };
                    (i as f64 * slot + slot / 2.0, y)
                })
                .collect()
        })
        .collect()
}

/// A chart of `series` over `labels`. `label` describes it for screen readers; `caption` sits
/// between the first and the last label below it. Each mark has a tooltip with its value.
#[component]
pub fn Chart(
    kind: ChartKind,
    labels: Vec<String>,
    series: Vec<Series>,
    #[prop(into)] label: String,
    #[prop(into, optional)] caption: String,
    /// Written after each value in the tooltips ("tokens").
    #[prop(into, optional)]
    unit: String,
) -> impl IntoView {
    let tip = {
        let labels = labels.clone();
        let series = series.clone();
        let unit = unit.clone();
        move |k: usize, i: usize| {
            let at = labels.get(i).cloned().unwrap_or_default();
            let v = series
                .get(k)
                .map(|s| shown(s, i))
                .unwrap_or_else(|| "0".into());
            let name = if series.len() > 1 {
                format!(" {}", series[k].name)
            } else {
                String::new()
            };
            format!("{at}:{name} {v} {unit}").trim_end().to_string()
        }
    };
    let marks = match kind {
        ChartKind::Lines => {
            let lines = line_points(&series);
            let points = points_of(&series);
            // Dots on the points only when there are few of them (a week): on a month of
            // several stores they hide the lines and weigh the page.
            let dotted = points <= DOTS_UP_TO;
            let drawn = lines
                .iter()
                .enumerate()
                .map(|(k, pts)| {
                    let path = pts
                        .iter()
                        .map(|(x, y)| format!("{},{}", px(*x), px(*y)))
                        .collect::<Vec<_>>()
                        .join(" ");
                    let dots = dotted.then(|| {
                        let dots = pts
                            .iter()
                            .map(|(x, y)| view! { <circle cx=px(*x) cy=px(*y) r="25"/> })
                            .collect_view();
                        view! { <g class=FILLS[k % FILLS.len()]>{dots}</g> }
                    });
                    view! {
                        <polyline points=path fill="none" stroke-width="20" stroke-linejoin="round" class=STROKES[k % STROKES.len()]/>
                        {dots}
                    }
                })
                .collect_view();
            // One invisible column per point, the whole chart's height, whose tooltip gives
            // every series' value there: easier to hover than a dot, and a point's label is
            // written once, not once per series.
            let slot = W / points.max(1) as f64;
            let columns = (0..points)
                .map(|i| {
                    let at = labels.get(i).cloned().unwrap_or_default();
                    let values = series
                        .iter()
                        .map(|s| {
                            let v = shown(s, i);
                            if series.len() > 1 {
                                format!("{} {v}", s.name)
                            } else {
                                v
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" · ");
                    let text = format!("{at}: {values} {unit}").trim_end().to_string();
                    view! {
                        <rect x=px(i as f64 * slot) y="0" width=px(slot) height="1200"><title>{text}</title></rect>
                    }
                })
                .collect_view();
            view! {
                {drawn}
                <g class="fill-transparent [&>rect:hover]:fill-slate-400/15">{columns}</g>
            }
            .into_any()
        }
        _ => bar_segments(kind, &series)
            .into_iter()
            .map(|s| {
                let (class, title) = match s.series {
                    Some(k) => (FILLS[k % FILLS.len()], tip(k, s.point)),
                    None => ("fill-slate-200 dark:fill-slate-800", tip(0, s.point)),
                };
                view! {
                    <rect x=px(s.x) y=px(s.y) width=px(s.w) height=px(s.h) rx="20" class=class>
                        <title>{title}</title>
                    </rect>
                }
            })
            .collect_view()
            .into_any(),
    };
    let legend = (series.len() > 1).then(|| {
        series
            .iter()
            .enumerate()
            .map(|(k, s)| {
                view! {
                    <span class="inline-flex items-center gap-1.5">
                        <span class=format!("h-2 w-2 rounded-full {}", DOTS[k % DOTS.len()])></span>
                        {s.name.clone()}
                    </span>
                }
            })
            .collect_view()
    });
    let first = labels.first().cloned().unwrap_or_default();
    let last = labels.last().cloned().unwrap_or_default();
    view! {
        <figure>
            {legend.map(|l| view! { <div class="mb-2 flex flex-wrap gap-4 text-xs text-slate-600 dark:text-slate-300">{l}</div> })}
            <svg viewBox=VIEW_BOX class="h-32 w-full" role="img" aria-label=label>
                {marks}
            </svg>
            <figcaption class="mt-2 flex justify-between text-xs text-slate-500 dark:text-slate-400">
                <span>{first}</span>
                <span>{caption}</span>
                <span>{last}</span>
            </figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn bars_share_one_scale_and_empty_points_keep_a_baseline() {
        let s = [Series::new("tokens", [0.0, 50.0, 100.0])];
        let bars = bar_segments(ChartKind::Bars, &s);
        assert_eq!(bars.len(), 3);
        assert_eq!(bars[0].series, None, "a day without use is a baseline");
        assert!(close(bars[0].h, 1.0));
        assert!(
            close(bars[2].h, H - HEADROOM),
            "the highest value fills the chart"
        );
        assert!(close(bars[1].h, (H - HEADROOM) / 2.0));
        assert!(close(bars[2].y + bars[2].h, H), "bars stand on the bottom");
        assert!(close(bars[1].x, W / 3.0 + GAP / 2.0));
    }

    #[test]
    fn several_series_stand_side_by_side_or_stacked() {
        let s = [
            Series::new("paid", [10.0, 30.0]),
            Series::new("granted", [30.0, 10.0]),
        ];
        let side = bar_segments(ChartKind::Bars, &s);
        assert_eq!(side.len(), 4);
        let (a, b) = (&side[0], &side[1]);
        assert!(
            close(a.x + a.w, b.x),
            "the second series starts where the first ends"
        );
        assert!(close(b.h, H - HEADROOM), "30 is the highest single value");

        let stacked = bar_segments(ChartKind::Stacked, &s);
        assert_eq!(stacked.len(), 4);
        let (low, high) = (&stacked[0], &stacked[1]);
        assert!(close(low.y + low.h, H));
        assert!(close(high.y + high.h, low.y), "stacked on the first");
        assert!(
            close(low.h + high.h, H - HEADROOM),
            "40 is the highest total"
        );
    }

    #[test]
    fn small_values_stay_visible_and_negative_ones_count_as_zero() {
        let s = [Series::new("x", [1.0, 1_000_000.0, -5.0])];
        let bars = bar_segments(ChartKind::Bars, &s);
        assert!(close(bars[0].h, 3.0));
        assert_eq!(bars[2].series, None);
        assert!(bar_segments(ChartKind::Bars, &[]).is_empty());
    }

    #[test]
    fn lines_put_one_point_per_label_in_the_middle_of_its_slot() {
        let s = [Series::new("a", [0.0, 10.0]), Series::new("b", [5.0])];
        let lines = line_points(&s);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].len(), 2, "a short series is padded with zeros");
        assert!(close(lines[0][0].0, W / 4.0));
        assert!(
            close(lines[0][1].1, HEADROOM),
            "the highest value at the top"
        );
        assert!(close(lines[1][1].1, H - 1.0), "zero on the baseline");
    }
}
