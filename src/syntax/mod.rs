//! Text -> AST. The grammar lives in `grammar/nexpr.pest`; this module builds the AST
//! with spans, resolves the indentation of programs, and turns pest's errors into
//! messages with a caret under the fault.

pub mod ast;
mod nesting;
pub mod parser;

pub use parser::{parse_expr, parse_program};
