//! The table of the run and the two targets of the work item, judged on medians:
//! nexpr's fused Mandelbrot at 1 thread within 1.0x the 128-bit interleaved C
//! (LANES=2 CHAINS=4) and within 1.15x the plain AVX-512 C (LANES=8 CHAINS=1).

use crate::rows::RowId;

/// A row's CPU times, one per round, in seconds.
pub struct Timed {
    pub id: RowId,
    pub seconds: Vec<f64>,
}

impl Timed {
    fn sorted(&self) -> Vec<f64> {
        let mut s = self.seconds.clone();
        s.sort_by(f64::total_cmp);
        s
    }

    /// The median in ms (the lower middle of an even count).
    pub fn median_ms(&self) -> f64 {
        let s = self.sorted();
        s[(s.len() - 1) / 2] * 1e3
    }

    pub fn min_ms(&self) -> f64 {
        self.sorted()[0] * 1e3
    }
}

/// A target: nexpr's Mandelbrot median over this row's is at most `limit`.
struct Target {
    row: RowId,
    limit: f64,
    what: &'static str,
}

const TARGETS: [Target; 2] = [
    Target {
        row: RowId::CVector {
            lanes: 2,
            chains: 4,
        },
        limit: 1.0,
        what: "the 128-bit interleaved C (LANES=2 CHAINS=4)",
    },
    Target {
        row: RowId::CVector {
            lanes: 8,
            chains: 1,
        },
        limit: 1.15,
        what: "the plain AVX-512 C (LANES=8 CHAINS=1)",
    },
];

/// Prints one line per row: median, minimum, and nexpr's Mandelbrot time over the
/// row's (median over median, minimum over minimum) where the row is a Mandelbrot.
pub fn print_table(rows: &[Timed]) {
    let nexpr = rows.iter().find(|r| r.id == RowId::NexprMandelbrot);
    println!(
        "{:44} {:>10} {:>10} {:>11} {:>8}",
        "row", "median ms", "min ms", "nexpr/row", "(min)"
    );
    for r in rows {
        let (median, min) = (r.median_ms(), r.min_ms());
        let ratios = match nexpr {
            Some(x) if r.id.is_mandelbrot() => format!(
                "{:>10.2}x {:>7.2}x",
                x.median_ms() / median,
                x.min_ms() / min
            ),
            _ => format!("{:>11} {:>8}", "-", "-"),
        };
        println!("{:44} {median:>10.1} {min:>10.1} {ratios}", r.id.label());
    }
}

/// One line per target: met, not met, or why it cannot be measured here (`left_out`:
/// the rows that did not run, with the reason).
pub fn print_targets(rows: &[Timed], left_out: &[(RowId, String)]) {
    let Some(nexpr) = rows.iter().find(|r| r.id == RowId::NexprMandelbrot) else {
        return;
    };
    for t in &TARGETS {
        let verdict = match rows.iter().find(|r| r.id == t.row) {
            Some(c) => {
                let ratio = nexpr.median_ms() / c.median_ms();
                let met = if ratio <= t.limit { "met" } else { "not met" };
                format!("{met} ({ratio:.2}x)")
            }
            None => {
                let why = left_out
                    .iter()
                    .find(|(id, _)| *id == t.row)
                    .map_or("the row did not run", |(_, why)| why.as_str());
                format!("not measurable on this CPU ({why})")
            }
        };
        println!(
            "target: nexpr <= {:.2}x {}, medians: {verdict}",
            t.limit, t.what
        );
    }
}
