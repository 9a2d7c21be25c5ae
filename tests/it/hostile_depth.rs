//! Deeply nested and very long input: every stage either handles it or refuses it with
//! an error naming the limit, even on a thread with a 2 MiB stack (never a stack
//! overflow). The limits: 2,000 levels of text nesting (brackets, calls, unary
//! operators, `**`), 10,000 levels of expression tree (chains of operators count), and
//! 100 levels of indentation in a program (Python's limit); `elif` chains are free.

use nexpr::{CpuOptions, DynArray, Error, ErrorKind, Expr, Options, Program, Target, Vars};

const NESTING: usize = 2_000;
const DEPTH: usize = 10_000;
const BLOCKS: usize = 100;

/// Runs `f` on a fresh thread with a 2 MiB stack (the default of spawned threads, and
/// smaller than a main thread's).
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the thread finished without a panic")
}

fn vars() -> Vars<'static> {
    let mut v = Vars::new();
    v.insert_owned("x", ndarray::arr1(&[1.0f64, 2.0]).into_dyn());
    v
}

/// Parses, compiles for the interpreter and the CPU, and evaluates `src` on both.
fn eval_both(src: &str) -> Result<Vec<DynArray>, Error> {
    let e = Expr::parse(src)?;
    let exact = Options {
        cpu: CpuOptions {
            fast_math: false,
            ..Default::default()
        },
        ..Default::default()
    };
    let vars = vars();
    let a = e.compile(Target::Interp)?.eval(&vars)?;
    let b = e
        .compile_with(Target::Cpu { threads: 2 }, &exact)?
        .eval(&vars)?;
    Ok(vec![a, b])
}

fn assert_limit(src: String, limit: usize) {
    let err = on_small_stack(move || eval_both(&src).expect_err("beyond the limit"));
    assert_eq!(err.kind, ErrorKind::Parse, "{err}");
    assert!(err.message.contains(&limit.to_string()), "{err}");
    // The message renders (with its caret) without trouble.
    assert!(!err.to_string().is_empty());
}

fn assert_runs(src: String) {
    let out = on_small_stack(move || eval_both(&src).expect("within the limits"));
    assert_eq!(out[0], out[1]);
}

#[test]
fn nested_parentheses_up_to_the_limit() {
    let n = NESTING;
    assert_runs(format!("{}x{}", "(".repeat(n), ")".repeat(n)));
    assert_limit(format!("{}x{}", "(".repeat(n + 1), ")".repeat(n + 1)), n);
}

#[test]
fn nested_calls_up_to_the_limit() {
    let n = NESTING;
    assert_runs(format!("{}x{}", "abs(".repeat(n), ")".repeat(n)));
    assert_limit(format!("{}x{}", "abs(".repeat(n + 1), ")".repeat(n + 1)), n);
}

#[test]
fn unary_chains_up_to_the_limit() {
    assert_runs(format!("{}x", "-".repeat(NESTING)));
    assert_runs(format!("{}x", "+-".repeat(NESTING / 2)));
    assert_limit(format!("{}x", "-".repeat(NESTING + 1)), NESTING);
}

#[test]
fn power_chains_up_to_the_limit() {
    // x ** x ** ... is right-associative: it nests.
    assert_runs(vec!["x"; NESTING + 1].join("**"));
    assert_limit(vec!["x"; NESTING + 2].join("**"), NESTING);
    // `2**-x` nests twice per level.
    assert_runs(format!("{}x", "2**-".repeat(NESTING / 2)));
}

#[test]
fn mixed_nesting_counts_every_level() {
    let n = NESTING / 2;
    assert_runs(format!("{}x{}", "-(".repeat(n), ")".repeat(n)));
    assert_limit(
        format!("{}x{}", "-(".repeat(n + 1), ")".repeat(n + 1)),
        NESTING,
    );
    // A number's exponent sign is not a unary operator.
    assert_runs(format!("{}x", "1e-3+".repeat(3 * NESTING)));
}

#[test]
fn long_chains_up_to_the_depth_limit() {
    assert_runs(vec!["x"; DEPTH].join("+"));
    assert_runs(vec!["x"; DEPTH].join(" < "));
    assert_limit(vec!["x"; DEPTH + 1].join("+"), DEPTH);
    assert_limit(vec!["x"; 11_000].join("*"), DEPTH);
}

/// `depth` nested blocks, each opened by `head` (`if x > 0:`, `for i in range(1):`).
fn nested_program(head: &str, depth: usize) -> String {
    let mut src = String::from("output y\ny = x\n");
    for d in 0..depth {
        src += &format!("{}{head}\n", " ".repeat(d));
    }
    src += &format!("{}y = y + 1\n", " ".repeat(depth));
    src
}

fn run_program(src: String) -> Result<Vec<DynArray>, Error> {
    on_small_stack(move || {
        let p = Program::parse(&src)?;
        let vars = vars();
        let a = p.compile(Target::Interp)?.run(&vars)?;
        let b = p.compile(Target::Cpu { threads: 2 })?.run(&vars)?;
        Ok(vec![a["y"].clone(), b["y"].clone()])
    })
}

#[test]
fn nested_blocks_up_to_the_limit() {
    for head in ["if x > 0:", "for i in range(1):"] {
        let out = run_program(nested_program(head, BLOCKS)).expect(head);
        assert_eq!(out[0], out[1]);
        let two = DynArray::from(ndarray::arr1(&[2.0f64, 3.0]).into_dyn());
        assert_eq!(out[0], two);
        let err = run_program(nested_program(head, BLOCKS + 1)).expect_err(head);
        assert_eq!(err.kind, ErrorKind::Parse);
        assert!(err.message.contains(&BLOCKS.to_string()), "{err}");
    }
}

#[test]
fn long_elif_chains_are_not_nesting() {
    let chain = |n: usize| {
        let mut src = String::from("output y\ny = x\nif x < 0:\n    y = 0\n");
        for k in 1..n {
            src += &format!("elif x < {k}:\n    y = {k}\n");
        }
        src
    };
    let out = run_program(chain(5_000)).expect("a long chain");
    assert_eq!(out[0], out[1]);
    let want = DynArray::from(ndarray::arr1(&[2.0f64, 3.0]).into_dyn());
    assert_eq!(out[0], want);
}

#[test]
fn many_statements_compile() {
    let mut src = String::from("output y\ny = x\n");
    for k in 0..5_000 {
        src += &format!("t{k} = y * 0.5 + {k}\ny = t{k} - y\n");
    }
    let out = run_program(src).expect("a long program");
    assert_eq!(out[0], out[1]);
}

#[test]
fn huge_text_is_refused_before_parsing() {
    // A balanced sum of about 2**17 terms: shallow, but more than a megabyte of text.
    let mut src = "x".to_string();
    while src.len() <= 1 << 20 {
        src = format!("({src}+{src})");
    }
    let err = on_small_stack(move || Expr::parse(&src).expect_err("too long"));
    assert_eq!(err.kind, ErrorKind::Parse);
    assert!(err.message.contains("1048576"), "{err}");
}
