//! The abstract syntax tree, as written (no types yet).

use crate::error::Span;

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
    /// An integer literal; Python's are unbounded, nexpr keeps 128 bits.
    Int(i128),
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

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
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

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProgramAst {
    pub outputs: Vec<(String, Span)>,
    pub body: Vec<Stmt>,
}
