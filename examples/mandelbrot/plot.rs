//! The example's two pictures: the set (`draw_set`) and runtime against grid size
//! (`draw_timings`), with plotters; labels need a TrueType font (`load_font`).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// One line of the timing plot: (elements, milliseconds) per size.
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    /// Drawn dashed: a peer, not one of nexpr's methods.
    pub dashed: bool,
}

/// Registers a TrueType font with plotters: `--font`, else the first of the usual
/// system fonts. `Err` says why there is none.
pub fn load_font(choice: Option<&Path>) -> Result<(), String> {
    const CANDIDATES: &[&str] = &[
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/noto/NotoSans-Regular.ttf",
        "/Library/Fonts/Arial.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "C:\\Windows\\Fonts\\arial.ttf",
    ];
    let register = |p: &Path| -> Result<(), String> {
        let bytes =
            std::fs::read(p).map_err(|e| format!("cannot read font {}: {e}", p.display()))?;
        // plotters keeps fonts for the life of the process and wants them 'static.
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
            .map_err(|_| format!("{} is not a TrueType/OpenType font", p.display()))
    };
    match choice {
        Some(p) => register(p),
        None => CANDIDATES
            .iter()
            .find_map(|p| register(Path::new(p)).ok())
            .ok_or_else(|| {
                "no TrueType font found (looked for DejaVu Sans, Liberation Sans, Noto Sans, \
                 Arial; pass one with --font)"
                    .to_string()
            }),
    }
}

/// Colour stops of the palette, from the fast-escaping background to the boundary.
const PALETTE: &[(f64, (u8, u8, u8))] = &[
    (0.0, (0, 7, 100)),
    (0.16, (32, 107, 203)),
    (0.42, (237, 255, 255)),
    (0.6425, (255, 170, 0)),
    (0.8575, (120, 30, 0)),
    (1.0, (40, 0, 10)),
];

fn palette(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    for w in PALETTE.windows(2) {
        let ((t0, a), (t1, b)) = (w[0], w[1]);
        if t <= t1 {
            let f = (t - t0) / (t1 - t0);
            let mix =
                |x: u8, y: u8| (f64::from(x) + f * (f64::from(y) - f64::from(x))).round() as u8;
            return RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2));
        }
    }
    let (_, c) = PALETTE[PALETTE.len() - 1];
    RGBColor(c.0, c.1, c.2)
}

/// The set, with +imag at the top and the 3:2 aspect of the plane; points that never
/// escape are black. Escape counts are log-scaled so the slow-escaping boundary gets
/// most of the palette.
pub fn draw_set(
    path: &Path,
    escape: &ndarray::ArrayD<i32>,
    maxi: i32,
) -> Result<(), Box<dyn std::error::Error>> {
    let n = escape.shape()[0];
    let h = n.clamp(200, 2000);
    let w = h * 3 / 2;
    let root = BitMapBackend::new(path, (w as u32, h as u32)).into_drawing_area();
    let scale = (f64::from(maxi)).ln().max(1e-9);
    for py in 0..h {
        let j = (h - 1 - py) * n / h;
        for px in 0..w {
            let i = px * n / w;
            let e = escape[[j, i]];
            let color = if e >= maxi {
                BLACK
            } else {
                palette(f64::from(e.max(1)).ln() / scale)
            };
            root.draw_pixel((px as i32, py as i32), &color)?;
        }
    }
    root.present()?;
    Ok(())
}

const LINE_COLORS: &[RGBColor] = &[
    RGBColor(90, 90, 90),
    RGBColor(214, 39, 40),
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

fn fmt_count(v: f64) -> String {
    if v >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if v >= 1e3 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

fn fmt_ms(v: f64) -> String {
    if v >= 1.0 {
        trim(v)
    } else {
        format!("{v}")
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

/// Runtime against the number of elements, log-log, each line labelled at its end.
pub fn draw_timings(
    path: &Path,
    lines: &[Line],
    maxi: i32,
    text: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let (w, h) = (1100u32, 680u32);
    let root = BitMapBackend::new(path, (w, h)).into_drawing_area();
    root.fill(&WHITE)?;
    let pts = lines.iter().flat_map(|l| l.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        // Nothing ran: keep the axes sensible rather than fail.
        (x0, x1, y0, y1) = (1e4, 1e6, 1.0, 1e3);
    }
    // Half a decade of room around the data, so no point sits on a frame edge.
    let (x0, x1) = (x0 / 1.6, x1 * 1.6);
    let (y0, y1) = (y0.max(1e-3) / 2.0, y1 * 2.0);

    let mut builder = ChartBuilder::on(&root);
    builder.margin_top(16).margin_left(16).margin_bottom(12);
    // Labels sit to the right of the plot area, at each line's end.
    builder.margin_right(if text { 340 } else { 40 });
    if text {
        let peers = if lines.iter().any(|l| l.dashed) {
            ", dashed: peers"
        } else {
            ""
        };
        builder
            .caption(
                format!("Mandelbrot, maxi = {maxi}: time vs. grid size{peers}"),
                ("sans-serif", 24),
            )
            .x_label_area_size(50)
            .y_label_area_size(70);
    }
    let mut chart = builder.build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?;
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(200, 200, 200));
    if text {
        mesh.x_desc("elements (n × n)")
            .y_desc("time (ms)")
            .x_label_formatter(&|v| fmt_count(*v))
            .y_label_formatter(&|v| fmt_ms(*v))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18));
    } else {
        mesh.x_labels(0).y_labels(0);
    }
    mesh.draw()?;

    let mut ends = Vec::new();
    for (k, line) in lines.iter().enumerate() {
        let color = LINE_COLORS[k % LINE_COLORS.len()];
        let style = ShapeStyle::from(&color).stroke_width(3);
        if line.dashed {
            chart.draw_series(DashedLineSeries::new(
                line.points.iter().copied(),
                10,
                6,
                style,
            ))?;
        } else {
            chart.draw_series(LineSeries::new(line.points.iter().copied(), style))?;
        }
        chart.draw_series(
            line.points
                .iter()
                .map(|&p| Circle::new(p, 4, ShapeStyle::from(&color).filled())),
        )?;
        if let Some(&last) = line.points.last() {
            ends.push((chart.backend_coord(&last), color, line.label.as_str()));
        }
    }
    if text {
        // Every label sits right of the plot area, at the height of its line's end,
        // spread apart where ends are close (lines end at different sizes, so labels
        // next to the ends would run into other lines' labels), keeping their order
        // top to bottom; a thin line leads from each end to its label.
        let right = chart.plotting_area().get_pixel_range().0.end;
        ends.sort_by_key(|e| e.0 .1);
        let gap = 20;
        let mut y_prev = i32::MIN / 2;
        let mut placed = Vec::with_capacity(ends.len());
        for (end, color, label) in ends {
            let y = end.1.max(y_prev + gap);
            y_prev = y;
            placed.push((end, y, color, label));
        }
        let style =
            TextStyle::from(("sans-serif", 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for (end, y, color, label) in placed {
            root.draw(&PathElement::new(
                vec![end, (right + 4, y), (right + 10, y)],
                ShapeStyle::from(&color.mix(0.5)).stroke_width(1),
            ))?;
            root.draw(&Text::new(
                label.to_string(),
                (right + 14, y),
                style.color(&color),
            ))?;
        }
    }
    root.present()?;
    Ok(())
}
