//! Name resolution for programs: which names are inputs (read before they are surely
//! assigned), which are locals, and whether each output is assigned on every path.

use crate::error::{Error, Result, Span};
use crate::syntax::ast::{Expr, ExprKind, ProgramAst, Stmt, StmtKind};
use std::collections::BTreeSet;

pub struct Info {
    /// Names read before they are definitely assigned, with their first use.
    pub inputs: Vec<(String, Span)>,
    /// Names assigned somewhere (loop variables included), in order of first assignment.
    pub locals: Vec<String>,
    pub loop_vars: Vec<String>,
    /// Outputs that some path leaves unassigned.
    pub maybe_unassigned_outputs: Vec<(String, Span)>,
}

pub fn analyze(p: &ProgramAst) -> Result<Info> {
    let mut info = Info {
        inputs: vec![],
        locals: vec![],
        loop_vars: vec![],
        maybe_unassigned_outputs: vec![],
    };
    let assigned = block(&p.body, BTreeSet::new(), &mut info);
    for (name, span) in &p.outputs {
        if !assigned.contains(name) && info.locals.contains(name) {
            info.maybe_unassigned_outputs.push((name.clone(), *span));
        }
    }
    let mut seen = BTreeSet::new();
    for (name, span) in &p.outputs {
        if !seen.insert(name) {
            return Err(Error::parse(
                *span,
                format!("output `{name}` is declared twice"),
            ));
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

fn block(stmts: &[Stmt], mut assigned: BTreeSet<String>, info: &mut Info) -> BTreeSet<String> {
    for s in stmts {
        match &s.kind {
            StmtKind::Assign {
                target,
                op,
                value,
                target_span,
                ..
            } => {
                if op.is_some() {
                    read(target, *target_span, &assigned, info);
                }
                reads(value, &assigned, info);
                define(target, info);
                assigned.insert(target.clone());
            }
            StmtKind::If {
                cond,
                then_body,
                else_body,
            } => {
                reads(cond, &assigned, info);
                let a = block(then_body, assigned.clone(), info);
                let b = block(else_body, assigned.clone(), info);
                assigned = a.intersection(&b).cloned().collect();
                // A branch that ends in `break` does not reach the statements after the if.
                if ends_in_break(then_body) {
                    assigned = b;
                } else if ends_in_break(else_body) {
                    assigned = a;
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
                    reads(st, &assigned, info);
                }
                reads(end, &assigned, info);
                define(var, info);
                if !info.loop_vars.contains(var) {
                    info.loop_vars.push(var.clone());
                }
                let mut inner = assigned.clone();
                inner.insert(var.clone());
                block(body, inner, info);
            }
            StmtKind::Break => {}
        }
    }
    assigned
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

fn define(name: &str, info: &mut Info) {
    if !info.locals.iter().any(|l| l == name) {
        info.locals.push(name.to_string());
    }
}

fn read(name: &str, span: Span, assigned: &BTreeSet<String>, info: &mut Info) {
    if !assigned.contains(name) && !info.inputs.iter().any(|(n, _)| n == name) {
        info.inputs.push((name.to_string(), span));
    }
}

fn reads(e: &Expr, assigned: &BTreeSet<String>, info: &mut Info) {
    match &e.kind {
        ExprKind::Name(n) => read(n, e.span, assigned, info),
        ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Imag(_) | ExprKind::Bool(_) => {}
        ExprKind::Unary(_, x) | ExprKind::Attr(x, _, _) => reads(x, assigned, info),
        ExprKind::Binary(_, a, b) => {
            reads(a, assigned, info);
            reads(b, assigned, info);
        }
        ExprKind::Compare(first, rest) => {
            reads(first, assigned, info);
            for (_, _, x) in rest {
                reads(x, assigned, info);
            }
        }
        ExprKind::Call {
            args, kwargs, func, ..
        } => {
            // `axis=` is a literal, not a read.
            for a in args
                .iter()
                .take(if is_reduction(func) { 1 } else { usize::MAX })
            {
                reads(a, assigned, info);
            }
            if !is_reduction(func) {
                for (_, _, x) in kwargs {
                    reads(x, assigned, info);
                }
            }
        }
    }
}

fn is_reduction(f: &str) -> bool {
    matches!(f, "sum" | "prod" | "min" | "max")
}
