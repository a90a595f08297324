//! Charts as SVG drawn on the server: no chart library, no script. Every
//! chart writes its values as text beside the marks and uses patterns as
//! well as colour, so it reads in greyscale; each page also gives the same
//! figures as a table for screen readers.

use leptos::prelude::*;

/// The hatching and dot patterns the charts share. Put once per page.
#[component]
pub fn ChartPatterns() -> impl IntoView {
    view! {
        <svg class="chart-defs" width="0" height="0" aria-hidden="true" focusable="false">
            <defs>
                <pattern id="pat-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                    <rect width="6" height="6" class="pat-bg-2" />
                    <line x1="0" y1="0" x2="0" y2="6" class="pat-line" stroke-width="3" />
                </pattern>
                <pattern id="pat-dots" width="6" height="6" patternUnits="userSpaceOnUse">
                    <rect width="6" height="6" class="pat-bg-3" />
                    <circle cx="3" cy="3" r="1.5" class="pat-dot" />
                </pattern>
                <pattern id="pat-cross" width="8" height="8" patternUnits="userSpaceOnUse">
                    <rect width="8" height="8" class="pat-bg-4" />
                    <path d="M0 0L8 8M8 0L0 8" class="pat-line" stroke-width="1" />
                </pattern>
            </defs>
        </svg>
    }
}

/// Fill of series `i`: solid, hatched, dotted, crossed, then again.
pub fn series_fill(i: usize) -> &'static str {
    ["series-0", "series-1", "series-2", "series-3"][i % 4]
}

/// One bar: a label, a share (0–100) and the text written after it.
#[derive(Clone, Debug)]
pub struct Bar {
    pub label: String,
    pub percent: u32,
    pub text: String,
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// Horizontal bars of a share each, labelled on the left, value on the right.
#[component]
pub fn BarChart(bars: Vec<Bar>, #[prop(into)] label: String) -> impl IntoView {
    let row = 28;
    let height = (bars.len() as i32 * row + 8).max(40);
    let (lx, bx, bw) = (0, 230, 360);
    view! {
        <svg class="chart" viewBox=format!("0 0 720 {height}") role="img" aria-label=label preserveAspectRatio="xMinYMin meet">
            {bars.into_iter().enumerate().map(|(i, b)| {
                let y = i as i32 * row + 4;
                let w = (b.percent.min(100) as i32 * bw) / 100;
                view! {
                    <g>
                        <text x=lx y=y + 18 class="chart-label">{clip(&b.label, 34)}</text>
                        <rect x=bx y=y + 4 width=bw height=18 class="bar-track" />
                        <rect x=bx y=y + 4 width=w height=18 class="series-0" />
                        <text x=bx + bw + 8 y=y + 18 class="chart-value">{b.text}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

/// One stacked bar of people by status, with a legend.
#[component]
pub fn StatusBar(
    /// (label, count), drawn left to right with series 0, 1, 2…
    parts: Vec<(String, i64)>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let total: i64 = parts.iter().map(|p| p.1).sum::<i64>().max(1);
    let width = 700i64;
    let mut x = 0i64;
    let segments: Vec<_> = parts
        .iter()
        .enumerate()
        .map(|(i, (_, n))| {
            let w = n * width / total;
            let seg = (x, w, series_fill(i));
            x += w;
            seg
        })
        .collect();
    view! {
        <svg class="chart" viewBox="0 0 720 70" role="img" aria-label=label>
            {segments.into_iter().map(|(x, w, fill)| view! {
                <rect x=x + 4 y=4 width=w height=24 class=fill />
            }).collect_view()}
            <rect x=4 y=4 width=width height=24 class="bar-outline" />
            {parts.into_iter().enumerate().map(|(i, (l, n))| {
                let lx = 4 + i as i64 * 175;
                view! {
                    <g>
                        <rect x=lx y=42 width=16 height=16 class=series_fill(i) />
                        <rect x=lx y=42 width=16 height=16 class="bar-outline" />
                        <text x=lx + 22 y=55 class="chart-value">{format!("{l}: {n}")}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

/// A line of values over time, each point labelled with its value.
#[component]
pub fn LineChart(
    /// (x label, value)
    points: Vec<(String, i64)>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let (left, top, w, h) = (40i64, 24i64, 660i64, 150i64);
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let n = points.len().max(2) as i64;
    let xy: Vec<(i64, i64)> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (left + i as i64 * w / (n - 1), top + h - v * h / max))
        .collect();
    let line = xy
        .iter()
        .map(|(x, y)| format!("{x},{y}"))
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <svg class="chart" viewBox="0 0 720 210" role="img" aria-label=label>
            <line x1=left y1=top + h x2=left + w y2=top + h class="axis" />
            <line x1=left y1=top x2=left y2=top + h class="axis" />
            <text x=0 y=top + 4 class="chart-small">{max.to_string()}</text>
            <text x=0 y=top + h class="chart-small">"0"</text>
            <polyline points=line class="trend-line" fill="none" />
            {points.into_iter().zip(xy).map(|((l, v), (x, y))| view! {
                <g>
                    <circle cx=x cy=y r=4 class="trend-point" />
                    <text x=x y=y - 8 class="chart-small" text-anchor="middle">{v.to_string()}</text>
                    <text x=x y=top + h + 20 class="chart-small" text-anchor="middle">{l}</text>
                </g>
            }).collect_view()}
        </svg>
    }
}

/// Groups of horizontal bars: for each group (a competency), one bar per
/// series (a team), each labelled with its value.
#[component]
pub fn GroupedBars(
    groups: Vec<String>,
    /// (series name, one value per group in per cent, 0 to 100; `None`: no data)
    series: Vec<(String, Vec<Option<i64>>)>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let bar = 16i64;
    let group_h = bar * series.len() as i64 + 18;
    let legend_h = 22 * series.len() as i64;
    let height = group_h * groups.len() as i64 + legend_h + 10;
    // Shares: the scale is always 0 to 100%, so teams compare by eye.
    let max = 100;
    let (bx, bw) = (150i64, 430i64);
    view! {
        <svg class="chart" viewBox=format!("0 0 720 {height}") role="img" aria-label=label>
            {groups.iter().enumerate().map(|(g, name)| {
                let y0 = g as i64 * group_h;
                view! {
                    <g>
                        <text x=0 y=y0 + 14 class="chart-label">{clip(name, 20)}</text>
                        {series.iter().enumerate().map(|(s, (sname, vals))| {
                            let y = y0 + 4 + s as i64 * bar;
                            let v = vals.get(g).copied().flatten();
                            let w = v.map(|v| v.clamp(0, max) * bw / max).unwrap_or(0);
                            let text = match v {
                                Some(v) => format!("{}: {v}%", clip(sname, 18)),
                                None => format!("{}: no results", clip(sname, 18)),
                            };
                            view! {
                                <g>
                                    <rect x=bx y=y width=w height=bar - 3 class=series_fill(s) />
                                    <text x=bx + w + 6 y=y + 11 class="chart-small">{text}</text>
                                </g>
                            }
                        }).collect_view()}
                    </g>
                }
            }).collect_view()}
            {series.iter().enumerate().map(|(s, (sname, _))| {
                let y = group_h * groups.len() as i64 + 4 + s as i64 * 22;
                view! {
                    <g>
                        <rect x=0 y=y width=16 height=16 class=series_fill(s) />
                        <rect x=0 y=y width=16 height=16 class="bar-outline" />
                        <text x=22 y=y + 13 class="chart-value">{clip(sname, 60)}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

/// `27` → `2.7`, `-5` → `-0.5`.
pub fn tenths(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{}.{}", v.abs() / 10, v.abs() % 10)
}
