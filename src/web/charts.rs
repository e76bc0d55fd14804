//! Charts as SVG drawn on the server: no script, no library, nothing loaded from
//! elsewhere, and legible in a screenshot. Colours come from the Okabe-Ito palette, which
//! stays distinguishable with the common colour-vision deficiencies; every chart carries a
//! `<title>` and a `<desc>` that states its values, for screen readers and for text search.
//!
//! Every text put into the SVG goes through [`esc`]: the charts are inserted into pages
//! unescaped (they are markup), so escaping here is what keeps a column name inert.

use std::fmt::Write;

use chrono::{DateTime, Utc};

/// Okabe-Ito blue and vermillion.
pub const BLUE: &str = "#0072B2";
pub const VERMILLION: &str = "#D55E00";

/// Escapes text for SVG/XML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// How the series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Line,
    Bars,
}

/// The smallest "nice" axis maximum (1, 2 or 5 times a power of ten) at or above `v`.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * p).find(|m| *m >= v).unwrap_or(10.0 * p)
}

/// A chart of one count per day: x is the date (UTC), y the count, both axes labelled.
/// Days without a point count 0 (a day without findings is a real zero, not a gap).
pub fn daily(title: &str, y_label: &str, days: &[(DateTime<Utc>, i64)], from: DateTime<Utc>, to: DateTime<Utc>, kind: Kind, colour: &str) -> String {
    let (w, h) = (560.0, 220.0);
    let (left, right, top, bottom) = (52.0, 30.0, 16.0, 44.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let first = from.date_naive();
    let n = ((to.date_naive() - first).num_days() + 1).max(1) as usize;
    let mut values = vec![0i64; n];
    for (d, c) in days {
        let i = (d.date_naive() - first).num_days();
        if (0..n as i64).contains(&i) {
            values[i as usize] += c;
        }
    }
    let max = nice_max(values.iter().copied().max().unwrap_or(0) as f64);
    // Each day is a band of the x axis, its point or bar at the band's centre, so the
    // first and last days are drawn inside the plot.
    let x = |i: usize| left + pw * (i as f64 + 0.5) / n as f64;
    let y = |v: f64| top + ph - ph * v / max;
    let id = format!("c{:x}", rand::random::<u32>());
    let total: i64 = values.iter().sum();
    let listed: Vec<String> = values.iter().enumerate().filter(|(_, v)| **v > 0).map(|(i, v)| format!("{} {v}", first + chrono::Days::new(i as u64))).collect();
    let desc = if listed.is_empty() { format!("No {y_label} between {first} and {}.", to.date_naive()) } else { format!("{y_label} per day, {total} in all: {}.", listed.join(", ")) };
    let mut s = String::new();
    let _ = write!(s, r#"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}t {id}d" xmlns="http://www.w3.org/2000/svg">"#);
    let _ = write!(s, r#"<title id="{id}t">{}</title><desc id="{id}d">{}</desc>"#, esc(title), esc(&desc));
    // Grid lines and y ticks at whole counts: every unit up to 5, else fifths of the
    // (1-2-5 rounded) maximum, which are whole too.
    let ticks_y = if max <= 5.0 { max as usize } else { 5 };
    for k in 0..=ticks_y {
        let v = max * k as f64 / ticks_y as f64;
        let yy = y(v);
        let _ = write!(s, r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e3e6ea" stroke-width="1"/>"##, left + pw);
        let _ = write!(s, r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#4a5360">{}</text>"##, left - 6.0, yy + 4.0, v.round() as i64);
    }
    // Axes.
    let _ = write!(s, r##"<line x1="{left}" y1="{top}" x2="{left}" y2="{:.1}" stroke="#6b7480"/><line x1="{left}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#6b7480"/>"##, top + ph, top + ph, left + pw, top + ph);
    // x ticks: the first, middle and last day.
    let mut ticks = vec![0, n / 2, n - 1];
    ticks.dedup();
    for i in ticks {
        let d = first + chrono::Days::new(i as u64);
        let _ = write!(s, r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#4a5360">{}</text>"##, x(i), top + ph + 16.0, d.format("%b %d"));
    }
    let _ = write!(s, r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#4a5360">date (UTC)</text>"##, left + pw / 2.0, h - 6.0);
    let _ = write!(s, r##"<text x="12" y="{:.1}" font-size="11" text-anchor="middle" fill="#4a5360" transform="rotate(-90 12 {:.1})">{}</text>"##, top + ph / 2.0, top + ph / 2.0, esc(y_label));
    match kind {
        Kind::Bars => {
            let bw = (pw / n as f64 * 0.7).clamp(2.0, 28.0);
            for (i, v) in values.iter().enumerate() {
                if *v > 0 {
                    let _ = write!(s, r#"<rect x="{:.1}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="{colour}"><title>{} {v}</title></rect>"#, x(i) - bw / 2.0, y(*v as f64), top + ph - y(*v as f64), first + chrono::Days::new(i as u64));
                }
            }
        }
        Kind::Line => {
            let pts: Vec<String> = values.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v as f64))).collect();
            let _ = write!(s, r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#, pts.join(" "));
            for (i, v) in values.iter().enumerate() {
                if *v > 0 {
                    let _ = write!(s, r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{} {v}</title></circle>"#, x(i), y(*v as f64), first + chrono::Days::new(i as u64));
                }
            }
        }
    }
    s.push_str("</svg>");
    s
}

/// A small chart of one finding's match rate across scans (oldest first), 0 % to the
/// highest rate seen; its title states every value.
pub fn sparkline(label: &str, points: &[(DateTime<Utc>, f64)]) -> String {
    let (w, h) = (132.0, 30.0);
    let max = points.iter().map(|p| p.1).fold(0.0f64, f64::max).max(1e-9);
    let n = points.len();
    let x = |i: usize| 4.0 + if n <= 1 { (w - 8.0) / 2.0 } else { (w - 8.0) * i as f64 / (n - 1) as f64 };
    let y = |v: f64| h - 4.0 - (h - 8.0) * v / max;
    let listed: Vec<String> = points.iter().map(|(t, r)| format!("{} {}", t.format("%Y-%m-%d %H:%M"), super::view::pct(*r))).collect();
    let title = format!("{label} match rate in the last {n} scans: {}", listed.join(", "));
    let mut s = String::new();
    let _ = write!(s, r#"<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#, esc(&title));
    let _ = write!(s, r##"<line x1="4" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#c9ced4"/>"##, h - 4.0, w - 4.0, h - 4.0);
    let pts: Vec<String> = points.iter().enumerate().map(|(i, (_, r))| format!("{:.1},{:.1}", x(i), y(*r))).collect();
    let _ = write!(s, r#"<polyline points="{}" fill="none" stroke="{BLUE}" stroke-width="1.5"/>"#, pts.join(" "));
    if let Some((i, (_, r))) = points.iter().enumerate().next_back() {
        let _ = write!(s, r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{BLUE}"/>"#, x(i), y(*r));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_in_charts_is_escaped_and_values_are_stated() {
        let t = DateTime::from_timestamp(1_764_000_000, 0).unwrap();
        let svg = daily("<script>x</script>", "columns \"q\"", &[(t, 3)], t, t + chrono::Duration::days(2), Kind::Bars, BLUE);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("3 in all"), "{svg}");
        let spark = sparkline("<b>", &[(t, 0.5), (t, 0.25)]);
        assert!(spark.contains("&lt;b&gt;") && spark.contains("50.0 %"), "{spark}");
    }

    #[test]
    fn axis_maxima_are_round() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(130.0), 200.0);
        assert_eq!(nice_max(5.0), 5.0);
    }

    #[test]
    fn y_ticks_are_whole_counts_on_their_grid_lines() {
        let t = DateTime::from_timestamp(1_764_000_000, 0).unwrap();
        for top in [1, 3, 5, 7, 40, 130] {
            let svg = daily("t", "n", &[(t, top)], t, t, Kind::Line, BLUE);
            let labels: Vec<i64> = svg.split("text-anchor=\"end\" fill=\"#4a5360\">").skip(1).map(|s| s.split('<').next().unwrap().parse().unwrap()).collect();
            let max = nice_max(top as f64) as i64;
            assert_eq!(labels.first(), Some(&0), "{top}: {labels:?}");
            assert_eq!(labels.last(), Some(&max), "{top}: {labels:?}");
            let step = labels[1] - labels[0];
            assert!(labels.windows(2).all(|w| w[1] - w[0] == step), "{top}: evenly spaced {labels:?}");
        }
    }
}
