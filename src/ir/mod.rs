//! The typed IR: a program is a tree of structured statements (assign, if, for, break)
//! over per-element local variables; each statement evaluates its operands from a DAG of
//! typed nodes. A plain expression is the one-statement program `result = <expr>`.
//!
//! Invariants (checked by [`Func::verify`]):
//! * every node's arguments come earlier in `nodes` (the arena is in topological order);
//! * each node belongs to exactly one statement (its operand DAG); a `Var` node reads
//!   the variable's value at that statement, so nodes are never shared across statements;
//! * binary operands have one dtype (type checking inserted the casts).

pub mod builder;
pub mod builtins;
mod deep;
pub mod ops;
pub mod print;
pub mod raising;

pub use builder::Builder;
pub use ops::{BinOp, ReduceOp, UnOp};

use crate::dtype::DType;
use crate::scalar::Scalar;

pub type ValueId = u32;
pub type VarId = u32;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// The current element of input `n` (broadcast to the iteration shape).
    Input(u32),
    Const(Scalar),
    /// The current value of a local variable.
    Var(VarId),
    /// Conversion to the node's dtype (NumPy `astype`).
    Cast,
    Unary(UnOp),
    Binary(BinOp),
    /// `where(cond, x, y)`: both arms are computed, so neither may trap.
    Where,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub op: Op,
    pub args: Vec<ValueId>,
    pub ty: DType,
}

/// A statement; bodies nest `limits::MAX_BLOCKS` deep, so its recursive traits are
/// written out (`deep.rs`) to run on a stack that cannot overflow.
pub enum Stmt {
    Assign {
        var: VarId,
        value: ValueId,
    },
    If {
        cond: ValueId,
        then_body: Vec<Stmt>,
        else_body: Vec<Stmt>,
    },
    /// `for var in range(start, end)`: start and end are evaluated once, before the loop.
    For {
        var: VarId,
        start: ValueId,
        end: ValueId,
        body: Vec<Stmt>,
    },
    Break,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub ty: DType,
}

/// A reduction applied to the (single) output after the elementwise program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reduce {
    pub op: ReduceOp,
    pub axis: Option<i64>,
    /// dtype of the reduced result (sum of int32 is int64, as in NumPy).
    pub ty: DType,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Func {
    pub inputs: Vec<Param>,
    /// Per-element local variables. A local that is also read before it is assigned
    /// starts from the input of the same name (`init_from`).
    pub vars: Vec<Local>,
    pub outputs: Vec<VarId>,
    pub nodes: Vec<Node>,
    pub body: Vec<Stmt>,
    pub reduce: Option<Reduce>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Local {
    pub name: String,
    pub ty: DType,
    /// Input index this variable starts from, if it is read before assigned.
    pub init_from: Option<u32>,
}

impl Func {
    pub fn node(&self, v: ValueId) -> &Node {
        &self.nodes[v as usize]
    }

    /// The result dtype of each output (after the reduction, if any).
    pub fn output_types(&self) -> Vec<DType> {
        self.outputs
            .iter()
            .map(|&v| match self.reduce {
                Some(r) => r.ty,
                None => self.vars[v as usize].ty,
            })
            .collect()
    }

    /// Whether the body is a straight line (no loops, ifs or breaks).
    pub fn is_straight_line(&self) -> bool {
        self.body.iter().all(|s| matches!(s, Stmt::Assign { .. }))
    }

    /// Whether the body has a `for` loop (at any depth).
    pub fn has_loop(&self) -> bool {
        fn any_loop(body: &[Stmt]) -> bool {
            crate::limits::stack(|| {
                body.iter().any(|s| match s {
                    Stmt::For { .. } => true,
                    Stmt::If {
                        then_body,
                        else_body,
                        ..
                    } => any_loop(then_body) || any_loop(else_body),
                    Stmt::Assign { .. } | Stmt::Break => false,
                })
            })
        }
        any_loop(&self.body)
    }

    /// Calls `f` on every statement operand root, in program order.
    pub fn for_each_root(&self, mut f: impl FnMut(ValueId)) {
        fn walk(body: &[Stmt], f: &mut dyn FnMut(ValueId)) {
            crate::limits::stack(|| walk_at(body, f))
        }
        fn walk_at(body: &[Stmt], f: &mut dyn FnMut(ValueId)) {
            for s in body {
                match s {
                    Stmt::Assign { value, .. } => f(*value),
                    Stmt::If {
                        cond,
                        then_body,
                        else_body,
                    } => {
                        f(*cond);
                        walk(then_body, f);
                        walk(else_body, f);
                    }
                    Stmt::For {
                        start, end, body, ..
                    } => {
                        f(*start);
                        f(*end);
                        walk(body, f);
                    }
                    Stmt::Break => {}
                }
            }
        }
        walk(&self.body, &mut f);
    }

    /// Checks the structural invariants listed in the module docs.
    pub fn verify(&self) -> Result<(), String> {
        for (i, n) in self.nodes.iter().enumerate() {
            for &a in &n.args {
                if a as usize >= i {
                    return Err(format!("%{i} uses %{a}, which does not come before it"));
                }
            }
            let arg_ty = |k: usize| self.nodes[n.args[k] as usize].ty;
            let arity = match n.op {
                Op::Input(_) | Op::Const(_) | Op::Var(_) => 0,
                Op::Cast | Op::Unary(_) => 1,
                Op::Binary(_) => 2,
                Op::Where => 3,
            };
            if n.args.len() != arity {
                return Err(format!(
                    "%{i} has {} arguments, wants {arity}",
                    n.args.len()
                ));
            }
            match n.op {
                Op::Binary(_) if arg_ty(0) != arg_ty(1) => {
                    return Err(format!("%{i}: operands {} and {}", arg_ty(0), arg_ty(1)))
                }
                Op::Where if arg_ty(0) != DType::Bool || arg_ty(1) != n.ty || arg_ty(2) != n.ty => {
                    return Err(format!("%{i}: ill-typed where"))
                }
                Op::Const(c) if c.dtype() != n.ty => {
                    return Err(format!(
                        "%{i}: constant of type {} in a {} node",
                        c.dtype(),
                        n.ty
                    ))
                }
                Op::Input(k) if self.inputs[k as usize].ty != n.ty => {
                    return Err(format!("%{i}: input type"))
                }
                Op::Var(v) if self.vars[v as usize].ty != n.ty => {
                    return Err(format!("%{i}: var type"))
                }
                _ => {}
            }
        }
        let mut owner = vec![usize::MAX; self.nodes.len()];
        let mut stmt = 0usize;
        let mut err = None;
        self.for_each_root(|root| {
            let mut stack = vec![root];
            while let Some(v) = stack.pop() {
                let o = &mut owner[v as usize];
                if *o == stmt {
                    continue;
                }
                if *o != usize::MAX {
                    err = Some(format!("%{v} is shared by two statements"));
                }
                *o = stmt;
                stack.extend(&self.nodes[v as usize].args);
            }
            stmt += 1;
        });
        err.map_or(Ok(()), Err)
    }
}
