//! The recursive traits of [`Stmt`], written out so that each level runs through
//! `limits::stack`: bodies nest up to `limits::MAX_BLOCKS` deep, and derived impls
//! would recurse on the caller's stack (about a kilobyte per level in a debug build).

use super::Stmt;
use crate::limits;
use std::fmt;

impl Clone for Stmt {
    fn clone(&self) -> Stmt {
        limits::stack(|| match self {
            Stmt::Assign { var, value } => Stmt::Assign {
                var: *var,
                value: *value,
            },
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => Stmt::If {
                cond: *cond,
                then_body: then_body.clone(),
                else_body: else_body.clone(),
            },
            Stmt::For {
                var,
                start,
                end,
                body,
            } => Stmt::For {
                var: *var,
                start: *start,
                end: *end,
                body: body.clone(),
            },
            Stmt::Break => Stmt::Break,
        })
    }
}

impl PartialEq for Stmt {
    fn eq(&self, other: &Stmt) -> bool {
        limits::stack(|| match (self, other) {
            (Stmt::Assign { var: a, value: x }, Stmt::Assign { var: b, value: y }) => {
                a == b && x == y
            }
            (
                Stmt::If {
                    cond: c,
                    then_body: t,
                    else_body: e,
                },
                Stmt::If {
                    cond: c2,
                    then_body: t2,
                    else_body: e2,
                },
            ) => c == c2 && t == t2 && e == e2,
            (
                Stmt::For {
                    var,
                    start,
                    end,
                    body,
                },
                Stmt::For {
                    var: var2,
                    start: start2,
                    end: end2,
                    body: body2,
                },
            ) => var == var2 && start == start2 && end == end2 && body == body2,
            (Stmt::Break, Stmt::Break) => true,
            _ => false,
        })
    }
}

impl fmt::Debug for Stmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        limits::stack(|| match self {
            Stmt::Assign { var, value } => f
                .debug_struct("Assign")
                .field("var", var)
                .field("value", value)
                .finish(),
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => f
                .debug_struct("If")
                .field("cond", cond)
                .field("then_body", then_body)
                .field("else_body", else_body)
                .finish(),
            Stmt::For {
                var,
                start,
                end,
                body,
            } => f
                .debug_struct("For")
                .field("var", var)
                .field("start", start)
                .field("end", end)
                .field("body", body)
                .finish(),
            Stmt::Break => f.write_str("Break"),
        })
    }
}

impl Drop for Stmt {
    fn drop(&mut self) {
        let bodies = match self {
            Stmt::If {
                then_body,
                else_body,
                ..
            } => [std::mem::take(then_body), std::mem::take(else_body)],
            Stmt::For { body, .. } => [std::mem::take(body), Vec::new()],
            Stmt::Assign { .. } | Stmt::Break => return,
        };
        limits::stack(move || drop(bodies));
    }
}
