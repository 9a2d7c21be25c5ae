//! A generated expression as a tree, so that a test can walk it (evaluate it one
//! operation at a time, shrink it) as well as print it.

use std::fmt;

/// One node of a generated expression. Its text (`Display`) puts every operation in
/// parentheses, so that it reads the same in nexpr and in Python.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// A variable: an input, a local of a program or a loop variable.
    Name(String),
    /// A literal, as written (negative and compound ones in parentheses).
    Literal(&'static str),
    /// A prefix operator: `(-x)`, `(~x)`.
    Prefix(&'static str, Box<Node>),
    /// An infix operator: `(x + y)`.
    Infix(&'static str, Box<Node>, Box<Node>),
    /// A call: a builtin of the table, a cast, `where`, `copy`, `ones_like` or a
    /// reduction.
    Call(&'static str, Vec<Node>),
}

impl Node {
    /// Whether a variable occurs in the tree (a tree without one is a constant).
    pub fn has_name(&self) -> bool {
        match self {
            Node::Name(_) => true,
            Node::Literal(_) => false,
            Node::Prefix(_, x) => x.has_name(),
            Node::Infix(_, x, y) => x.has_name() || y.has_name(),
            Node::Call(_, args) => args.iter().any(Node::has_name),
        }
    }

    /// Whether the value comes from a variable: as [`Node::has_name`], except that
    /// `where(c, x, y)` needs it in `x` or `y` (of constants there, it is a constant of
    /// their dtype, whatever `c` reads).
    pub fn value_has_name(&self) -> bool {
        match self {
            Node::Call("where", args) => args[1..].iter().any(Node::value_has_name),
            Node::Name(_) | Node::Literal(_) => self.has_name(),
            Node::Prefix(_, x) => x.value_has_name(),
            Node::Infix(_, x, y) => x.value_has_name() || y.value_has_name(),
            Node::Call(_, args) => args.iter().any(Node::value_has_name),
        }
    }

    /// Calls `visit` on this node and every node below it, parents first.
    pub fn walk(&self, visit: &mut impl FnMut(&Node)) {
        visit(self);
        match self {
            Node::Name(_) | Node::Literal(_) => {}
            Node::Prefix(_, x) => x.walk(visit),
            Node::Infix(_, x, y) => {
                x.walk(visit);
                y.walk(visit);
            }
            Node::Call(_, args) => args.iter().for_each(|a| a.walk(visit)),
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Name(n) => f.write_str(n),
            Node::Literal(l) => f.write_str(l),
            Node::Prefix(op, x) => write!(f, "({op}{x})"),
            Node::Infix(op, x, y) => write!(f, "({x} {op} {y})"),
            Node::Call(name, args) => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
        }
    }
}
