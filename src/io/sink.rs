//! Where streamed results go: the [`Sink`] trait, the checks every sink of this crate
//! makes on the calls it gets, and [`MemorySink`]. The file sinks are in `outfile.rs`.

use super::npy::{bytes_of_mut, view_bytes};
use crate::array::{DynArray, DynView};
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Result};
use std::collections::BTreeMap;

/// One output of a streamed evaluation, as announced to [`Sink::start`]: its name,
/// dtype and shape (the elements then come in C order).
///
/// ```
/// use nexpr::{io::OutputSpec, DType};
/// let s = OutputSpec::new("result", DType::F64, &[3, 4]);
/// assert_eq!((s.name.as_str(), s.dtype, s.shape.as_slice()), ("result", DType::F64, &[3, 4][..]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutputSpec {
    /// The output's name (`result` for an expression).
    pub name: String,
    /// Its dtype.
    pub dtype: DType,
    /// Its shape (empty for a 0-d result, such as a whole-array reduction).
    pub shape: Vec<usize>,
}

impl OutputSpec {
    /// An output called `name` of `dtype` and `shape`.
    ///
    /// ```
    /// use nexpr::{io::OutputSpec, DType};
    /// assert!(OutputSpec::new("s", DType::I64, &[]).shape.is_empty());
    /// ```
    pub fn new(name: impl Into<String>, dtype: DType, shape: &[usize]) -> OutputSpec {
        OutputSpec {
            name: name.into(),
            dtype,
            shape: shape.to_vec(),
        }
    }

    /// The number of elements, or a [`ErrorKind::Shape`] error if it overflows.
    fn elements(&self) -> Result<usize> {
        self.shape
            .iter()
            .try_fold(1usize, |a, &n| a.checked_mul(n))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Shape,
                    format!(
                        "output `{}`: shape {:?} is too large",
                        self.name, self.shape
                    ),
                )
            })
    }
}

/// Where a streamed evaluation ([`Kernel::eval_streamed`]) sends its results.
///
/// [`Sink::start`] is called once, with every output; then [`Sink::block`] with the
/// next elements of every output (all outputs advance together, in C order), until
/// each has had all its elements. Elementwise results come in blocks of the
/// evaluation's block length (the last one shorter); a whole-array reduction or a
/// result computed in memory comes as one block. The caller finishes the sink: the
/// sinks of this crate have a `finish` method, which checks that every element came.
///
/// Implement it to consume results as they are computed:
///
/// ```
/// use nexpr::io::{Input, OutputSpec, Sink};
/// use nexpr::{DType, DynArray, DynView, Expr, Target};
/// use std::collections::BTreeMap;
///
/// /// Counts the true elements of a bool result without storing it.
/// #[derive(Default)]
/// struct CountTrue(usize);
///
/// impl Sink for CountTrue {
///     fn start(&mut self, outputs: &[OutputSpec]) -> nexpr::Result<()> {
///         assert_eq!(outputs[0].dtype, DType::Bool);
///         Ok(())
///     }
///     fn block(&mut self, blocks: &[DynView<'_>]) -> nexpr::Result<()> {
///         if let DynView::Bool(b) = &blocks[0] {
///             self.0 += b.iter().filter(|&&x| x).count();
///         }
///         Ok(())
///     }
/// }
///
/// let x = ndarray::Array1::from_iter((0..100_000).map(|i| i as f64)).into_dyn();
/// let mut inputs = BTreeMap::from([("x".to_string(), Input::from_array(x))]);
/// let mut count = CountTrue::default();
/// Expr::parse("x % 3 == 0")?
///     .compile(Target::Interp)?
///     .eval_streamed(&mut inputs, &mut count)?;
/// assert_eq!(count.0, 33_334);
/// # Ok::<(), nexpr::Error>(())
/// ```
///
/// [`Kernel::eval_streamed`]: crate::Kernel::eval_streamed
pub trait Sink {
    /// Called once, before any block, with each output's name, dtype and shape.
    fn start(&mut self, outputs: &[OutputSpec]) -> Result<()>;

    /// The next elements of every output, in the order [`Sink::start`] gave them:
    /// `blocks[k]` holds the next `blocks[k].len()` elements of output `k`, in C
    /// order (the views this crate passes are 1-d and contiguous).
    fn block(&mut self, blocks: &[DynView<'_>]) -> Result<()>;
}

/// What a started sink expects: each output's dtype and the elements it still lacks.
/// The checks the sinks of this module make on the calls they get.
#[derive(Debug)]
pub(super) struct Expected(Vec<(DType, usize)>);

impl Expected {
    /// Checks the outputs of [`Sink::start`] (names distinct, sizes that fit).
    pub(super) fn new(outputs: &[OutputSpec]) -> Result<Expected> {
        let mut left = Vec::with_capacity(outputs.len());
        for (k, o) in outputs.iter().enumerate() {
            if outputs[..k].iter().any(|p| p.name == o.name) {
                return Err(usage(format!("two outputs are called `{}`", o.name)));
            }
            left.push((o.dtype, o.elements()?));
        }
        Ok(Expected(left))
    }

    /// Checks the blocks of [`Sink::block`] against what is still expected, and counts
    /// them as come.
    pub(super) fn block(&mut self, blocks: &[DynView<'_>]) -> Result<()> {
        if blocks.len() != self.0.len() {
            let (b, o) = (blocks.len(), self.0.len());
            return Err(usage(format!("{b} blocks for {o} outputs")));
        }
        for (k, (b, &(dtype, left))) in blocks.iter().zip(&self.0).enumerate() {
            if b.dtype() != dtype {
                let t = b.dtype();
                return Err(usage(format!("a block of {t} for output {k}, of {dtype}")));
            }
            if elements(b) > left {
                return Err(usage(format!(
                    "more elements than output {k} holds ({left} more expected)"
                )));
            }
        }
        for ((_, left), b) in self.0.iter_mut().zip(blocks) {
            *left -= elements(b);
        }
        Ok(())
    }

    /// Checks that every element of every output came.
    pub(super) fn finish(&self) -> Result<()> {
        match self.0.iter().position(|&(_, left)| left > 0) {
            Some(k) => Err(usage(format!(
                "incomplete result: output {k} lacks {} elements",
                self.0[k].1
            ))),
            None => Ok(()),
        }
    }
}

/// A usage error (a call out of order).
pub(super) fn usage(m: String) -> Error {
    Error::new(ErrorKind::Usage, m)
}

/// The state of a sink once started; a usage error before that.
pub(super) fn started<T>(state: &mut Option<T>) -> Result<&mut T> {
    state
        .as_mut()
        .ok_or_else(|| usage("the sink was not started".into()))
}

/// A usage error if the sink was started already.
pub(super) fn not_started<T>(state: &Option<T>) -> Result<()> {
    match state {
        Some(_) => Err(usage("a sink is started only once".into())),
        None => Ok(()),
    }
}

/// The number of elements of a view.
pub(super) fn elements(v: &DynView<'_>) -> usize {
    v.shape().iter().product()
}

/// Keeps the outputs of a streamed evaluation in memory: the arrays of
/// [`Kernel::run`], from inputs read a block at a time.
///
/// ```
/// use nexpr::io::{Input, MemorySink};
/// use nexpr::{DType, DynArray, Expr, Target};
/// use std::collections::BTreeMap;
/// let mut inputs = BTreeMap::from([
///     ("a".to_string(), Input::from_array(DynArray::zeros(DType::F32, &[3, 4]))),
/// ]);
/// let mut sink = MemorySink::new();
/// Expr::parse("a + 1")?.compile(Target::Interp)?.eval_streamed(&mut inputs, &mut sink)?;
/// let out = sink.finish()?;
/// assert_eq!(out["result"].shape(), &[3, 4]);
/// # Ok::<(), nexpr::Error>(())
/// ```
///
/// [`Kernel::run`]: crate::Kernel::run
#[derive(Debug, Default)]
pub struct MemorySink {
    /// Once started: what is expected, and each output in the order of `start`.
    state: Option<(Expected, Vec<Filling>)>,
}

/// An output of a [`MemorySink`]: its name, its array, and the elements it has had.
type Filling = (String, DynArray, usize);

impl MemorySink {
    /// An empty sink.
    ///
    /// ```
    /// let sink = nexpr::io::MemorySink::new();
    /// assert!(sink.finish().is_err()); // never started
    /// ```
    pub fn new() -> MemorySink {
        MemorySink::default()
    }

    /// Every output by name, once each has had all its elements.
    ///
    /// ```
    /// use nexpr::io::{MemorySink, OutputSpec, Sink};
    /// let mut sink = MemorySink::new();
    /// sink.start(&[OutputSpec::new("x", nexpr::DType::I64, &[2])])?;
    /// sink.block(&[(&ndarray::arr1(&[4i64, 5])).into()])?;
    /// assert_eq!(sink.finish()?["x"].as_array::<i64>().unwrap().as_slice().unwrap(), &[4, 5]);
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn finish(mut self) -> Result<BTreeMap<String, DynArray>> {
        started(&mut self.state)?.0.finish()?;
        let (_, outputs) = self.state.take().expect("started");
        Ok(outputs.into_iter().map(|(name, a, _)| (name, a)).collect())
    }
}

impl Sink for MemorySink {
    fn start(&mut self, outputs: &[OutputSpec]) -> Result<()> {
        not_started(&self.state)?;
        let expected = Expected::new(outputs)?;
        let arrays = outputs
            .iter()
            .map(|o| Ok((o.name.clone(), DynArray::try_zeros(o.dtype, &o.shape)?, 0)))
            .collect::<Result<Vec<_>>>()?;
        self.state = Some((expected, arrays));
        Ok(())
    }

    fn block(&mut self, blocks: &[DynView<'_>]) -> Result<()> {
        let (expected, outputs) = started(&mut self.state)?;
        expected.block(blocks)?;
        for ((_, dst, at), b) in outputs.iter_mut().zip(blocks) {
            let src = view_bytes(b)?;
            let from = *at * b.dtype().size();
            bytes_of_mut(dst)[from..from + src.len()].copy_from_slice(&src);
            *at += elements(b);
        }
        Ok(())
    }
}
