//! Name resolution for programs: which names are inputs (read before they are surely
//! assigned), which are locals, and whether each output is assigned on every path.
//!
//! One pass in program order. The set of surely assigned names is updated in place,
//! with a journal to undo what a branch or a loop body added (so the work is linear in
//! the program, not in statements times names).

use crate::error::{Result, Span};
use crate::limits;
use crate::syntax::ast::{Expr, ExprKind, ProgramAst, Stmt, StmtKind};
use std::collections::HashSet;

pub struct Info {
    /// Names read before they are definitely assigned, with their first use.
    pub inputs: Vec<(String, Span)>,
    /// Names assigned somewhere (loop variables included), in order of first assignment.
    pub locals: Vec<String>,
    pub loop_vars: HashSet<String>,
    /// Outputs that some path leaves unassigned.
    pub maybe_unassigned_outputs: Vec<(String, Span)>,
}

pub fn analyze(p: &ProgramAst) -> Result<Info> {
    let mut w = Walk {
        info: Info {
            inputs: vec![],
            locals: vec![],
            loop_vars: HashSet::new(),
            maybe_unassigned_outputs: vec![],
        },
        input_set: HashSet::new(),
        local_set: HashSet::new(),
        assigned: HashSet::new(),
        journal: Vec::new(),
    };
    w.block(&p.body);
    let mut info = w.info;
    for (name, span) in &p.outputs {
        if !w.assigned.contains(name) && w.local_set.contains(name) {
            info.maybe_unassigned_outputs.push((name.clone(), *span));
        }
    }
    Ok(info)
}

/// The names the free variables of `prog` that must be bound by the caller.
pub fn free_inputs(p: &ProgramAst) -> Vec<String> {
    analyze(p)
        .map(|i| i.inputs.into_iter().map(|(n, _)| n).collect())
        .unwrap_or_default()
}

struct Walk {
    info: Info,
    input_set: HashSet<String>,
    local_set: HashSet<String>,
    /// Names surely assigned at the current point.
    assigned: HashSet<String>,
    /// Names added to `assigned`, in order, so that a branch can be undone.
    journal: Vec<String>,
}

impl Walk {
    fn block(&mut self, stmts: &[Stmt]) {
        limits::stack(|| {
            for s in stmts {
                self.stmt(s);
            }
        })
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Assign {
                target,
                op,
                value,
                target_span,
            } => {
                if op.is_some() {
                    self.read(target, *target_span);
                }
                self.reads(value);
                self.define(target);
                self.assign(target);
            }
            StmtKind::If {
                cond,
                then_body,
                else_body,
            } => {
                self.reads(cond);
                let a = self.branch(then_body, None);
                let b = self.branch(else_body, None);
                // A branch that ends in `break` does not reach the statements after the if.
                let after: Vec<String> = if ends_in_break(then_body) {
                    b.into_iter().collect()
                } else if ends_in_break(else_body) {
                    a.into_iter().collect()
                } else {
                    a.intersection(&b).cloned().collect()
                };
                for name in after {
                    self.assign(&name);
                }
            }
            StmtKind::For {
                var,
                start,
                end,
                body,
                ..
            } => {
                if let Some(st) = start {
                    self.reads(st);
                }
                self.reads(end);
                self.define(var);
                self.info.loop_vars.insert(var.clone());
                // The body may not run: nothing it assigns is sure after the loop.
                self.branch(body, Some(var));
            }
            StmtKind::Break => {}
        }
    }

    /// Walks `body` (with `var` assigned first, for a loop), then undoes what it
    /// assigned; returns those names.
    fn branch(&mut self, body: &[Stmt], var: Option<&str>) -> HashSet<String> {
        let mark = self.journal.len();
        if let Some(v) = var {
            self.assign(v);
        }
        self.block(body);
        let added: HashSet<String> = self.journal.drain(mark..).collect();
        for name in &added {
            self.assigned.remove(name);
        }
        added
    }

    fn assign(&mut self, name: &str) {
        if self.assigned.insert(name.to_string()) {
            self.journal.push(name.to_string());
        }
    }

    fn define(&mut self, name: &str) {
        if self.local_set.insert(name.to_string()) {
            self.info.locals.push(name.to_string());
        }
    }

    fn read(&mut self, name: &str, span: Span) {
        if !self.assigned.contains(name) && self.input_set.insert(name.to_string()) {
            self.info.inputs.push((name.to_string(), span));
        }
    }

    fn reads(&mut self, e: &Expr) {
        limits::stack(|| self.reads_at(e))
    }

    fn reads_at(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Name(n) => self.read(n, e.span),
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Imag(_) | ExprKind::Bool(_) => {}
            ExprKind::Unary(_, x) | ExprKind::Attr(x, _, _) => self.reads(x),
            ExprKind::Binary(_, a, b) => {
                self.reads(a);
                self.reads(b);
            }
            ExprKind::Compare(first, rest) => {
                self.reads(first);
                for (_, _, x) in rest {
                    self.reads(x);
                }
            }
            ExprKind::Call {
                args, kwargs, func, ..
            } => {
                // `axis=` is a literal, not a read.
                let reduction = is_reduction(func);
                for a in args.iter().take(if reduction { 1 } else { usize::MAX }) {
                    self.reads(a);
                }
                if !reduction {
                    for (_, _, x) in kwargs {
                        self.reads(x);
                    }
                }
            }
        }
    }
}

fn ends_in_break(b: &[Stmt]) -> bool {
    matches!(
        b.last(),
        Some(Stmt {
            kind: StmtKind::Break,
            ..
        })
    )
}

fn is_reduction(f: &str) -> bool {
    matches!(f, "sum" | "prod" | "min" | "max")
}
