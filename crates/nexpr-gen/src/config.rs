//! What a user of the generator asks for: the variables, how deep, which functions,
//! operators, literals and statements.

use crate::operators::{Operator, BINARY, UNARY};
use crate::Kind;
use nexpr::internals::{Builtin, BUILTINS};
use nexpr::DType;

/// Which literals leaves may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Literals {
    /// Small values of every kind, weak Python literals all of them.
    Tame,
    /// Also the edges: integers past int32 and int64 (`3000000000`, `2**63`), floats
    /// past float64 (`1e400`), subnormals, `1e300`.
    Extreme,
}

/// The knobs of the generator. [`Config::new`] gives every function, operator, cast
/// and statement of the language; the builders narrow it.
#[derive(Clone, Debug)]
pub struct Config {
    /// The inputs an expression may read, with their dtypes.
    pub vars: Vec<(String, DType)>,
    /// The deepest an expression nests (a leaf is depth 0).
    pub max_depth: usize,
    /// The kinds a whole expression, an operand, a program's output or a local may
    /// have (a condition is bool regardless).
    pub kinds: Vec<Kind>,
    /// The builtins calls are made of (every row of the table by default).
    pub functions: Vec<&'static Builtin>,
    /// Prefix operators.
    pub unary: Vec<Operator>,
    /// Infix operators.
    pub binary: Vec<Operator>,
    /// Whether casts (`int32(x)`, one per dtype), `copy` and `ones_like` are made.
    pub casts: bool,
    /// Whether `where(c, x, y)` is made.
    pub wheres: bool,
    pub literals: Literals,
    /// Whether an operation (a call or an operator) may have constants only as its
    /// operands (`where` counts its values, not its condition). Where not, such an
    /// operation is drawn again, and after a few draws becomes a leaf: NumPy
    /// makes a function of constants a strong float64, and Python computes operators
    /// of constants with its own rules (`3 >> -1` is a `ValueError`).
    pub constant_operations: bool,
    /// Programs: whether `for` loops (and `break`) are made.
    pub loops: bool,
    /// Programs: whether a loop's trip count may come from an integer input
    /// (`range(abs(n) % 5)`), different for every element.
    pub element_bounds: bool,
    /// Programs: the outputs, with their kinds (`None`: drawn).
    pub outputs: Vec<(String, Option<Kind>)>,
}

impl Config {
    /// Everything the language has, over `vars`.
    pub fn new<S: Into<String>>(vars: impl IntoIterator<Item = (S, DType)>) -> Config {
        Config {
            vars: vars.into_iter().map(|(n, d)| (n.into(), d)).collect(),
            max_depth: 4,
            kinds: Kind::ALL.to_vec(),
            functions: BUILTINS.iter().collect(),
            unary: UNARY.to_vec(),
            binary: BINARY.to_vec(),
            casts: true,
            wheres: true,
            literals: Literals::Extreme,
            constant_operations: true,
            loops: true,
            element_bounds: true,
            outputs: vec![("r0".into(), None), ("r1".into(), None)],
        }
    }

    /// Only the builtins for which `keep` holds.
    pub fn functions_where(mut self, keep: impl Fn(&Builtin) -> bool) -> Config {
        self.functions.retain(|f| keep(f));
        self
    }

    /// Only the operators whose symbols are listed.
    pub fn operators(mut self, symbols: &[&str]) -> Config {
        self.unary.retain(|o| symbols.contains(&o.symbol));
        self.binary.retain(|o| symbols.contains(&o.symbol));
        self
    }

    /// The variables of kind `k`.
    pub fn names_of(&self, k: Kind) -> impl Iterator<Item = &str> {
        let of_kind = move |(_, d): &&(String, DType)| Kind::of(*d) == k;
        self.vars.iter().filter(of_kind).map(|(n, _)| n.as_str())
    }
}
