//! Prints generated expressions with the dtypes of their inputs, for the Python
//! differential tests (`python/tests/test_differential.py`), which build the arrays
//! and compare nexpr with NumPy:
//!
//! ```sh
//! cargo run -q -p nexpr-gen --bin gen -- --seed 0 --count 8
//! ```
//!
//! Output: one JSON array of `{"seed": S, "expr": "...", "vars": {"a": "float64", ...}}`.
//! Case `i` is drawn from seed `S + i`, so one case reproduces with `--seed S+i
//! --count 1`.

use nexpr::DType;
use nexpr_gen::{Config, Entropy, Literals, Rng};
use std::process::ExitCode;

/// The input names of every case.
const NAMES: [&str; 3] = ["a", "b", "c"];

/// Expressions as deep as NumPy's evaluation of them stays quick.
const DEPTH: usize = 3;

fn usage() -> ExitCode {
    eprintln!("usage: gen [--seed S] [--count N]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let (mut seed, mut count) = (0u64, 1u64);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().and_then(|v| v.parse().ok());
        match (flag.as_str(), value) {
            ("--seed", Some(v)) => seed = v,
            ("--count", Some(v)) => count = v,
            _ => return usage(),
        }
    }
    let cases: Vec<String> = (seed..seed.saturating_add(count)).map(case).collect();
    println!("[\n{}\n]", cases.join(",\n"));
    ExitCode::SUCCESS
}

/// One case as a JSON object: inputs of one dtype half the time, of three otherwise.
fn case(seed: u64) -> String {
    let mut r = Rng::new(seed);
    let first = *Entropy::pick(&mut r, &DType::ALL);
    let same = r.chance(1, 2);
    let vars: Vec<(String, DType)> = (NAMES.iter())
        .map(|n| {
            (
                n.to_string(),
                if same {
                    first
                } else {
                    *Entropy::pick(&mut r, &DType::ALL)
                },
            )
        })
        .collect();
    // Operations apply to arrays, not to Python constants alone: NumPy's functions take
    // those through Python's own attributes (`np.real(True)` is `True.real`, the int
    // 1) and operators of constants are Python's, neither the language's typing.
    let cfg = Config {
        max_depth: DEPTH,
        literals: Literals::Tame,
        constant_operations: false,
        ..Config::new(vars.clone())
    };
    // An expression that reads no input is a constant, which says little about the
    // arrays: draw again (a few times; a constant is still a valid case).
    let mut expr = nexpr_gen::expression(&cfg, &mut r);
    for _ in 0..8 {
        if expr.has_name() {
            break;
        }
        expr = nexpr_gen::expression(&cfg, &mut r);
    }
    let dtypes: Vec<String> = (vars.iter())
        .map(|(n, d)| format!("\"{n}\": \"{}\"", d.name()))
        .collect();
    format!(
        "  {{\"seed\": {seed}, \"expr\": \"{expr}\", \"vars\": {{{}}}}}",
        dtypes.join(", ")
    )
}
