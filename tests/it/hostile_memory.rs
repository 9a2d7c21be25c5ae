//! Results too large for memory are `ErrorKind::Memory` errors, never an abort: the
//! broadcast of a column and a row, axis reductions and programs with several outputs
//! over broadcast views, through `eval`, `run` and `steps` (the command line's:
//! `cli/tests/cli/memory.rs`). The CPU target's axis reductions need only their
//! output (`axis_reduce.rs`): only the interpreter materializes the elementwise values.

use nexpr::{ErrorKind, Expr, Program, Target, Vars};

const TARGETS: [Target; 2] = [Target::Interp, Target::Cpu { threads: 2 }];

fn col_row() -> (ndarray::Array2<f64>, ndarray::Array2<f64>) {
    (
        ndarray::Array2::zeros((1 << 20, 1)),
        ndarray::Array2::zeros((1, 1 << 20)),
    )
}

fn assert_memory<T: std::fmt::Debug>(r: nexpr::Result<T>, what: &str) {
    let e = r.expect_err(what);
    assert_eq!(e.kind, ErrorKind::Memory, "{what}: {e}");
}

#[test]
fn a_column_plus_a_row_of_a_million_is_a_memory_error() {
    let (col, row) = col_row();
    let vars = Vars::new().with("a", &col).with("b", &row);
    for t in TARGETS {
        let k = Expr::parse("a + b").unwrap().compile(t).unwrap();
        assert_memory(k.eval(&vars), "eval");
        assert_memory(k.steps(&vars).map(|s| s.is_some()), "steps");
        if t == Target::Interp {
            let k = Expr::parse("sum(a + b, axis=1)")
                .unwrap()
                .compile(t)
                .unwrap();
            assert_memory(k.eval(&vars), "axis sum");
        }
    }
}

#[test]
fn reductions_of_broadcast_views_are_memory_errors() {
    let one = ndarray::Array2::<f64>::ones((1, 1));
    let b = one.broadcast((4, 1usize << 40)).unwrap().into_dyn();
    let vars = Vars::new().with("b", b);
    for t in TARGETS {
        for src in ["sum(b, axis=1)", "max(b, axis=0)", "sum(b * 2)"] {
            let k = Expr::parse(src).unwrap().compile(t).unwrap();
            // Fused sums over 2^42 elements (whole, or along an axis to 4 outputs)
            // would run for hours: only the evaluations that must allocate the
            // elementwise result, or an output of 2^40 elements, are run here.
            if src != "max(b, axis=0)" && t != Target::Interp {
                continue;
            }
            assert_memory(k.eval(&vars), src);
        }
        let p = Program::parse("x = b + 1\ny = b * 2\noutput x, y").unwrap();
        assert_memory(p.compile(t).unwrap().run(&vars), "program");
    }
}

#[test]
fn shapes_whose_element_count_overflows_are_memory_errors() {
    let one = ndarray::Array2::<f64>::ones((1, 1));
    let col = one.broadcast((1usize << 40, 1)).unwrap().into_dyn();
    let row = one.broadcast((1, 1usize << 40)).unwrap().into_dyn();
    let vars = Vars::new().with("a", col).with("b", row);
    for t in TARGETS {
        let k = Expr::parse("a * b").unwrap().compile(t).unwrap();
        assert_memory(k.eval(&vars), "2^80 elements");
    }
}
