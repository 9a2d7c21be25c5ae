//! The reference interpreter: walks the IR one element at a time with the scalar
//! semantics of `crate::value`. Written for obvious correctness, not speed; rayon
//! splits the elements across threads only so that large tests stay bearable.

use super::{Executable, OutBuf};
use crate::cancel;
use crate::error::{Error, Result};
use crate::ir::builder::Marks;
use crate::ir::{Func, Op, Stmt, ValueId};
use crate::runtime::bind::read_scalar;
use crate::runtime::Bound;
use crate::value::{self, Scalar};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::AtomicU32;

pub struct Interp {
    func: Func,
    /// For each statement root, the nodes it needs, in evaluation order.
    plans: HashMap<ValueId, Vec<ValueId>>,
}

enum Flow {
    Normal,
    Break,
}

const CHUNK: usize = 4096;

impl Interp {
    pub fn new(func: Func) -> Interp {
        let mut plans = HashMap::new();
        let mut marks = Marks::new(func.nodes.len());
        func.for_each_root(|root| {
            plans.insert(root, marks.reachable(&func.nodes, root));
        });
        Interp { func, plans }
    }

    fn eval(&self, root: ValueId, el: &mut Element) -> Result<Scalar> {
        for &id in &self.plans[&root] {
            let n = &self.func.nodes[id as usize];
            let arg = |k: usize| el.vals[n.args[k] as usize];
            let v = match n.op {
                Op::Input(k) => {
                    let inp = &el.bound.inputs[k as usize];
                    // SAFETY: `el.index` is below the bound length (see `run_range`).
                    unsafe { read_scalar(&inp.view, inp.offset(&el.bound.shape, el.index)) }
                }
                Op::Const(c) => c,
                Op::Var(v) => el.locals[v as usize],
                Op::Cast => arg(0).cast(n.ty),
                Op::Unary(u) => value::unary(u, arg(0), n.ty),
                Op::Binary(b) => value::binary(b, arg(0), arg(1), n.ty).map_err(Error::eval)?,
                Op::Where => {
                    if arg(0).is_true() {
                        arg(1)
                    } else {
                        arg(2)
                    }
                }
            };
            el.vals[id as usize] = v;
        }
        Ok(el.vals[root as usize])
    }

    fn block(&self, body: &[Stmt], el: &mut Element) -> Result<Flow> {
        crate::limits::stack(|| self.block_at(body, el))
    }

    fn block_at(&self, body: &[Stmt], el: &mut Element) -> Result<Flow> {
        for s in body {
            match s {
                Stmt::Assign { var, value } => {
                    el.locals[*var as usize] = self.eval(*value, el)?;
                }
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => {
                    let c = self.eval(*cond, el)?.is_true();
                    if let Flow::Break = self.block(if c { then_body } else { else_body }, el)? {
                        return Ok(Flow::Break);
                    }
                }
                Stmt::For {
                    var,
                    start,
                    end,
                    body,
                } => {
                    let a = self.eval(*start, el)?;
                    let b = self.eval(*end, el)?;
                    let (Scalar::I64(a), Scalar::I64(b)) = (a, b) else {
                        unreachable!("range bounds are int64 after type checking")
                    };
                    let ty = self.func.vars[*var as usize].ty;
                    for i in a..b {
                        // A loop may run for ever: it stops when cancelled.
                        cancel::check(el.cancel)?;
                        el.locals[*var as usize] = Scalar::I64(i).cast(ty);
                        if let Flow::Break = self.block(body, el)? {
                            break;
                        }
                    }
                }
                Stmt::Break => return Ok(Flow::Break),
            }
        }
        Ok(Flow::Normal)
    }

    /// Elements `lo..hi`, element `i` written to element `i - base` of each output.
    fn run_range(
        &self,
        bound: &Bound,
        outputs: &[OutBuf],
        lo: usize,
        hi: usize,
        base: usize,
    ) -> Result<()> {
        let mut el = Element {
            bound,
            cancel: cancel::flag_of(bound.cancel.as_ref()),
            index: 0,
            vals: vec![Scalar::Bool(false); self.func.nodes.len()],
            locals: vec![Scalar::Bool(false); self.func.vars.len()],
        };
        for i in lo..hi {
            cancel::check(el.cancel)?;
            el.index = i;
            for (k, l) in self.func.vars.iter().enumerate() {
                el.locals[k] = match l.init_from {
                    Some(inp) => {
                        let b = &bound.inputs[inp as usize];
                        // SAFETY: `i < hi <= bound.len()`: `run_span` splits a part of
                        // `0..bound.len()`.
                        unsafe { read_scalar(&b.view, b.offset(&bound.shape, i)) }.cast(l.ty)
                    }
                    None => Scalar::zero(l.ty),
                };
            }
            self.block(&self.func.body, &mut el)?;
            for (o, &v) in outputs.iter().zip(&self.func.outputs) {
                // SAFETY: `base <= i < base + len` of every output buffer (checked by
                // `run_span`), and the value's dtype is the buffer's (both are the
                // local's dtype).
                unsafe { write_scalar(*o, i - base, el.locals[v as usize]) };
            }
        }
        Ok(())
    }
}

struct Element<'a, 'v> {
    bound: &'a Bound<'v>,
    /// The evaluation's cancellation flag, checked per element and loop iteration.
    cancel: &'a AtomicU32,
    index: usize,
    vals: Vec<Scalar>,
    locals: Vec<Scalar>,
}

/// Writes `s` as element `i` of `o`.
///
/// # Safety
/// Element `i` of `o` exists (`i < o.len`) and `s.dtype() == o.dtype`.
pub(crate) unsafe fn write_scalar(o: OutBuf, i: usize, s: Scalar) {
    debug_assert!(i < o.len && s.dtype() == o.dtype);
    match s {
        Scalar::Bool(x) => *(o.ptr as *mut bool).add(i) = x,
        Scalar::I32(x) => *(o.ptr as *mut i32).add(i) = x,
        Scalar::I64(x) => *(o.ptr as *mut i64).add(i) = x,
        Scalar::F32(x) => *(o.ptr as *mut f32).add(i) = x,
        Scalar::F64(x) => *(o.ptr as *mut f64).add(i) = x,
        Scalar::C64(x) => *(o.ptr as *mut num_complex::Complex32).add(i) = x,
        Scalar::C128(x) => *(o.ptr as *mut num_complex::Complex64).add(i) = x,
    }
}

impl Executable for Interp {
    fn run(&self, bound: &Bound, outputs: &[OutBuf]) -> Result<()> {
        self.run_span(bound, outputs, 0, bound.len())
    }

    fn spans(&self) -> bool {
        true
    }

    fn run_span(&self, bound: &Bound, outputs: &[OutBuf], lo: usize, hi: usize) -> Result<()> {
        let types: Vec<_> = self
            .func
            .outputs
            .iter()
            .map(|&v| self.func.vars[v as usize].ty)
            .collect();
        super::check_outputs(outputs, hi - lo, &types)?;
        if hi - lo <= CHUNK {
            return self.run_range(bound, outputs, lo, hi, lo);
        }
        (0..(hi - lo).div_ceil(CHUNK))
            .into_par_iter()
            .try_for_each(|c| {
                let s = lo + c * CHUNK;
                self.run_range(bound, outputs, s, (s + CHUNK).min(hi), lo)
            })
    }
}
