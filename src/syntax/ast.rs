//! The abstract syntax tree, as written (no types yet).

use crate::error::Span;
use crate::limits;
use num_bigint::BigInt;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    And,
    Or,
    Xor,
    Shl,
    Shr,
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            FloorDiv => "//",
            Mod => "%",
            Pow => "**",
            And => "&",
            Or => "|",
            Xor => "^",
            Shl => "<<",
            Shr => ">>",
            Lt => "<",
            Le => "<=",
            Eq => "==",
            Ne => "!=",
            Ge => ">=",
            Gt => ">",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Pos,
    Invert,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// An integer literal, unbounded as Python's.
    Int(BigInt),
    Float(f64),
    /// An imaginary literal `2.5j` (its imaginary part).
    Imag(f64),
    Bool(bool),
    Name(String),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `a < b <= c`: Python's chained comparison, `(a < b) & (b <= c)`.
    Compare(Box<Expr>, Vec<(BinaryOp, Span, Expr)>),
    Call {
        func: String,
        func_span: Span,
        args: Vec<Expr>,
        kwargs: Vec<(String, Span, Expr)>,
    },
    /// `x.real`, `x.imag`.
    Attr(Box<Expr>, String, Span),
}

pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

// Trees may be `limits::MAX_DEPTH` deep: the recursive traits take each step through
// `limits::stack`, so that cloning, comparing, printing and dropping one cannot
// overflow the stack.

impl Clone for Expr {
    fn clone(&self) -> Expr {
        limits::stack(|| Expr {
            kind: self.kind.clone(),
            span: self.span,
        })
    }
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        limits::stack(|| self.span == other.span && self.kind == other.kind)
    }
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        limits::stack(|| {
            f.debug_struct("Expr")
                .field("kind", &self.kind)
                .field("span", &self.span)
                .finish()
        })
    }
}

impl Drop for Expr {
    fn drop(&mut self) {
        let kind = std::mem::replace(&mut self.kind, ExprKind::Bool(false));
        limits::stack(move || drop(kind));
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `name = value`, or `name op= value` (`op` is then `Some`).
    Assign {
        target: String,
        target_span: Span,
        op: Option<BinaryOp>,
        value: Expr,
    },
    If {
        cond: Expr,
        then_body: Vec<Stmt>,
        else_body: Vec<Stmt>,
    },
    For {
        var: String,
        var_span: Span,
        start: Option<Expr>,
        end: Expr,
        body: Vec<Stmt>,
    },
    Break,
}

pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

// Blocks nest `limits::MAX_BLOCKS` deep: as for `Expr`, each step of the recursive
// traits goes through `limits::stack`.

impl Clone for Stmt {
    fn clone(&self) -> Stmt {
        limits::stack(|| Stmt {
            kind: self.kind.clone(),
            span: self.span,
        })
    }
}

impl PartialEq for Stmt {
    fn eq(&self, other: &Stmt) -> bool {
        limits::stack(|| self.span == other.span && self.kind == other.kind)
    }
}

impl fmt::Debug for Stmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        limits::stack(|| {
            f.debug_struct("Stmt")
                .field("kind", &self.kind)
                .field("span", &self.span)
                .finish()
        })
    }
}

impl Drop for Stmt {
    fn drop(&mut self) {
        let kind = std::mem::replace(&mut self.kind, StmtKind::Break);
        limits::stack(move || drop(kind));
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProgramAst {
    pub outputs: Vec<(String, Span)>,
    pub body: Vec<Stmt>,
}
