//! Builds IR, hash-consing nodes within a statement (so building *is* CSE), and
//! rebuilds a function through a rewrite callback (how every pass is written).

use super::{Func, Local, Node, Op, Param, Reduce, Stmt, ValueId};
use crate::dtype::DType;
use crate::value::Scalar;
use std::collections::HashMap;

type Key = (u8, u64, u64, u64, Vec<ValueId>, DType);

fn key(op: &Op, args: &[ValueId], ty: DType) -> Key {
    use super::Op::*;
    let (tag, a, b, c) = match *op {
        Input(i) => (0, i as u64, 0, 0),
        Const(s) => {
            let (d, x, y) = s.key();
            (1, d as u64, x, y)
        }
        Var(v) => (2, v as u64, 0, 0),
        Cast => (3, 0, 0, 0),
        Unary(u) => (4, u as u64, 0, 0),
        Binary(b) => (5, b as u64, 0, 0),
        Where => (6, 0, 0, 0),
    };
    (tag, a, b, c, args.to_vec(), ty)
}

pub struct Builder {
    pub inputs: Vec<Param>,
    pub vars: Vec<Local>,
    nodes: Vec<Node>,
    memo: HashMap<Key, ValueId>,
}

impl Builder {
    pub fn new(inputs: Vec<Param>, vars: Vec<Local>) -> Builder {
        Builder {
            inputs,
            vars,
            nodes: Vec::new(),
            memo: HashMap::new(),
        }
    }

    /// Starts the operand DAG of a new statement: nodes are not shared across statements.
    pub fn begin_stmt(&mut self) {
        self.memo.clear();
    }

    pub fn node(&self, v: ValueId) -> &Node {
        &self.nodes[v as usize]
    }

    pub fn ty(&self, v: ValueId) -> DType {
        self.nodes[v as usize].ty
    }

    /// Adds a node, or returns the identical node already built in this statement.
    pub fn add(&mut self, op: Op, mut args: Vec<ValueId>, ty: DType) -> ValueId {
        if let Op::Binary(b) = op {
            if b.is_commutative() {
                args.sort_unstable();
            }
        }
        let k = key(&op, &args, ty);
        if let Some(&v) = self.memo.get(&k) {
            return v;
        }
        let id = self.nodes.len() as ValueId;
        self.nodes.push(Node { op, args, ty });
        self.memo.insert(k, id);
        id
    }

    pub fn konst(&mut self, s: Scalar) -> ValueId {
        self.add(Op::Const(s), vec![], s.dtype())
    }

    /// A cast, or `v` itself when it already has dtype `ty`.
    pub fn cast(&mut self, v: ValueId, ty: DType) -> ValueId {
        if self.ty(v) == ty {
            return v;
        }
        if let Op::Const(c) = self.node(v).op {
            return self.konst(c.cast(ty));
        }
        self.add(Op::Cast, vec![v], ty)
    }

    pub fn finish(self, outputs: Vec<u32>, body: Vec<Stmt>, reduce: Option<Reduce>) -> Func {
        Func {
            inputs: self.inputs,
            vars: self.vars,
            outputs,
            nodes: self.nodes,
            body,
            reduce,
        }
    }
}

/// Rebuilds `func` node by node in program order. `rewrite` receives the builder, the
/// old node and its already-rebuilt arguments, and returns the new value; nodes no
/// statement reaches are dropped, and the arena comes out compact and in order.
pub fn rebuild(
    func: &Func,
    mut rewrite: impl FnMut(&mut Builder, &Node, Vec<ValueId>) -> ValueId,
) -> Func {
    let mut b = Builder::new(func.inputs.clone(), func.vars.clone());
    let body = rebuild_body(func, &func.body, &mut b, &mut rewrite);
    b.finish(func.outputs.clone(), body, func.reduce)
}

type Rewrite<'a> = dyn FnMut(&mut Builder, &Node, Vec<ValueId>) -> ValueId + 'a;

fn rebuild_root(func: &Func, root: ValueId, b: &mut Builder, rw: &mut Rewrite) -> ValueId {
    b.begin_stmt();
    let mut map: HashMap<ValueId, ValueId> = HashMap::new();
    // Arguments precede their users, so walking the reachable ids in order is enough.
    let mut reach = vec![false; root as usize + 1];
    reach[root as usize] = true;
    for i in (0..=root as usize).rev() {
        if reach[i] {
            for &a in &func.nodes[i].args {
                reach[a as usize] = true;
            }
        }
    }
    for (i, r) in reach.iter().enumerate() {
        if *r {
            let n = &func.nodes[i];
            let args = n.args.iter().map(|a| map[a]).collect();
            let v = rw(b, n, args);
            map.insert(i as ValueId, v);
        }
    }
    map[&root]
}

fn rebuild_body(func: &Func, body: &[Stmt], b: &mut Builder, rw: &mut Rewrite) -> Vec<Stmt> {
    body.iter()
        .map(|s| match s {
            Stmt::Assign { var, value } => Stmt::Assign {
                var: *var,
                value: rebuild_root(func, *value, b, rw),
            },
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => Stmt::If {
                cond: rebuild_root(func, *cond, b, rw),
                then_body: rebuild_body(func, then_body, b, rw),
                else_body: rebuild_body(func, else_body, b, rw),
            },
            Stmt::For {
                var,
                start,
                end,
                body,
            } => Stmt::For {
                var: *var,
                start: rebuild_root(func, *start, b, rw),
                end: rebuild_root(func, *end, b, rw),
                body: rebuild_body(func, body, b, rw),
            },
            Stmt::Break => Stmt::Break,
        })
        .collect()
}

/// The identity rewrite: re-adds the node as it was.
pub fn keep(b: &mut Builder, n: &Node, args: Vec<ValueId>) -> ValueId {
    b.add(n.op, args, n.ty)
}
