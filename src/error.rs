//! The one error type of the crate. Errors that come from a place in the source text
//! carry its span, and render the source with a caret under the fault.

use std::fmt;

/// What went wrong, which also decides the CLI's exit code (2 for `Parse`, `Type`,
/// `Name`, `Usage`, `Overflow` and `ZeroDivision`: what the user typed; 130 for `Cancelled`, as a shell reports
/// SIGINT; 1 for the rest).
///
/// New kinds may be added: match with a wildcard arm.
///
/// ```
/// use nexpr::{ErrorKind, Expr};
/// let e = Expr::parse("a + * b").unwrap_err();
/// assert_eq!(e.kind, ErrorKind::Parse);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Malformed source text.
    Parse,
    /// Well-formed text that does not type-check (bad operand dtype, wrong arity...).
    Type,
    /// A name that is neither bound by the variables nor assigned by the program.
    Name,
    /// Arrays whose shapes do not broadcast, or an output of the wrong shape.
    Shape,
    /// An array whose dtype nexpr does not carry (uint64, strings, ...), or an output
    /// array of another dtype than the result.
    DType,
    /// An error raised while computing (integer to a negative power, empty reduction),
    /// or a constant expression's `ValueError` in Python (`1 << -1`).
    Eval,
    /// A file that cannot be read or written.
    Io,
    /// A backend that cannot run here (no NVRTC, no CUDA device) or failed to compile.
    Backend,
    /// A usage error: a bad option value, or a call the kernel does not support.
    Usage,
    /// A result, or the memory an evaluation needs, larger than can be allocated
    /// (NumPy's `MemoryError`): nothing was computed.
    Memory,
    /// An evaluation stopped by its [`crate::CancelToken`] (the CLI: by SIGINT or
    /// SIGTERM); nothing of its result is returned.
    Cancelled,
    /// A constant too large for the dtype it meets (`int32_array + 3000000000`,
    /// `2.0**5000`): Python's and NumPy's `OverflowError`.
    Overflow,
    /// A constant expression dividing by zero (`1/0`, `5 % 0`): Python's
    /// `ZeroDivisionError`.
    ZeroDivision,
}

/// What the text most likely meant, where a parse error is a common mistake the
/// parser recognizes; a caller may word its advice or pick its exception by it.
///
/// New hints may be added: match with a wildcard arm.
///
/// ```
/// use nexpr::{Expr, Hint};
/// let e = Expr::parse("(a > 1) and (a < 9)").unwrap_err();
/// assert_eq!(e.hint, Some(Hint::PythonBooleanOperator));
/// assert!(e.message.contains("use `&` instead of `and`"), "{e}");
/// assert_eq!(Expr::parse("a + * b").unwrap_err().hint, None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Hint {
    /// Python's `and`, `or` or `not`, which do not apply elementwise (the fault's
    /// span is the word): the language's `&`, `|` and `~` do.
    PythonBooleanOperator,
}

/// A byte range `start..end` in the source text.
///
/// ```
/// use nexpr::{Expr, Span};
/// let e = Expr::parse("a + * b").unwrap_err();
/// assert_eq!(e.span, Some(Span::new(4, 5)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    pub(crate) fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// The error of every fallible nexpr call.
///
/// `kind` says what class of fault it is, `message` what exactly, and for faults in
/// the expression or program text, `span` where in `text`. Its `Display` form is the
/// kind's label, the message and, with a span, the text's line with a caret under it.
///
/// ```
/// use nexpr::{ErrorKind, Expr};
/// let e = Expr::parse("a + * b").unwrap_err();
/// assert_eq!(e.kind, ErrorKind::Parse);
/// assert_eq!(e.text.as_deref(), Some("a + * b"));
/// assert!(e.to_string().ends_with("1 | a + * b\n  |     ^"), "{e}");
/// let mine = nexpr::Error::new(ErrorKind::Usage, "no input");
/// assert_eq!(mine.to_string(), "usage error: no input");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Error {
    /// What class of fault this is.
    pub kind: ErrorKind,
    /// What went wrong, one line without the kind's label.
    pub message: String,
    /// Where in `text` the fault is, when it comes from the text.
    pub span: Option<Span>,
    /// The expression or program text the span points into, kept to render the caret.
    pub text: Option<String>,
    /// The common mistake this error is, where the parser recognized one.
    pub hint: Option<Hint>,
}

/// `std::result::Result` with [`Error`] as the default error type.
///
/// ```
/// fn double(src: &str) -> nexpr::Result<nexpr::Expr> {
///     nexpr::Expr::parse(&format!("2*({src})"))
/// }
/// assert!(double("a").is_ok());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with `message` and no span (for code that wraps nexpr calls
    /// and reports its own failures the same way): `Error::new(ErrorKind::Usage, "no
    /// input")` displays as `usage error: no input`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            span: None,
            text: None,
            hint: None,
        }
    }
    pub(crate) fn at(kind: ErrorKind, span: Span, message: impl Into<String>) -> Error {
        Error {
            span: Some(span),
            ..Error::new(kind, message)
        }
    }
    /// Keeps `src` as the text the span points into, unless one is kept already.
    pub(crate) fn with_source(mut self, src: &str) -> Error {
        if self.text.is_none() {
            self.text = Some(src.to_string());
        }
        self
    }
    pub(crate) fn parse(span: Span, m: impl Into<String>) -> Error {
        Error::at(ErrorKind::Parse, span, m)
    }
    pub(crate) fn ty(span: Span, m: impl Into<String>) -> Error {
        Error::at(ErrorKind::Type, span, m)
    }
    pub(crate) fn eval(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::Eval, m)
    }
    pub(crate) fn backend(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::Backend, m)
    }
    pub(crate) fn memory(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::Memory, m)
    }
    pub(crate) fn io(path: &std::path::Path, m: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Io, format!("{}: {m}", path.display()))
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
            ErrorKind::Memory => "out of memory",
            ErrorKind::Cancelled => "interrupted",
            ErrorKind::Overflow => "overflow error",
            ErrorKind::ZeroDivision => "division by zero",
        };
        write!(f, "{label}: {}", self.message)?;
        if let (Some(span), Some(src)) = (self.span, &self.text) {
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
/// Any span is accepted: it is clamped to the text and widened to whole characters.
/// The column counts characters; the carets sit under the fault as a terminal shows
/// it (CJK and emoji two columns wide, tabs as four spaces, control characters as
/// `�`), and a long line is cut to the part around the fault.
pub(crate) fn caret(src: &str, span: Span) -> String {
    let start = src.floor_char_boundary(span.start.min(src.len()));
    let end = src.ceil_char_boundary(span.end.clamp(start, src.len()));
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let line_no = src[..line_start].matches('\n').count() + 1;
    // A byte-order mark before the first line is not part of what is shown.
    let bom = if line_start == 0 && src.starts_with('\u{feff}') {
        3
    } else {
        0
    };
    let line = src[line_start + bom..line_end].trim_end_matches('\r');
    let a = (start.max(bom) - line_start - bom).min(line.len());
    let b = (end.min(line_end).max(bom) - line_start - bom).clamp(a, line.len());
    let col = line[..a].chars().count() + 1;
    let (before, before_w, cut_before) = shown_tail(&line[..a], CARET_CONTEXT);
    let (marked, marked_w, cut_marked) = shown_head(&line[a..b], CARET_CONTEXT);
    let (after, _, cut_after) = match cut_marked {
        true => (String::new(), 0, true),
        false => shown_head(&line[b..], CARET_CONTEXT),
    };
    let lead = if cut_before { "…" } else { "" };
    let trail = if cut_after { "…" } else { "" };
    let num = line_no.to_string();
    let pad = " ".repeat(num.len());
    format!(
        "{pad}--> line {line_no}, column {col}\n{pad} |\n\
         {num} | {lead}{before}{marked}{after}{trail}\n{pad} | {}{}",
        " ".repeat(usize::from(cut_before) + before_w),
        "^".repeat(marked_w.max(1))
    )
}

/// Display columns of the text shown on each side of a caret, at most.
const CARET_CONTEXT: usize = 60;

/// A character as a terminal should show it: a tab as four spaces; control and
/// bidirectional-override characters (which would reorder the line) as `�`.
fn shown(c: char) -> (std::borrow::Cow<'static, str>, usize) {
    use unicode_width::UnicodeWidthChar;
    match c {
        '\t' => ("    ".into(), 4),
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => ("\u{fffd}".into(), 1),
        c if c.is_control() => ("\u{fffd}".into(), 1),
        c => (c.to_string().into(), c.width().unwrap_or(0)),
    }
}

/// The first characters of `s` as shown, up to `max` columns: (text, width, cut).
fn shown_head(s: &str, max: usize) -> (String, usize, bool) {
    let (mut out, mut width) = (String::new(), 0);
    for c in s.chars() {
        let (piece, w) = shown(c);
        if width + w > max {
            return (out, width, true);
        }
        out.push_str(&piece);
        width += w;
    }
    (out, width, false)
}

/// The last characters of `s` as shown, up to `max` columns: (text, width, cut).
fn shown_tail(s: &str, max: usize) -> (String, usize, bool) {
    let (mut pieces, mut width) = (Vec::new(), 0);
    let mut cut = false;
    for c in s.chars().rev() {
        let (piece, w) = shown(c);
        if width + w > max {
            cut = true;
            break;
        }
        pieces.push(piece);
        width += w;
    }
    pieces.reverse();
    (pieces.concat(), width, cut)
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
