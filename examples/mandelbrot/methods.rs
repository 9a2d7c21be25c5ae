//! The Mandelbrot methods the example and the benchmark (`benches/mandelbrot.rs`)
//! both time: the grid, the naive masked-array baseline, the expression sequence and
//! the fused program.

use ndarray::{Array1, ArrayD, IxDyn};
use nexpr::{DynArray, ErrorKind, Expr, Kernel, Target, Vars};
use num_complex::Complex64;

// ---------------------------------------------------------------------------------
// The grid and the plain-Rust baseline
// ---------------------------------------------------------------------------------

/// NumPy's `linspace`: `start + i*step`, with the last point exactly `stop`, so the
/// grid (and hence the checksum) matches the NumPy original bit for bit.
pub fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![start];
    }
    let step = (stop - start) / (n - 1) as f64;
    let mut v: Vec<f64> = (0..n).map(|i| i as f64 * step + start).collect();
    v[n - 1] = stop;
    v
}

/// `c = x + 1j*y` over `meshgrid(linspace(-2, 1, n), linspace(-1, 1, n))`: row j is y.
pub fn grid(n: usize) -> ArrayD<Complex64> {
    let xs = linspace(-2.0, 1.0, n);
    let ys = linspace(-1.0, 1.0, n);
    ArrayD::from_shape_fn(IxDyn(&[n, n]), |ix| Complex64::new(xs[ix[1]], ys[ix[0]]))
}

/// `a[mask]`: a new array of the selected elements.
pub fn gather<T: Copy>(a: &Array1<T>, mask: &Array1<bool>) -> Array1<T> {
    a.iter()
        .zip(mask)
        .filter(|(_, &m)| m)
        .map(|(&v, _)| v)
        .collect()
}

/// `a[mask] = values`.
pub fn scatter<T: Copy>(a: &mut Array1<T>, mask: &Array1<bool>, values: &Array1<T>) {
    let mut it = values.iter();
    a.zip_mut_with(mask, |x, &m| {
        if m {
            if let Some(&v) = it.next() {
                *x = v;
            }
        }
    });
}

/// The NumPy algorithm, transcribed operator by operator: every operator allocates its
/// result, as `z[mask] = z[mask]**2 + c[mask]` does in NumPy. This is the baseline the
/// speedups are measured against, so it is deliberately not fused by hand. It works on
/// the flattened grid, as NumPy's boolean indexing does.
pub fn naive(c: &ArrayD<Complex64>, maxi: i32) -> ArrayD<i32> {
    let c1: Array1<Complex64> = c.iter().copied().collect();
    let mut z = Array1::<Complex64>::zeros(c1.len());
    let mut escape = Array1::from_elem(c1.len(), maxi);
    for i in 1..maxi {
        let mask = escape.mapv(|e| e == maxi);
        let zm = gather(&z, &mask);
        let squared = zm.mapv(|v| v * v);
        let cm = gather(&c1, &mask);
        let updated = &squared + &cm;
        scatter(&mut z, &mask, &updated);
        // NumPy's abs of a complex is hypot, which `norm` is too.
        let absz = z.mapv(|v| v.norm());
        let big = absz.mapv(|a| a > 2.0);
        let hit = &mask & &big;
        escape.zip_mut_with(&hit, |e, &h| {
            if h {
                *e = i;
            }
        });
    }
    escape
        .into_shape_with_order(c.raw_dim())
        .expect("as many elements as the grid")
}

// ---------------------------------------------------------------------------------
// The nexpr variants
// ---------------------------------------------------------------------------------

/// The numexpr algorithm: three expressions per iteration.
pub struct ExprSeq {
    mask: Kernel,
    z: Kernel,
    escape: Kernel,
}

impl ExprSeq {
    pub fn new(target: Target) -> nexpr::Result<ExprSeq> {
        Ok(ExprSeq {
            mask: Expr::parse("escape == maxi")?.compile(target)?,
            z: Expr::parse("where(mask, z**2 + c, 0)")?.compile(target)?,
            escape: Expr::parse("where(mask & (abs(z) > 2), i, escape)")?.compile(target)?,
        })
    }

    /// Evaluates into preallocated arrays, z and escape in place (numexpr's `out=`).
    pub fn run_into(&self, c: &ArrayD<Complex64>, maxi: i32) -> nexpr::Result<ArrayD<i32>> {
        let dim = c.raw_dim();
        let mut z = ArrayD::<Complex64>::zeros(dim.clone());
        let mut escape = ArrayD::from_elem(dim.clone(), maxi);
        let mut mask = ArrayD::from_elem(dim, false);
        let maxi_a = DynArray::scalar(maxi);
        for i in 1..maxi {
            let i_a = DynArray::scalar(i);
            let vars = Vars::new().with("escape", &escape).with("maxi", &maxi_a);
            self.mask.eval_into(&vars, &mut mask)?;
            let vars = Vars::new().with("mask", &mask).with("c", c);
            self.z.eval_in_place(&vars, "z", &mut z)?;
            let vars = Vars::new()
                .with("mask", &mask)
                .with("z", &z)
                .with("i", &i_a);
            self.escape.eval_in_place(&vars, "escape", &mut escape)?;
        }
        Ok(escape)
    }

    /// The same with `Kernel::eval`, each step returning a fresh array (on CUDA this is
    /// also a round trip through host memory per step).
    pub fn run_alloc(&self, c: &ArrayD<Complex64>, maxi: i32) -> nexpr::Result<ArrayD<i32>> {
        let mut z = DynArray::from(ArrayD::<Complex64>::zeros(c.raw_dim()));
        let mut escape = DynArray::from(ArrayD::from_elem(c.raw_dim(), maxi));
        let maxi_a = DynArray::scalar(maxi);
        for i in 1..maxi {
            let i_a = DynArray::scalar(i);
            let mask = self
                .mask
                .eval(&Vars::new().with("escape", &escape).with("maxi", &maxi_a))?;
            z = self
                .z
                .eval(&Vars::new().with("mask", &mask).with("z", &z).with("c", c))?;
            escape = self.escape.eval(
                &Vars::new()
                    .with("mask", &mask)
                    .with("z", &z)
                    .with("i", &i_a)
                    .with("escape", &escape),
            )?;
        }
        into_i32(escape)
    }
}

pub fn into_i32(a: DynArray) -> nexpr::Result<ArrayD<i32>> {
    match a {
        DynArray::I32(a) => Ok(a),
        other => Err(nexpr::Error::new(
            ErrorKind::DType,
            format!("escape came back as {}, expected int32", other.dtype()),
        )),
    }
}

pub fn fused_into(k: &Kernel, c: &ArrayD<Complex64>, maxi: i32) -> nexpr::Result<ArrayD<i32>> {
    let mut escape = ArrayD::<i32>::zeros(c.raw_dim());
    let maxi_a = DynArray::scalar(maxi);
    k.eval_into(&Vars::new().with("c", c).with("maxi", &maxi_a), &mut escape)?;
    Ok(escape)
}

pub fn fused_alloc(k: &Kernel, c: &ArrayD<Complex64>, maxi: i32) -> nexpr::Result<ArrayD<i32>> {
    let maxi_a = DynArray::scalar(maxi);
    into_i32(k.eval(&Vars::new().with("c", c).with("maxi", &maxi_a))?)
}
