//! Staged kernels (`backend/cpu/lower/staged.rs`: transcendentals through nexpr's
//! 256- and 512-bit batch functions, or libmvec's variants under fast math, over block
//! buffers) against the same computation done
//! one operation at a time, each operation a kernel of its own at the same width.
//! Every operation is elementwise and deterministic, so the fused kernel must give
//! exactly the stepwise result (NaNs compare equal): this checks the stages, their
//! order across statements and locals, blocks, remainders, threads, strided and 0-d
//! inputs and in-place evaluation, independently of the functions' error (which
//! `cpu_ulp.rs` measures).

use ndarray::{ArrayD, IxDyn};

use nexpr::{CpuOptions, DynArray, Expr, MathWidth, Options, Program, Target, Vars};
use std::collections::BTreeMap;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The functions staged kernels take from libmvec (the builtins marked so), and some
/// that stay inline among them.
fn unary() -> Vec<&'static str> {
    let libmvec = nexpr::internals::BUILTINS.iter().filter(|f| f.libmvec);
    libmvec
        .map(|f| f.name)
        .chain(["abs", "sqrt", "-"])
        .collect()
}
// `**` of floats is staged too (two-argument batch functions).
const BINARY: [&str; 5] = ["+", "-", "*", "/", "**"];

enum E {
    Name(String),
    Lit(f64),
    Un(&'static str, Box<E>),
    Bin(&'static str, Box<E>, Box<E>),
    /// `where(x > y, p, q)`
    Where(Box<[E; 4]>),
}

fn gen(r: &mut Rng, names: &[String], depth: usize) -> E {
    if depth == 0 || r.below(5) == 0 {
        return if r.below(6) == 0 {
            E::Lit([0.5, 2.0, -1.25, 3.0][r.below(4)])
        } else {
            E::Name(names[r.below(names.len())].clone())
        };
    }
    match r.below(10) {
        0..=4 => {
            // A function of constants only is a strong float64 (NumPy's rules), which
            // would make a float32 program mixed-width and send it to the scalar loop.
            let mut x = gen(r, names, depth - 1);
            if !has_name(&x) {
                x = E::Name(names[r.below(names.len())].clone());
            }
            let unary = unary();
            E::Un(unary[r.below(unary.len())], Box::new(x))
        }
        5..=8 => E::Bin(
            BINARY[r.below(BINARY.len())],
            Box::new(gen(r, names, depth - 1)),
            Box::new(gen(r, names, depth - 1)),
        ),
        _ => E::Where(Box::new([
            gen(r, names, depth - 1),
            gen(r, names, depth - 1),
            gen(r, names, depth - 1),
            gen(r, names, depth - 1),
        ])),
    }
}

fn has_name(e: &E) -> bool {
    match e {
        E::Name(_) => true,
        E::Lit(_) => false,
        E::Un(_, x) => has_name(x),
        E::Bin(_, x, y) => has_name(x) || has_name(y),
        E::Where(w) => w.iter().any(has_name),
    }
}

fn text(e: &E) -> String {
    match e {
        E::Name(n) => n.clone(),
        E::Lit(x) => format!("{x:?}"),
        E::Un("-", x) => format!("(-{})", text(x)),
        E::Un(f, x) => format!("{f}({})", text(x)),
        E::Bin(op, x, y) => format!("({} {op} {})", text(x), text(y)),
        E::Where(w) => format!(
            "where({} > {}, {}, {})",
            text(&w[0]),
            text(&w[1]),
            text(&w[2]),
            text(&w[3])
        ),
    }
}

/// An operand of a step: an array, or a literal (constant subexpressions stay text,
/// so that both sides fold them the same way).
enum Operand {
    Arr(DynArray),
    Lit(String),
}

struct Stepper<'v> {
    opts: Options,
    target: Target,
    env: BTreeMap<String, nexpr::DynView<'v>>,
    owned: Vec<BTreeMap<String, DynArray>>,
}

impl Stepper<'_> {
    /// Evaluates `template` (with `{0}`, `{1}`, … for the operands) as one kernel.
    fn step(&mut self, template: &str, ops: Vec<Operand>) -> Operand {
        let mut src = template.to_string();
        let mut bound = BTreeMap::new();
        for (k, op) in ops.into_iter().enumerate() {
            let t = match op {
                Operand::Lit(s) => s,
                Operand::Arr(a) => {
                    let name = format!("t{k}");
                    bound.insert(name.clone(), a);
                    name
                }
            };
            src = src.replace(&format!("{{{k}}}"), &t);
        }
        if bound.is_empty() {
            return Operand::Lit(format!("({src})"));
        }
        let mut vars = Vars::new();
        for (n, a) in &bound {
            vars.insert(n, a);
        }
        let k = Expr::parse(&src)
            .unwrap()
            .compile_with(self.target, &self.opts)
            .unwrap();
        Operand::Arr(k.eval(&vars).unwrap_or_else(|e| panic!("{src}: {e}")))
    }

    fn eval(&mut self, e: &E) -> Operand {
        match e {
            E::Name(n) => {
                for scope in self.owned.iter().rev() {
                    if let Some(a) = scope.get(n) {
                        return Operand::Arr(a.clone());
                    }
                }
                Operand::Arr(self.env[n].to_owned())
            }
            E::Lit(x) => Operand::Lit(format!("{x:?}")),
            E::Un("-", x) => {
                let x = self.eval(x);
                self.step("(-{0})", vec![x])
            }
            E::Un(f, x) => {
                let x = self.eval(x);
                self.step(&format!("{f}({{0}})"), vec![x])
            }
            E::Bin(op, x, y) => {
                let (x, y) = (self.eval(x), self.eval(y));
                self.step(&format!("({{0}} {op} {{1}})"), vec![x, y])
            }
            E::Where(w) => {
                let ops = w.iter().map(|x| self.eval(x)).collect();
                self.step("where({0} > {1}, {2}, {3})", ops)
            }
        }
    }
}

fn same(x: &DynArray, y: &DynArray) -> bool {
    match (x.as_array::<f64>(), y.as_array::<f64>()) {
        (Some(x), Some(y)) => {
            x.shape() == y.shape()
                && x.iter()
                    .zip(y)
                    .all(|(a, b)| a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan())
        }
        _ => {
            let (x, y) = (x.as_array::<f32>().unwrap(), y.as_array::<f32>().unwrap());
            x.shape() == y.shape()
                && x.iter()
                    .zip(y)
                    .all(|(a, b)| a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan())
        }
    }
}

fn options(w: MathWidth, fast_math: bool) -> Options {
    Options {
        cpu: CpuOptions {
            math_width: w,
            fast_math,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Each width this CPU runs, with the default math and with fast math.
fn widths() -> Vec<(MathWidth, bool)> {
    let mut v = vec![(MathWidth::Bits128, false), (MathWidth::Bits128, true)];
    for w in [MathWidth::Bits256, MathWidth::Bits512] {
        if nexpr::internals::resolve_math_width(w) == w {
            v.push((w, false));
            v.push((w, true));
        } else {
            // Past libtest's capture, as the other tests that cannot run say it.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr().lock(),
                "skipped: cpu_staged at {w:?}: this CPU (or its libmvec) lacks it"
            );
        }
    }
    v
}

/// Inputs of length `n`: values around the functions' interesting ranges, with a few
/// specials.
fn data(r: &mut Rng, n: usize) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(&[n]), |_| match r.below(40) {
        0 => f64::NAN,
        1 => 0.0,
        2 => -0.0,
        3 => f64::INFINITY,
        _ => (r.unit() - 0.3) * 6.0,
    })
}

const LENGTHS: [usize; 10] = [1, 2, 3, 7, 255, 256, 257, 1029, 8197, 40_003];

#[test]
fn staged_expressions_match_stepwise() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    for (w, fast_math) in widths() {
        for case in 0..60 {
            let n = LENGTHS[case % LENGTHS.len()];
            let threads = 1 + case % 2;
            let f32 = case % 3 == 2;
            let a = data(&mut r, n);
            let b_full = data(&mut r, 2 * n);
            // `b` is strided every other case (the driver gathers it).
            let b_strided = b_full.slice(ndarray::s![..;2]).into_dyn();
            let b_contig = b_strided.to_owned();
            let s = ndarray::arr0(0.75f64).into_dyn();
            let (a32, b32) = (a.mapv(|x| x as f32), b_contig.mapv(|x| x as f32));
            let s32 = s.mapv(|x| x as f32);
            let mut env = BTreeMap::new();
            if f32 {
                env.insert("a".to_string(), nexpr::DynView::from(&a32));
                env.insert("b".to_string(), nexpr::DynView::from(&b32));
                env.insert("s".to_string(), nexpr::DynView::from(&s32));
            } else {
                env.insert("a".to_string(), nexpr::DynView::from(&a));
                let b = if case % 2 == 0 {
                    nexpr::DynView::from(b_strided.view())
                } else {
                    nexpr::DynView::from(&b_contig)
                };
                env.insert("b".to_string(), b);
                env.insert("s".to_string(), nexpr::DynView::from(&s));
            }
            let names: Vec<String> = ["a", "b", "s"].iter().map(|s| s.to_string()).collect();
            let e = gen(&mut r, &names, 4);
            // At least one name: an expression of constants only is folded whole.
            let e = E::Bin(
                "+",
                Box::new(e),
                Box::new(E::Un("sin", Box::new(E::Name("a".into())))),
            );
            let src = text(&e);
            let target = Target::Cpu { threads };
            let mut vars = Vars::new();
            for (k, v) in &env {
                vars.insert(k, v.clone());
            }
            let fused = Expr::parse(&src)
                .unwrap()
                .compile_with(target, &options(w, fast_math))
                .unwrap()
                .eval(&vars)
                .unwrap();
            let mut st = Stepper {
                opts: options(w, fast_math),
                target,
                env: env.clone(),
                owned: vec![],
            };
            let Operand::Arr(want) = st.eval(&e) else {
                panic!("{src}: folded to a constant")
            };
            assert!(
                same(&fused, &want),
                "{w:?}, n = {n}, {threads} thread(s), f32 {f32}: {src}"
            );
        }
    }
}

#[test]
fn staged_programs_match_stepwise() {
    let mut r = Rng(0x1234_5678_9abc_def1);
    for (w, fast_math) in widths() {
        for case in 0..40 {
            let n = LENGTHS[(case * 7) % LENGTHS.len()];
            let threads = 1 + case % 2;
            let a = data(&mut r, n);
            let b = data(&mut r, n);
            let mut env = BTreeMap::new();
            env.insert("a".to_string(), nexpr::DynView::from(&a));
            env.insert("b".to_string(), nexpr::DynView::from(&b));
            // Statements over the inputs and the locals assigned so far; locals are
            // reassigned, so stages must read the right assignment of each.
            let mut names: Vec<String> = vec!["a".into(), "b".into()];
            let mut stmts = vec![];
            let mut assigned: Vec<String> = vec![];
            for _ in 0..2 + r.below(3) {
                let target_name = ["x", "y", "z"][r.below(3)].to_string();
                let e = gen(&mut r, &names, 3);
                let e = E::Bin(
                    "*",
                    Box::new(e),
                    Box::new(E::Un(
                        "exp",
                        Box::new(E::Name(names[r.below(names.len())].clone())),
                    )),
                );
                stmts.push((target_name.clone(), e));
                if !names.contains(&target_name) {
                    names.push(target_name.clone());
                    assigned.push(target_name);
                }
            }
            let mut src = format!("output {}\n", assigned.join(", "));
            for (t, e) in &stmts {
                src += &format!("{t} = {}\n", text(e));
            }
            let target = Target::Cpu { threads };
            let vars = Vars::new().with("a", &a).with("b", &b);
            let got = Program::parse(&src)
                .unwrap()
                .compile_with(target, &options(w, fast_math))
                .unwrap()
                .run(&vars)
                .unwrap();
            let mut st = Stepper {
                opts: options(w, fast_math),
                target,
                env: env.clone(),
                owned: vec![BTreeMap::new()],
            };
            for (t, e) in &stmts {
                let v = match st.eval(e) {
                    Operand::Arr(v) => v,
                    Operand::Lit(_) => panic!("{src}: a constant statement"),
                };
                st.owned[0].insert(t.clone(), v);
            }
            for name in &assigned {
                assert!(
                    same(&got[name], &st.owned[0][name]),
                    "{w:?}, n = {n}, {threads} thread(s), output {name}:\n{src}"
                );
            }
        }
    }
}

#[test]
fn staged_in_place_matches_fresh_output() {
    let mut r = Rng(42);
    for (w, fast_math) in widths() {
        for &n in &LENGTHS {
            let a = data(&mut r, n);
            let b = data(&mut r, n);
            let src = "exp(-a*a) * log1p(abs(b)) + sin(cos(a) * b) - tanh(a)";
            let k = Expr::parse(src)
                .unwrap()
                .compile_with(Target::Cpu { threads: 2 }, &options(w, fast_math))
                .unwrap();
            let want = k.eval(&Vars::new().with("a", &a).with("b", &b)).unwrap();
            let mut out = a.clone();
            k.eval_in_place(&Vars::new().with("b", &b), "a", &mut out)
                .unwrap();
            assert!(same(&DynArray::from(out), &want), "{w:?}, n = {n}");
        }
    }
}
