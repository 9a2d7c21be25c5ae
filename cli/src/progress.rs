//! A progress bar on standard error for streamed evaluations: a [`Sink`] that forwards
//! every block to the sink it wraps and counts the elements that went by.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nexpr::io::{OutputSpec, Sink};
use nexpr::{DynView, Result};
use std::time::{Duration, Instant};

/// How long an evaluation runs before its bar appears: short ones never flicker one.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// Forwards to `inner`, and draws a bar of the elements written once the evaluation
/// has run for [`SHOW_AFTER`] (only where `visible`: standard error is a terminal and
/// `--quiet` was not given).
pub struct ProgressSink<'a> {
    inner: &'a mut dyn Sink,
    bar: ProgressBar,
    visible: bool,
    started: Instant,
}

impl<'a> ProgressSink<'a> {
    /// A bar over `inner`, drawn on standard error only if `visible`.
    pub fn new(inner: &'a mut dyn Sink, visible: bool) -> ProgressSink<'a> {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} elements ({eta})",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        ProgressSink {
            inner,
            bar,
            visible,
            started: Instant::now(),
        }
    }

    /// Removes the bar from the terminal (the evaluation's own output follows).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// Draws the bar from now on, once the evaluation has run long enough.
    fn show_when_slow(&self) {
        if self.visible && self.bar.is_hidden() && self.started.elapsed() >= SHOW_AFTER {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }
}

impl Sink for ProgressSink<'_> {
    fn start(&mut self, outputs: &[OutputSpec]) -> Result<()> {
        self.inner.start(outputs)?;
        let total = outputs
            .iter()
            .map(|o| {
                o.shape
                    .iter()
                    .fold(1u64, |a, &n| a.saturating_mul(n as u64))
            })
            .fold(0u64, u64::saturating_add);
        self.bar.set_length(total);
        Ok(())
    }

    fn block(&mut self, blocks: &[DynView<'_>]) -> Result<()> {
        self.inner.block(blocks)?;
        let elements: u64 = blocks.iter().map(|b| elements(b.shape())).sum();
        self.bar.inc(elements);
        self.show_when_slow();
        Ok(())
    }
}

impl Drop for ProgressSink<'_> {
    fn drop(&mut self) {
        // An error or a cancellation ends the evaluation early: no bar is left behind.
        self.bar.finish_and_clear();
    }
}

/// The elements of an array of `shape` (saturating: a bar's length, never an error).
fn elements(shape: &[usize]) -> u64 {
    shape.iter().fold(1u64, |a, &n| a.saturating_mul(n as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexpr::io::MemorySink;
    use nexpr::DType;

    #[test]
    fn counts_every_element_and_forwards_the_blocks() {
        let mut memory = MemorySink::new();
        let mut sink = ProgressSink::new(&mut memory, false);
        sink.start(&[
            OutputSpec::new("x", DType::F64, &[5]),
            OutputSpec::new("n", DType::I32, &[5]),
        ])
        .unwrap();
        let (x1, n1) = (
            ndarray::arr1(&[1.0f64, 2.0, 3.0]),
            ndarray::arr1(&[1i32, 2, 3]),
        );
        sink.block(&[(&x1).into(), (&n1).into()]).unwrap();
        assert_eq!(sink.bar.position(), 6);
        let (x2, n2) = (ndarray::arr1(&[4.0f64, 5.0]), ndarray::arr1(&[4i32, 5]));
        sink.block(&[(&x2).into(), (&n2).into()]).unwrap();
        assert_eq!(sink.bar.position(), 10);
        assert!(sink.bar.is_hidden(), "not visible: never drawn");
        drop(sink);
        let out = memory.finish().unwrap();
        let x = out["x"].as_array::<f64>().unwrap();
        assert_eq!(x.as_slice().unwrap(), &[1.0, 2.0, 3.0, 4.0, 5.0]);
    }
}
