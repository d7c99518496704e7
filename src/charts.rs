//! Charts as server-rendered SVG: no script, no CDN, readable on a phone and in print.

/// One line of a chart: a label and a value (0–100) per x position (`None` = no data).
pub struct Series {
    pub label: String,
    pub values: Vec<Option<f64>>,
}

const COLORS: [&str; 6] = [
    "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#c62828", "#00838f",
];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A percentage line chart with a legend under it. `x_labels` name the positions.
pub fn percent_lines(title: &str, x_labels: &[String], series: &[Series]) -> String {
    let (w, h) = (640.0_f64, 260.0_f64);
    let (left, right, top, bottom) = (36.0, 12.0, 12.0, 28.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    let n = x_labels.len().max(1);
    let x = |i: usize| {
        left + if n == 1 {
            pw / 2.0
        } else {
            pw * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| top + ph * (1.0 - v.clamp(0.0, 100.0) / 100.0);
    let legend_h = 20.0 * series.len() as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {}\" role=\"img\" \
         aria-label=\"{}\" class=\"chart\">",
        h + legend_h,
        escape(title)
    );
    s.push_str(&format!("<title>{}</title>", escape(title)));
    for pct in [0, 25, 50, 75, 100] {
        let yy = y(pct as f64);
        s.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">{pct}%</text>",
            w - right,
            left - 4.0,
            yy + 4.0
        ));
    }
    for (i, label) in x_labels.iter().enumerate() {
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            x(i),
            h - 10.0,
            escape(label)
        ));
    }
    for (k, line) in series.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let mut d = String::new();
        let mut pen_up = true;
        for (i, v) in line.values.iter().enumerate() {
            match v {
                Some(v) => {
                    d.push_str(&format!(
                        "{}{:.1},{:.1} ",
                        if pen_up { "M" } else { "L" },
                        x(i),
                        y(*v)
                    ));
                    pen_up = false;
                }
                None => pen_up = true,
            }
        }
        if !d.is_empty() {
            s.push_str(&format!(
                "<path d=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2.5\"/>",
                d.trim_end()
            ));
        }
        if let Some((i, Some(v))) = line
            .values
            .iter()
            .enumerate()
            .rev()
            .find(|(_, v)| v.is_some())
        {
            s.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{color}\"/>",
                x(i),
                y(*v)
            ));
        }
        let ly = h + 20.0 * k as f64 + 6.0;
        s.push_str(&format!(
            "<rect x=\"{left}\" y=\"{ly:.1}\" width=\"14\" height=\"4\" fill=\"{color}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#222\">{}</text>",
            left + 20.0,
            ly + 6.0,
            escape(&line.label)
        ));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_draws_each_series_and_escapes_text() {
        let svg = percent_lines(
            "Xu hướng <thử>",
            &["1/26".to_string(), "2/26".to_string(), "3/26".to_string()],
            &[
                Series {
                    label: "A & B".into(),
                    values: vec![Some(0.0), Some(50.0), Some(100.0)],
                },
                Series {
                    label: "C".into(),
                    values: vec![None, None, None],
                },
            ],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Xu hướng &lt;thử&gt;"));
        assert!(svg.contains("A &amp; B"));
        assert_eq!(svg.matches("<path").count(), 1, "no line without data");
        // 0% at the bottom (y = 232), 100% at the top (y = 12).
        assert!(
            svg.contains("M36.0,232.0 L332.0,122.0 L628.0,12.0"),
            "{svg}"
        );
    }
}
