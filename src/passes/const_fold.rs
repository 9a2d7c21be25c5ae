//! Constant folding with exactly the run-time semantics: folding calls the same
//! `value` functions the interpreter runs. An operation that would fail at run time
//! (integer to a negative power) is left in place, so the error surfaces when run,
//! also where the value it feeds is dropped (`ir::raising`).

use crate::ir::builder::{keep, rebuild};
use crate::ir::raising::{keeping, raising_in};
use crate::ir::{Func, Op};
use crate::value::{self, Scalar};

pub fn run(f: &Func) -> Func {
    rebuild(f, |b, n, args| {
        let consts: Option<Vec<Scalar>> = args
            .iter()
            .map(|&a| match b.node(a).op {
                Op::Const(c) => Some(c),
                _ => None,
            })
            .collect();
        let folded = match (consts, n.op) {
            (Some(c), Op::Cast) => Some(c[0].cast(n.ty)),
            (Some(c), Op::Unary(u)) => Some(value::unary(u, c[0], n.ty)),
            (Some(c), Op::Binary(op)) => value::binary(op, c[0], c[1], n.ty).ok(),
            (Some(c), Op::Where) => Some(if c[0].is_true() { c[1] } else { c[2] }),
            // `where` with a constant condition picks an arm even if the arms vary; what
            // can raise in the other arm still runs, as NumPy computes both.
            (None, Op::Where) => match b.node(args[0]).op {
                Op::Const(c) => {
                    let (kept, dropped) = match c.is_true() {
                        true => (args[1], args[2]),
                        false => (args[2], args[1]),
                    };
                    let raising = raising_in(b, dropped);
                    return keeping(b, kept, &raising);
                }
                _ => None,
            },
            _ => None,
        };
        match folded {
            Some(s) => b.konst(s),
            None => keep(b, n, args),
        }
    })
}
