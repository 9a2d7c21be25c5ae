//! [`CancelToken`]: a flag that stops an evaluation from another thread (or a signal
//! handler) within a fraction of a second.
//!
//! The compiled CPU kernels read the flag through a pointer on the back edge of every
//! `for` loop, the CPU driver before every chunk, the interpreter on every loop
//! iteration and element; a cancelled evaluation returns an [`ErrorKind::Cancelled`]
//! error and never a partial result. The flag is an `AtomicU32` (not an `AtomicBool`)
//! because machine code loads it as a 32-bit word.

use crate::error::{Error, ErrorKind};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// A handle that cancels the evaluations it is attached to (see [`crate::Vars::with_cancel`]
/// and [`crate::Kernel::eval_streamed_with_cancel`]). Clones share one flag; once
/// cancelled it stays cancelled.
///
/// ```
/// use nexpr::{CancelToken, ErrorKind, Program, Target, Vars};
/// let a = ndarray::arr1(&[0.0f64]);
/// let token = CancelToken::new();
/// let vars = Vars::new().with("a", &a).with_cancel(&token);
/// let forever = Program::parse("output y\ny = a\nfor i in range(10**12):\n    y = y + 1.0\n")?
///     .compile(Target::Cpu { threads: 1 })?;
/// let canceller = token.clone();
/// std::thread::spawn(move || {
///     std::thread::sleep(std::time::Duration::from_millis(20));
///     canceller.cancel();
/// });
/// assert_eq!(forever.run(&vars).unwrap_err().kind, ErrorKind::Cancelled);
/// assert!(token.is_cancelled());
/// # Ok::<(), nexpr::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct CancelToken {
    flag: Arc<AtomicU32>,
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Cancels every evaluation this token (or a clone) is attached to. Only an atomic
    /// store: it may be called from a signal handler.
    pub fn cancel(&self) {
        self.flag.store(1, Ordering::Relaxed);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed) != 0
    }

    /// The flag that compiled kernels load: nonzero once cancelled.
    pub(crate) fn flag(&self) -> &AtomicU32 {
        &self.flag
    }
}

/// The flag of an evaluation without a token: never set.
pub(crate) static NEVER: AtomicU32 = AtomicU32::new(0);

/// The flag an evaluation checks: its token's, or [`NEVER`].
pub(crate) fn flag_of(token: Option<&CancelToken>) -> &AtomicU32 {
    token.map_or(&NEVER, CancelToken::flag)
}

/// Ok while `flag` is not set; else the error of a cancelled evaluation.
pub(crate) fn check(flag: &AtomicU32) -> crate::error::Result<()> {
    match flag.load(Ordering::Relaxed) {
        0 => Ok(()),
        _ => Err(cancelled()),
    }
}

/// The error of a cancelled evaluation.
pub(crate) fn cancelled() -> Error {
    Error::new(ErrorKind::Cancelled, "evaluation cancelled")
}
