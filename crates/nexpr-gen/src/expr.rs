//! Expressions for a wanted kind: every production is one whose operands' kinds the
//! table or the operator rules accept, and whose result has the wanted kind.

use crate::kind::builtin_result;
use crate::operators::mixes_kinds;
use crate::{literals, Config, Entropy, Kind, Literals, Node};
use nexpr::DType;

/// The generator's state while it builds one expression or program: the names that
/// may be read now (inputs, then locals and loop variables as a program defines them).
pub struct Gen<'c, E> {
    pub cfg: &'c Config,
    pub src: E,
    pub names: Vec<(String, Kind)>,
}

/// What a node of a wanted kind can be made of, drawn in two steps (the category,
/// then one of its members) so that the many functions do not crowd out the rest.
#[derive(Clone, Copy)]
enum Production {
    Where,
    Cast(DType),
    Copy(&'static str),
    Prefix(&'static str),
    Infix(&'static str, Kind),
    Call(&'static str, usize, Kind),
}

/// How many times a node is drawn before an operation of constants gives way to a
/// leaf (where `Config::constant_operations` is off).
const DRAWS: usize = 4;

/// The reductions of the language.
pub const REDUCTIONS: [&str; 4] = ["sum", "prod", "min", "max"];

impl<'c, E: Entropy> Gen<'c, E> {
    pub fn new(cfg: &'c Config, src: E) -> Self {
        let names = cfg.vars.iter().map(|(n, d)| (n.clone(), Kind::of(*d)));
        Gen {
            cfg,
            src,
            names: names.collect(),
        }
    }

    /// A kind of `cfg.kinds`.
    pub fn kind(&mut self) -> Kind {
        *self.src.pick(&self.cfg.kinds)
    }

    /// An expression of kind `want`, at most `cfg.max_depth` deep.
    pub fn expr(&mut self, want: Kind) -> Node {
        self.expr_at(want, 0)
    }

    fn expr_at(&mut self, want: Kind, depth: usize) -> Node {
        if depth >= self.cfg.max_depth || self.src.chance(1, 3) {
            return self.leaf(want);
        }
        let categories = self.productions(want);
        let categories: Vec<&Vec<Production>> =
            categories.iter().filter(|c| !c.is_empty()).collect();
        if categories.is_empty() {
            return self.leaf(want);
        }
        // Where operations of constants only are not wanted, draw again a few times
        // (most productions can read a variable), then fall back on a leaf.
        for _ in 0..DRAWS {
            let category = self.src.pick(&categories);
            let production = *self.src.pick(category);
            let node = self.build(production, want, depth + 1);
            if self.cfg.constant_operations || node.value_has_name() {
                return node;
            }
        }
        self.name(want).unwrap_or_else(|| self.leaf(want))
    }

    /// The productions of kind `want`, by category: where, casts, operators and
    /// functions (these two twice: they are the commonest in real expressions, and
    /// each function is only one of many).
    fn productions(&self, want: Kind) -> [Vec<Production>; 6] {
        let cfg = self.cfg;
        let mut wheres = Vec::new();
        if cfg.wheres {
            wheres.push(Production::Where);
        }
        let mut casts = Vec::new();
        if cfg.casts {
            let dtypes = DType::ALL.iter().filter(|d| Kind::of(**d) == want);
            casts.extend(dtypes.map(|d| Production::Cast(*d)));
            casts.extend(["copy", "ones_like"].map(Production::Copy));
        }
        let mut prefix = Vec::new();
        for op in cfg.unary.iter().filter(|o| (o.result)(want) == Some(want)) {
            prefix.push(Production::Prefix(op.symbol));
        }
        let mut infix = Vec::new();
        for op in &cfg.binary {
            for k in self
                .operand_kinds()
                .filter(|k| (op.result)(*k) == Some(want))
            {
                infix.push(Production::Infix(op.symbol, k));
            }
        }
        infix.extend(prefix);
        let mut calls = Vec::new();
        for f in &cfg.functions {
            for k in self.operand_kinds() {
                if builtin_result(f, k) == Some(want) {
                    calls.push(Production::Call(f.name, f.arity(), k));
                }
            }
        }
        [wheres, casts, infix.clone(), infix, calls.clone(), calls]
    }

    fn build(&mut self, p: Production, want: Kind, depth: usize) -> Node {
        match p {
            Production::Where => {
                let c = self.expr_at(Kind::Bool, depth);
                let x = self.expr_at(want, depth);
                let y = self.expr_at(want, depth);
                Node::Call("where", vec![c, x, y])
            }
            Production::Cast(d) => {
                let k = self.kind();
                let mut x = self.expr_at(k, depth);
                // A complex constant is a Python complex, which `int()` and `float()`
                // refuse; a complex array casts (dropping the imaginary part).
                if k == Kind::Complex && !d.is_complex() && !x.has_name() {
                    x = self.expr_at(Kind::Float, depth);
                }
                Node::Call(d.name(), vec![x])
            }
            Production::Copy(f) => Node::Call(f, vec![self.expr_at(want, depth)]),
            Production::Prefix(op) => Node::Prefix(op, Box::new(self.expr_at(want, depth))),
            Production::Infix(op, k) => {
                let x = self.operand(op, k, depth);
                let y = self.operand(op, k, depth);
                Node::Infix(op, Box::new(x), Box::new(y))
            }
            Production::Call(f, arity, k) => {
                let args = (0..arity).map(|_| self.expr_at(k, depth)).collect();
                Node::Call(f, args)
            }
        }
    }

    /// The kinds operands may have: `cfg.kinds` (conditions are bool regardless).
    fn operand_kinds(&self) -> impl Iterator<Item = Kind> + use<'c, E> {
        self.cfg.kinds.clone().into_iter()
    }

    /// An operand of `op` on kind `k`: sometimes of a lower kind, where NumPy promotes
    /// (`int + float`).
    fn operand(&mut self, op: &str, k: Kind, depth: usize) -> Node {
        let lower =
            (self.operand_kinds()).filter(|l| matches!(l, Kind::Int | Kind::Float) && *l < k);
        let lower: Vec<Kind> = lower.collect();
        if mixes_kinds(op) && !lower.is_empty() && self.src.chance(1, 4) {
            let l = *self.src.pick(&lower);
            return self.expr_at(l, depth);
        }
        self.expr_at(k, depth)
    }

    /// A variable of kind `k` that may be read here, or a literal.
    fn leaf(&mut self, want: Kind) -> Node {
        if self.src.chance(2, 3) {
            if let Some(n) = self.name(want) {
                return n;
            }
        }
        let (tame, edge) = literals::of_kind(want);
        // Edges are rarer: an integer one overflows most integer inputs (NEP 50).
        let extreme = self.cfg.literals == Literals::Extreme && !edge.is_empty();
        match extreme && self.src.below(8) == 7 {
            true => Node::Literal(edge[self.src.below(edge.len())]),
            false => Node::Literal(tame[self.src.below(tame.len())]),
        }
    }

    fn name(&mut self, k: Kind) -> Option<Node> {
        let fitting: Vec<&String> = (self.names.iter())
            .filter(|(_, nk)| *nk == k)
            .map(|(n, _)| n)
            .collect();
        if fitting.is_empty() {
            return None;
        }
        Some(Node::Name(self.src.pick(&fitting).to_string()))
    }

    /// `sum`, `prod`, `min` or `max` of an expression of any kind.
    pub fn reduction(&mut self) -> Node {
        let op = *self.src.pick(&REDUCTIONS);
        let k = self.kind();
        Node::Call(op, vec![self.expr(k)])
    }
}
