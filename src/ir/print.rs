//! The IR's text form, used by `--emit ir`, golden tests and as the compile-cache key.
//!
//! ```text
//! func(a: f64, b: f64) -> (result: f64)
//!   %0 = input a : f64
//!   %1 = const 2.0 : f64
//!   %2 = mul %1, %0 : f64
//!   result = %2
//! ```

use super::{Func, Op, Stmt, ValueId};
use std::fmt::Write;

pub fn print(f: &Func) -> String {
    let mut out = String::new();
    let params: Vec<String> = f
        .inputs
        .iter()
        .map(|p| format!("{}: {}", p.name, p.ty.short()))
        .collect();
    let outs: Vec<String> = f
        .outputs
        .iter()
        .map(|&v| {
            let l = &f.vars[v as usize];
            format!("{}: {}", l.name, l.ty.short())
        })
        .collect();
    let _ = writeln!(out, "func({}) -> ({})", params.join(", "), outs.join(", "));
    for l in &f.vars {
        if f.outputs.len() == 1 && f.vars.len() == 1 && l.init_from.is_none() {
            break; // a plain expression: its one variable is the result, named above
        }
        let init = match l.init_from {
            Some(i) => format!(" = input {}", f.inputs[i as usize].name),
            None => String::new(),
        };
        let _ = writeln!(out, "  var {}: {}{init}", l.name, l.ty.short());
    }
    let mut printed = vec![false; f.nodes.len()];
    body(f, &f.body, 1, &mut printed, &mut out);
    if let Some(r) = f.reduce {
        let axis = r.axis.map_or(String::new(), |a| format!(", axis={a}"));
        let name = &f.vars[f.outputs[0] as usize].name;
        let _ = writeln!(
            out,
            "  reduce {}({name}{axis}) : {}",
            r.op.name(),
            r.ty.short()
        );
    }
    out
}

fn body(f: &Func, stmts: &[Stmt], depth: usize, printed: &mut [bool], out: &mut String) {
    crate::limits::stack(|| body_at(f, stmts, depth, printed, out))
}

fn body_at(f: &Func, stmts: &[Stmt], depth: usize, printed: &mut [bool], out: &mut String) {
    let ind = "  ".repeat(depth);
    for s in stmts {
        match s {
            Stmt::Assign { var, value } => {
                nodes(f, *value, &ind, printed, out);
                let _ = writeln!(out, "{ind}{} = %{value}", f.vars[*var as usize].name);
            }
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                nodes(f, *cond, &ind, printed, out);
                let _ = writeln!(out, "{ind}if %{cond}:");
                body(f, then_body, depth + 1, printed, out);
                if !else_body.is_empty() {
                    let _ = writeln!(out, "{ind}else:");
                    body(f, else_body, depth + 1, printed, out);
                }
            }
            Stmt::For {
                var,
                start,
                end,
                body: b,
            } => {
                nodes(f, *start, &ind, printed, out);
                nodes(f, *end, &ind, printed, out);
                let _ = writeln!(
                    out,
                    "{ind}for {} in range(%{start}, %{end}):",
                    f.vars[*var as usize].name
                );
                body(f, b, depth + 1, printed, out);
            }
            Stmt::Break => {
                let _ = writeln!(out, "{ind}break");
            }
        }
    }
}

/// Prints the not-yet-printed nodes `root` depends on, in arena (topological) order.
fn nodes(f: &Func, root: ValueId, ind: &str, printed: &mut [bool], out: &mut String) {
    // Only the nodes not printed yet are visited: linear in the function overall.
    let mut todo = Vec::new();
    let mut stack = vec![root];
    while let Some(v) = stack.pop() {
        if !std::mem::replace(&mut printed[v as usize], true) {
            todo.push(v as usize);
            stack.extend(&f.nodes[v as usize].args);
        }
    }
    todo.sort_unstable();
    for i in todo {
        let n = &f.nodes[i];
        let args: Vec<String> = n.args.iter().map(|a| format!("%{a}")).collect();
        let args = args.join(", ");
        let rhs = match n.op {
            Op::Input(k) => format!("input {}", f.inputs[k as usize].name),
            Op::Const(c) => format!("const {c}"),
            Op::Var(v) => format!("var {}", f.vars[v as usize].name),
            Op::Cast => format!("cast {args}"),
            Op::Unary(u) => format!("{} {args}", u.name()),
            Op::Binary(b) => format!("{} {args}", b.name()),
            Op::Where => format!("where {args}"),
        };
        let _ = writeln!(out, "{ind}%{i} = {rhs} : {}", n.ty.short());
    }
}
