//! The one error type of the crate. Errors that come from a place in the source text
//! carry its span, and render the source with a caret under the fault.

use std::fmt;

/// What went wrong, which also decides the CLI's exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed source text.
    Parse,
    /// Well-formed text that does not type-check (bad operand dtype, wrong arity...).
    Type,
    /// A name that is neither bound by the variables nor assigned by the program.
    Name,
    /// Arrays whose shapes do not broadcast, or an output of the wrong shape.
    Shape,
    /// An array whose dtype nexpr does not carry (uint64, strings, ...).
    DType,
    /// An error raised while computing (integer to a negative power, empty reduction).
    Eval,
    /// A file that cannot be read or written.
    Io,
    /// A backend that cannot run here (no NVRTC, no CUDA device) or failed to compile.
    Backend,
    /// A command-line usage error.
    Usage,
}

/// A byte range in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    /// Where in `source` the fault is, when it comes from the text.
    pub span: Option<Span>,
    /// The expression or program text, kept to render the caret.
    pub source: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            span: None,
            source: None,
        }
    }
    pub fn at(kind: ErrorKind, span: Span, message: impl Into<String>) -> Error {
        Error {
            span: Some(span),
            ..Error::new(kind, message)
        }
    }
    pub fn with_source(mut self, src: &str) -> Error {
        if self.source.is_none() {
            self.source = Some(src.to_string());
        }
        self
    }
    pub fn parse(span: Span, m: impl Into<String>) -> Error {
        Error::at(ErrorKind::Parse, span, m)
    }
    pub fn ty(span: Span, m: impl Into<String>) -> Error {
        Error::at(ErrorKind::Type, span, m)
    }
    pub fn eval(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::Eval, m)
    }
    pub fn backend(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::Backend, m)
    }
    pub fn io(path: &std::path::Path, m: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Io, format!("{}: {m}", path.display()))
    }

    /// The CLI's exit code: 2 for what the user typed, 1 for data and evaluation.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::Parse | ErrorKind::Type | ErrorKind::Name | ErrorKind::Usage => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.kind {
            ErrorKind::Parse => "syntax error",
            ErrorKind::Type => "type error",
            ErrorKind::Name => "name error",
            ErrorKind::Shape => "shape error",
            ErrorKind::DType => "dtype error",
            ErrorKind::Eval => "evaluation error",
            ErrorKind::Io => "I/O error",
            ErrorKind::Backend => "backend error",
            ErrorKind::Usage => "usage error",
        };
        write!(f, "{label}: {}", self.message)?;
        if let (Some(span), Some(src)) = (self.span, &self.source) {
            write!(f, "\n{}", caret(src, span))?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Renders the source line holding `span` with carets under it:
/// ```text
///   --> line 1, column 5
///    |
///  1 | a + * b
///    |     ^
/// ```
pub fn caret(src: &str, span: Span) -> String {
    let start = span.start.min(src.len());
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let line_no = src[..line_start].matches('\n').count() + 1;
    let line = &src[line_start..line_end];
    let col = src[line_start..start].chars().count();
    let width = src[start..span.end.clamp(start, line_end)]
        .chars()
        .count()
        .max(1);
    let num = line_no.to_string();
    let pad = " ".repeat(num.len());
    format!(
        "{pad}--> line {line_no}, column {}\n{pad} |\n{num} | {line}\n{pad} | {}{}",
        col + 1,
        " ".repeat(col),
        "^".repeat(width)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_span() {
        let s = caret("a + * b", Span::new(4, 5));
        assert!(s.ends_with("1 | a + * b\n  |     ^"), "{s}");
    }

    #[test]
    fn caret_on_second_line() {
        let s = caret("x = 1\ny = ?", Span::new(10, 11));
        assert!(s.contains("line 2, column 5"), "{s}");
        assert!(s.ends_with("2 | y = ?\n  |     ^"), "{s}");
    }
}
