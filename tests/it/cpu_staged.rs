//! Staged kernels (`backend/cpu/lower/staged.rs`: transcendentals through nexpr's
//! 256- and 512-bit batch functions, or libmvec's variants under fast math, over block
//! buffers) against the same computation done
//! one operation at a time, each operation a kernel of its own at the same width.
//! Every operation is elementwise and deterministic, so the fused kernel must give
//! exactly the stepwise result (NaNs compare equal): this checks the stages, their
//! order across statements and locals, blocks, remainders, threads, strided and 0-d
//! inputs and in-place evaluation, independently of the functions' error (which
//! `cpu_ulp.rs` measures).

use crate::common::Rng;
use ndarray::{ArrayD, IxDyn};
use nexpr::{CpuOptions, DType, DynArray, Expr, MathWidth, Options, Program, Target, Vars};
use nexpr_gen::{Config, Kind, Literals, Node};
use std::collections::BTreeMap;

/// The generator over `a`, `b`, `s` of `dtype`: float values only, the functions
/// staged kernels take from libmvec (the builtins marked so) and some that stay inline
/// among them, arithmetic, and `where` of comparisons. No function of constants only:
/// NumPy's rules make it a strong float64, which would make a float32 program
/// mixed-width and send it to the scalar loop.
fn staged_config(names: &[&str], dtype: DType) -> Config {
    let inline = ["abs", "sqrt"];
    let cfg = Config::new(names.iter().map(|n| (*n, dtype)))
        .functions_where(|f| f.libmvec || inline.contains(&f.name))
        .operators(&["+", "-", "*", "/", "**", ">"]);
    Config {
        kinds: vec![Kind::Float],
        casts: false,
        literals: Literals::Tame,
        constant_operations: false,
        ..cfg
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

    fn eval(&mut self, e: &Node) -> Operand {
        match e {
            Node::Name(n) => {
                for scope in self.owned.iter().rev() {
                    if let Some(a) = scope.get(n) {
                        return Operand::Arr(a.clone());
                    }
                }
                Operand::Arr(self.env[n].to_owned())
            }
            Node::Literal(x) => Operand::Lit(x.to_string()),
            Node::Prefix(op, x) => {
                let x = self.eval(x);
                self.step(&format!("({op}{{0}})"), vec![x])
            }
            Node::Infix(op, x, y) => {
                let (x, y) = (self.eval(x), self.eval(y));
                self.step(&format!("({{0}} {op} {{1}})"), vec![x, y])
            }
            Node::Call(f, args) => {
                let holes: Vec<String> = (0..args.len()).map(|k| format!("{{{k}}}")).collect();
                let ops = args.iter().map(|x| self.eval(x)).collect();
                self.step(&format!("{f}({})", holes.join(", ")), ops)
            }
        }
    }
}

/// Whether `e` has a `where` whose condition is a constant. The language picks the arm
/// (`where(True, 0.5, s)` is `0.5`), and a function of it is then folded by the
/// interpreter's accurate function, where the stepwise evaluation applies the kernel's
/// (libmvec's under fast math) to an array: both right, not the same bits.
fn has_constant_where(e: &Node) -> bool {
    match e {
        Node::Call("where", args) if !args[0].has_name() => true,
        Node::Call(_, args) => args.iter().any(has_constant_where),
        Node::Prefix(_, x) => has_constant_where(x),
        Node::Infix(_, x, y) => has_constant_where(x) || has_constant_where(y),
        Node::Name(_) | Node::Literal(_) => false,
    }
}

/// An expression of `cfg` with no `where` of a constant condition.
fn staged_expression(cfg: &Config, r: &mut Rng) -> Node {
    loop {
        let e = nexpr_gen::expression(cfg, &mut *r);
        if !has_constant_where(&e) {
            return e;
        }
    }
}

/// `x` + `f(name)`: at least one name, since an expression of constants only is
/// folded whole.
fn with_name(x: Node, f: &'static str, name: &str) -> Node {
    let call = Node::Call(f, vec![Node::Name(name.to_string())]);
    Node::Infix("+", Box::new(x), Box::new(call))
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
    let mut r = Rng::new(0x9e37_79b9_7f4a_7c15);
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
            let dtype = if f32 { DType::F32 } else { DType::F64 };
            let cfg = staged_config(&["a", "b", "s"], dtype);
            let e = with_name(staged_expression(&cfg, &mut r), "sin", "a");
            let src = e.to_string();
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
                "{w:?}, fast math {fast_math}, n = {n}, {threads} thread(s), f32 {f32}: {src}"
            );
        }
    }
}

#[test]
fn staged_programs_match_stepwise() {
    let mut r = Rng::new(0x1234_5678_9abc_def1);
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
            let mut names = vec!["a", "b"];
            let mut stmts = vec![];
            let mut assigned: Vec<&str> = vec![];
            for _ in 0..2 + r.below(3) {
                let target_name = *r.pick(&["x", "y", "z"]);
                let cfg = Config {
                    max_depth: 3,
                    ..staged_config(&names, DType::F64)
                };
                let name = *r.pick(&names);
                let e = with_name(staged_expression(&cfg, &mut r), "exp", name);
                stmts.push((target_name.to_string(), e));
                if !names.contains(&target_name) {
                    names.push(target_name);
                    assigned.push(target_name);
                }
            }
            let mut src = format!("output {}\n", assigned.join(", "));
            for (t, e) in &stmts {
                src += &format!("{t} = {e}\n");
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
                    same(&got[*name], &st.owned[0][*name]),
                    "{w:?}, fast math {fast_math}, n = {n}, {threads} thread(s), output {name}:\n{src}"
                );
            }
        }
    }
}

#[test]
fn staged_in_place_matches_fresh_output() {
    let mut r = Rng::new(42);
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
