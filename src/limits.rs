//! How deeply input may nest, and the stack that recursion over it runs on.
//!
//! Every walk over the AST, the statements or the IR is recursive (parsing, type
//! checking, lowering, interpretation, dropping). Two things keep them from overflowing
//! the stack of whatever thread calls the library, even a 2 MiB one:
//!
//! * limits, checked before anything recurses: [`MAX_NESTING`] on the text (before
//!   pest sees it), [`MAX_DEPTH`] on each expression's tree, [`MAX_BLOCKS`] on the
//!   statement blocks of programs. Each error names the limit and how to stay under it.
//! * [`stack`]: each recursive step runs on a fresh heap-allocated stack segment when
//!   less than [`RED_ZONE`] is left (as rustc does), so the limits bound time and
//!   memory, not the caller's stack size.
//!
//! The expression limits are far beyond hand-written code (numexpr refuses a few
//! hundred nested parentheses, CPython's compiler about 3,000 terms of `1+1+...`) and
//! keep the worst case to tens of megabytes of stack segments in a debug build.

/// Nesting of the text: brackets (parentheses, calls) plus operators that nest to
/// their right (unary `- + ~`, `**`), counted before parsing.
pub const MAX_NESTING: usize = 2_000;

/// Depth of one expression's tree, where `a+b+c` is two levels: long chains of
/// operators count too.
pub const MAX_DEPTH: usize = 10_000;

/// Indented blocks (`if`, `for`) nested in a program: Python's own limit (its
/// tokenizer's `MAXINDENT`). Compiled loops nested `n` deep carry every outer loop's
/// state through every inner loop, so their code grows as `n * n`: 100 nested loops
/// compile in half a second, 1,000 would take minutes. (`elif` chains are not
/// nesting here, as in Python, and may be of any length.)
pub const MAX_BLOCKS: usize = 100;

/// Bytes of text parsed at once: an expression, or one line of a program. pest keeps
/// a few hundred bytes of parse tree per byte of text, so this bounds its memory.
pub const MAX_TEXT: usize = 1 << 20;

/// Stack that must be left before a recursive step runs in place; more than any one
/// step (a type-checking or lowering frame and the library calls under it) needs.
pub const RED_ZONE: usize = 256 * 1024;

/// Size of each new stack segment.
const SEGMENT: usize = 4 * 1024 * 1024;

/// Runs `f` (one step of a recursion) on the current stack, or on a new segment when
/// the current one is nearly used up.
#[inline]
pub fn stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}

/// Runs `f` with at least `bytes` of stack (plus the red zone) available.
pub fn with_stack<R>(bytes: usize, f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(bytes + RED_ZONE, bytes + SEGMENT, f)
}
