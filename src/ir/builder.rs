//! Builds IR, hash-consing nodes within a statement (so building *is* CSE), and
//! rebuilds a function through a rewrite callback (how every pass is written).

use super::{Func, Local, Node, Op, Param, Reduce, Stmt, ValueId};
use crate::dtype::DType;
use crate::scalar::Scalar;
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
    let mut r = Rebuild {
        func,
        b: Builder::new(func.inputs.clone(), func.vars.clone()),
        rw: &mut rewrite,
        map: vec![0; func.nodes.len()],
        mark: Marks::new(func.nodes.len()),
    };
    let body = r.body(&func.body);
    r.b.finish(func.outputs.clone(), body, func.reduce)
}

type Rewrite<'a> = dyn FnMut(&mut Builder, &Node, Vec<ValueId>) -> ValueId + 'a;

struct Rebuild<'f, 'r> {
    func: &'f Func,
    b: Builder,
    rw: &'r mut Rewrite<'r>,
    /// Old id -> new id, for the nodes of the statement being rebuilt.
    map: Vec<ValueId>,
    mark: Marks,
}

impl Rebuild<'_, '_> {
    fn root(&mut self, root: ValueId) -> ValueId {
        self.b.begin_stmt();
        // Arguments precede their users, so the statement's nodes in id order are in
        // dependency order; collecting them costs their number, not the arena's size.
        for i in self.mark.reachable(&self.func.nodes, root) {
            let n = &self.func.nodes[i as usize];
            let args = n.args.iter().map(|&a| self.map[a as usize]).collect();
            self.map[i as usize] = (self.rw)(&mut self.b, n, args);
        }
        self.map[root as usize]
    }

    fn body(&mut self, body: &[Stmt]) -> Vec<Stmt> {
        crate::limits::stack(|| body.iter().map(|s| self.stmt(s)).collect())
    }

    fn stmt(&mut self, s: &Stmt) -> Stmt {
        match s {
            Stmt::Assign { var, value } => Stmt::Assign {
                var: *var,
                value: self.root(*value),
            },
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => Stmt::If {
                cond: self.root(*cond),
                then_body: self.body(then_body),
                else_body: self.body(else_body),
            },
            Stmt::For {
                var,
                start,
                end,
                body,
            } => Stmt::For {
                var: *var,
                start: self.root(*start),
                end: self.root(*end),
                body: self.body(body),
            },
            Stmt::Break => Stmt::Break,
        }
    }
}

/// Finds the nodes a root depends on, repeatedly, in time proportional to their
/// number: a visit stamp per node instead of a fresh array per root.
pub struct Marks {
    stamp: Vec<u32>,
    epoch: u32,
}

impl Marks {
    pub fn new(nodes: usize) -> Marks {
        Marks {
            stamp: vec![0; nodes],
            epoch: 0,
        }
    }

    /// The ids `root` depends on (itself included), ascending: dependency order.
    pub fn reachable(&mut self, nodes: &[Node], root: ValueId) -> Vec<ValueId> {
        self.epoch += 1;
        let mut out = Vec::new();
        let mut stack = vec![root];
        while let Some(v) = stack.pop() {
            if std::mem::replace(&mut self.stamp[v as usize], self.epoch) == self.epoch {
                continue;
            }
            out.push(v);
            stack.extend(&nodes[v as usize].args);
        }
        out.sort_unstable();
        out
    }
}

/// The identity rewrite: re-adds the node as it was.
pub fn keep(b: &mut Builder, n: &Node, args: Vec<ValueId>) -> ValueId {
    b.add(n.op, args, n.ty)
}
