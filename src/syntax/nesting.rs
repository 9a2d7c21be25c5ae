//! How deeply text and trees nest, checked against `crate::limits` before anything
//! recurses over them.
//!
//! pest's generated parser recurses about a dozen rules deep per bracket (`expr` down
//! to `primary`), two per `**` and one per unary operator, and guards only its own
//! stack. So the text is scanned first: nesting beyond [`MAX_NESTING`] is an error,
//! and the scan also sizes the stack pest is given.

use super::ast::{Expr, ExprKind};
use crate::error::{Error, Result, Span};
use crate::limits::{MAX_DEPTH, MAX_NESTING, MAX_TEXT};

/// pest rule levels per bracket, per `**` and per unary operator.
const BRACKET_LEVELS: usize = 12;
const POW_LEVELS: usize = 2;
const UNARY_LEVELS: usize = 1;
/// Stack per pest rule level, with margin (measured: about 1.1 KiB in a debug build).
const BYTES_PER_LEVEL: usize = 4 * 1024;

/// Nesting state within one bracket: user-visible levels and pest rule levels.
#[derive(Clone, Copy, Default)]
struct Run {
    nesting: usize,
    levels: usize,
}

/// Checks the nesting of `text` (at byte offset `base` of the source) and returns the
/// stack pest needs to parse it.
pub fn measure(text: &str, base: usize) -> Result<usize> {
    if text.len() > MAX_TEXT {
        return Err(Error::parse(
            Span::new(base, base + text.chars().next().map_or(0, char::len_utf8)),
            format!(
                "more than {MAX_TEXT} bytes to parse at once; split the expression into \
                 statements of a program"
            ),
        ));
    }
    let b = text.as_bytes();
    let mut open: Vec<Run> = Vec::new();
    let (mut outer, mut run) = (Run::default(), Run::default());
    let mut max_levels = 0;
    // Whether the previous token ends an operand (then `-` and `+` are binary).
    let mut operand = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let mut next = i + 1;
        match c {
            b'#' => break,
            b'(' => {
                open.push(run);
                outer.nesting += run.nesting + 1;
                outer.levels += run.levels + BRACKET_LEVELS;
                run = Run::default();
                operand = false;
            }
            b')' => {
                if let Some(r) = open.pop() {
                    outer.nesting -= r.nesting + 1;
                    outer.levels -= r.levels + BRACKET_LEVELS;
                    run = r;
                }
                operand = true;
            }
            b'*' if b.get(i + 1) == Some(&b'*') => {
                run.nesting += 1;
                run.levels += POW_LEVELS;
                next = i + 2;
                operand = false;
            }
            b'-' | b'+' | b'~' if !operand => {
                run.nesting += 1;
                run.levels += UNARY_LEVELS;
            }
            b' ' | b'\t' => {}
            _ if c.is_ascii_digit() || (c == b'.' && !operand) => {
                next = number_end(b, i);
                operand = true;
            }
            _ if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c >= 0x80 => {
                operand = true;
            }
            // A binary operator of lower precedence than `**`, `,`, `=` or `:` ends
            // the right-nesting run: pest returns from those rules.
            _ => {
                run = Run::default();
                operand = false;
            }
        }
        if outer.nesting + run.nesting > MAX_NESTING {
            return Err(Error::parse(
                char_span(text, base, i),
                format!(
                    "nesting deeper than {MAX_NESTING} levels (parentheses, calls, unary \
                     operators and `**` each count one); compute parts in separate \
                     statements of a program"
                ),
            ));
        }
        max_levels = max_levels.max(outer.levels + run.levels);
        i = next;
    }
    Ok((max_levels + BRACKET_LEVELS) * BYTES_PER_LEVEL)
}

/// The end of the number literal starting at `i` (digits, `_`, `.`, an exponent with
/// its sign, a `j` suffix), so that an exponent's sign is not taken for an operator.
fn number_end(b: &[u8], mut i: usize) -> usize {
    let digits = |b: &[u8], mut i: usize| {
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_' || b[i] == b'.') {
            i += 1;
        }
        i
    };
    i = digits(b, i);
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        i = digits(b, i);
    }
    i
}

/// The span of the character at byte `i` of `text`.
fn char_span(text: &str, base: usize, i: usize) -> Span {
    let len = text[i..].chars().next().map_or(1, char::len_utf8);
    Span::new(base + i, base + i + len)
}

/// Checks that `e` is at most [`MAX_DEPTH`] levels deep, without recursing.
pub fn check_depth(e: &Expr) -> Result<()> {
    let mut stack = vec![(e, 1usize)];
    while let Some((e, d)) = stack.pop() {
        if d > MAX_DEPTH {
            return Err(Error::parse(
                e.span,
                format!(
                    "expression deeper than {MAX_DEPTH} levels (a chain `a + b + ...` \
                     counts one level per operator); compute parts in separate \
                     statements of a program"
                ),
            ));
        }
        match &e.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Imag(_)
            | ExprKind::Bool(_)
            | ExprKind::Name(_) => {}
            ExprKind::Unary(_, x) | ExprKind::Attr(x, _, _) => stack.push((x, d + 1)),
            ExprKind::Binary(_, a, b) => {
                stack.push((a, d + 1));
                stack.push((b, d + 1));
            }
            ExprKind::Compare(first, rest) => {
                stack.push((first, d + 1));
                stack.extend(rest.iter().map(|(_, _, x)| (x, d + 1)));
            }
            ExprKind::Call { args, kwargs, .. } => {
                stack.extend(args.iter().map(|x| (x, d + 1)));
                stack.extend(kwargs.iter().map(|(_, _, x)| (x, d + 1)));
            }
        }
    }
    Ok(())
}
