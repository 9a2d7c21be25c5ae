//! Evaluations that Ctrl-C stops: the kernel runs on a scoped worker thread with the
//! GIL released, while the calling thread waits for it in short intervals, taking the
//! GIL back between two to run Python's signal handlers (`py.check_signals()`). When
//! one raises (`KeyboardInterrupt`), the evaluation's `CancelToken` is cancelled: the
//! compiled loops and the driver notice it within milliseconds, the worker returns an
//! `ErrorKind::Cancelled` error, and the handler's exception is raised instead.
//!
//! Python runs signal handlers on the main thread only: an evaluation started from
//! another thread runs the same way (other threads keep running) but is not stopped
//! by Ctrl-C.

use nexpr::{CancelToken, Error, ErrorKind};
use pyo3::prelude::*;
use std::sync::mpsc;
use std::time::Duration;

/// How long the calling thread waits for the worker between two signal checks.
const CHECK_EVERY: Duration = Duration::from_millis(20);

/// Runs `f` (an evaluation attached to `token`) on a worker thread with the GIL
/// released, handling signals every `CHECK_EVERY` meanwhile. `Ok(r)`: what `f`
/// returned; `Err`: the exception of a signal handler, `f` having been cancelled.
pub(crate) fn interruptible<T: Send>(
    py: Python<'_>,
    token: &CancelToken,
    f: impl FnOnce() -> Result<T, Error> + Send,
) -> PyResult<Result<T, Error>> {
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel(1);
        s.spawn(move || {
            // `f` catches panics (`entry::guard`): a send always happens.
            let _ = tx.send(f());
        });
        let mut rx = rx;
        loop {
            // A receiver is not `Sync`: it goes into the closure and comes back.
            let (got, back) = py.detach(move || (rx.recv_timeout(CHECK_EVERY), rx));
            rx = back;
            match got {
                Ok(r) => return Ok(r),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Ok(Err(Error::new(
                        ErrorKind::Backend,
                        "the evaluation thread ended",
                    )));
                }
            }
            if let Err(interrupt) = py.check_signals() {
                token.cancel();
                // The worker stops within milliseconds; its result is dropped.
                let _ = py.detach(move || rx.recv());
                return Err(interrupt);
            }
        }
    })
}
