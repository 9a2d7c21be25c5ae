//! numexpr's `evaluate` / `validate` / `re_evaluate`: the expression cache, names
//! looked up in the caller's frame, numexpr's keyword arguments.

use crate::arrays::{self, Input};
use crate::context::context;
use crate::entry::{guard, parse_casting, parse_order, Entry, Order};
use crate::errors;
use crate::execute::execute;
use nexpr::{Error, Target};
use numpy::PyUntypedArray;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};
use std::cell::RefCell;
use std::sync::Arc;

#[pyclass(frozen)]
pub(crate) struct CacheEntry(pub(crate) Arc<Entry>);

pub(crate) static GETFRAME: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The compiled entry of `ex` (with fast math: `evaluate(..., fast_math=True)`),
/// from the cache when it is there: keyed by the expression, or by
/// `(expression, True)` for fast math.
pub(crate) fn cached(
    py: Python<'_>,
    ex: &Bound<'_, PyString>,
    fast_math: bool,
) -> PyResult<Arc<Entry>> {
    let ctx = context(py)?;
    let ctx = ctx.get();
    let cache = ctx.expressions.bind(py);
    let t = ctx.threads();
    let key = match fast_math {
        false => ex.clone().into_any(),
        true => (ex, true).into_pyobject(py)?.into_any(),
    };
    if let Some(v) = cache.get_item(&key)? {
        let entry = &v.cast::<CacheEntry>()?.get().0;
        if matches!(entry.target, Target::Cpu { threads } if threads == t) {
            return Ok(entry.clone());
        }
    }
    let src = ex.to_cow()?;
    let entry = Arc::new(
        guard(|| {
            Entry::new(
                py,
                &ctx.engine,
                &src,
                false,
                Target::Cpu { threads: t },
                fast_math,
            )
        })
        .map_err(|err| errors::to_py(py, &err, &src))?,
    );
    if cache.len() >= 512 {
        cache.clear();
    }
    cache.set_item(key, CacheEntry(entry.clone()))?;
    Ok(entry)
}

/// Where names are looked up: numexpr's local dict (or the caller's locals), then its
/// global dict (or the caller's globals).
pub(crate) struct Scope<'py> {
    pub(crate) local: Option<Bound<'py, PyAny>>,
    pub(crate) global: Option<Bound<'py, PyAny>>,
    pub(crate) depth: usize,
    pub(crate) frame: Option<Bound<'py, PyAny>>,
    /// The caller's `f_locals` snapshot, cleared afterwards as numexpr does.
    pub(crate) clear_local: bool,
}

impl<'py> Scope<'py> {
    pub(crate) fn new(
        local: Option<&Bound<'py, PyAny>>,
        global: Option<&Bound<'py, PyAny>>,
        depth: usize,
    ) -> Self {
        Scope {
            local: local.cloned(),
            global: global.cloned(),
            depth,
            frame: None,
            clear_local: false,
        }
    }

    pub(crate) fn frame(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(f) = &self.frame {
            return Ok(f.clone());
        }
        let gf = GETFRAME.get_or_try_init(py, || -> PyResult<_> {
            Ok(py.import("sys")?.getattr("_getframe")?.unbind())
        })?;
        let f = gf.bind(py).call1((self.depth,))?;
        self.frame = Some(f.clone());
        Ok(f)
    }

    pub(crate) fn get(
        &mut self,
        py: Python<'py>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        if self.local.is_none() {
            let f = self.frame(py)?;
            let l = f.getattr("f_locals")?;
            let g = f.getattr("f_globals")?;
            // Only a snapshot dict of an optimized (function) frame may be cleared; a
            // module's or class body's f_locals is the namespace itself.
            self.clear_local = l.is_exact_instance_of::<PyDict>()
                && !l.is(&g)
                && f.getattr("f_code")
                    .and_then(|c| c.getattr("co_flags"))
                    .and_then(|x| x.extract::<i64>())
                    .is_ok_and(|fl| fl & 1 != 0);
            self.local = Some(l);
        }
        if let Some(v) = lookup(self.local.as_ref().unwrap(), name)? {
            return Ok(Some(v));
        }
        if self.global.is_none() {
            let g = self.frame(py)?.getattr("f_globals")?;
            self.global = Some(g);
        }
        lookup(self.global.as_ref().unwrap(), name)
    }

    pub(crate) fn finish(&self) {
        if self.clear_local {
            if let Some(d) = self.local.as_ref().and_then(|l| l.cast::<PyDict>().ok()) {
                d.clear();
            }
        }
    }
}

pub(crate) fn lookup<'py>(
    map: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    if let Ok(d) = map.cast::<PyDict>() {
        return d.get_item(name);
    }
    match map.get_item(name) {
        Ok(v) => Ok(Some(v)),
        Err(err) if err.is_instance_of::<pyo3::exceptions::PyKeyError>(map.py()) => Ok(None),
        Err(err) => Err(err),
    }
}

/// The span of the first use of `name` as a whole word in `src`.
pub(crate) fn name_span(src: &str, name: &str) -> Option<nexpr::Span> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(i) = src[from..].find(name) {
        let a = from + i;
        let b = a + name.len();
        let before = src[..a].chars().next_back().is_some_and(word);
        let after = src[b..].chars().next().is_some_and(word);
        if !before && !after {
            return Some(nexpr::Span::new(a, b));
        }
        from = a + name.len().max(1);
    }
    None
}

pub(crate) fn unknown_name(py: Python<'_>, e: &Entry, name: &str) -> PyErr {
    let msg = format!("unknown variable `{name}`");
    let mut err = Error::new(nexpr::ErrorKind::Name, msg);
    err.span = name_span(&e.src, name);
    let py_err = e.err(py, err);
    let _ = py_err.value(py).setattr("name", name);
    py_err
}

/// The inputs of `e`, looked up in `scope` and converted.
pub(crate) fn gather<'py>(
    py: Python<'py>,
    e: &Entry,
    scope: &mut Scope<'py>,
) -> PyResult<Vec<Input<'py>>> {
    let mut ins = Vec::with_capacity(e.names.len());
    let r = (|| {
        for (name, py_name) in e.names.iter().zip(&e.py_names) {
            let obj = scope
                .get(py, py_name.bind(py))?
                .ok_or_else(|| unknown_name(py, e, name))?;
            ins.push(arrays::to_input(py, &obj)?);
        }
        Ok(())
    })();
    scope.finish();
    r.map(|()| ins)
}

/// What `re_evaluate` repeats.
pub(crate) struct Last {
    pub(crate) entry: Arc<Entry>,
    pub(crate) out: Option<Py<PyAny>>,
    pub(crate) order: Order,
    pub(crate) casting: &'static str,
}

thread_local! {
    static LAST: RefCell<Option<Last>> = const { RefCell::new(None) };
}

pub(crate) fn set_last(
    py: Python<'_>,
    entry: &Arc<Entry>,
    out: Option<&Bound<'_, PyAny>>,
    order: Order,
    casting: &'static str,
) -> PyResult<()> {
    // The output is remembered weakly, as numexpr does: it is not kept alive. Checked
    // first, or a list would fail as something that "cannot create weak reference".
    let out = match out {
        Some(o) if !o.is_instance_of::<PyUntypedArray>() => {
            let kind = o.get_type().name()?;
            let msg = format!("out= must be a NumPy array (numpy.ndarray), not {kind}");
            return Err(errors::usage(py, msg));
        }
        Some(o) => Some(py.import("weakref")?.getattr("ref")?.call1((o,))?.unbind()),
        None => None,
    };
    LAST.with(|l| {
        *l.borrow_mut() = Some(Last {
            entry: entry.clone(),
            out,
            order,
            casting,
        })
    });
    Ok(())
}

pub(crate) struct Kw {
    pub(crate) depth: Option<i64>,
    /// `fast_math=True`: libmvec's transcendentals (within 4 ulp) instead of the
    /// accurate default.
    pub(crate) fast_math: bool,
}

pub(crate) fn parse_kwargs(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Kw> {
    let mut kw = Kw {
        depth: None,
        fast_math: false,
    };
    let Some(kwargs) = kwargs else { return Ok(kw) };
    for (k, v) in kwargs.iter() {
        let k: String = k.extract()?;
        match k.as_str() {
            "optimization" => {
                let ok = v
                    .extract::<String>()
                    .is_ok_and(|s| matches!(s.as_str(), "none" | "moderate" | "aggressive"));
                if !ok {
                    return Err(errors::usage(
                        py,
                        "'optimization' must be one of ('none', 'moderate', 'aggressive')",
                    ));
                }
            }
            "truediv" => {
                let ok = v.is_instance_of::<pyo3::types::PyBool>()
                    || v.extract::<String>().is_ok_and(|s| s == "auto");
                if !ok {
                    return Err(errors::usage(
                        py,
                        "'truediv' must be one of (False, True, 'auto')",
                    ));
                }
            }
            // The grammar is the only door: there is no eval() to sanitize for.
            "sanitize" | "disable_cache" => {}
            "_frame_depth" => kw.depth = Some(v.extract()?),
            "fast_math" => kw.fast_math = v.is_truthy()?,
            _ => {
                return Err(errors::usage(py, format!("Unknown keyword argument '{k}'")));
            }
        }
    }
    Ok(kw)
}

pub(crate) fn expr_str<'a, 'py>(
    py: Python<'py>,
    ex: &'a Bound<'py, PyAny>,
) -> PyResult<&'a Bound<'py, PyString>> {
    ex.cast::<PyString>()
        .map_err(|_| errors::usage(py, "must specify expression as a string"))
}

/// Evaluates an array expression (numexpr's language) and returns a NumPy array.
///
/// The expression is compiled once (per thread count and fast-math setting) and the
/// machine code reused by later calls with the same dtypes and layouts.
///
/// Parameters
/// ----------
/// ex : str
///     The expression, e.g. `"2*a + 3*b"` or `"sum(where(a > 0, a, 0), axis=1)"`.
/// local_dict : mapping, optional
///     Where names are looked up first; by default the caller's locals.
/// global_dict : mapping, optional
///     Where names are looked up next; by default the caller's globals.
/// out : numpy.ndarray, optional
///     Receives the result (it may also be an input), and is returned.
/// order : {'K', 'C', 'F', 'A'}, optional
///     The layout of a new result; 'K' (the default) keeps Fortran order for
///     Fortran-order inputs.
/// casting : {'no', 'equiv', 'safe', 'same_kind', 'unsafe'}, optional
///     Rules the copy into an `out` of another dtype, as NumPy's `casting=`;
///     'same_kind' by default.
/// **kwargs
///     `fast_math=True` trades the accurate transcendentals (within 1 ulp, NumPy's
///     class) for glibc's libmvec ones (within 4 ulp). `optimization=`, `truediv=`,
///     `sanitize=` and `disable_cache=` are accepted for numexpr compatibility.
///
/// Returns
/// -------
/// numpy.ndarray
///     The result (a 0-d array for a whole-array reduction), or `out`.
///
/// Raises
/// ------
/// SyntaxError, KeyError, TypeError, ValueError
///     The classes of `nexpr.errors`, which derive from the built-in exceptions
///     numexpr raises in each case.
///
/// Examples
/// --------
/// >>> import numpy as np, nexpr
/// >>> a = np.arange(4.0)
/// >>> nexpr.evaluate("2*a + 1")
/// array([1., 3., 5., 7.])
#[pyfunction]
#[pyo3(signature = (ex, local_dict=None, global_dict=None, out=None, order=None, casting=None, **kwargs), text_signature = "(ex, local_dict=None, global_dict=None, out=None, order='K', casting='same_kind', **kwargs)")]
#[allow(clippy::too_many_arguments)]
pub(crate) fn evaluate<'py>(
    py: Python<'py>,
    ex: &Bound<'py, PyAny>,
    local_dict: Option<&Bound<'py, PyAny>>,
    global_dict: Option<&Bound<'py, PyAny>>,
    out: Option<&Bound<'py, PyAny>>,
    order: Option<&Bound<'py, PyString>>,
    casting: Option<&Bound<'py, PyString>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    errors::shielded(py, || {
        let kw = parse_kwargs(py, kwargs)?;
        let ex = expr_str(py, ex)?;
        let order = parse_order(py, order)?;
        let casting = parse_casting(py, casting)?;
        let entry = cached(py, ex, kw.fast_math)?;
        let depth = kw.depth.map_or(0, |d| (d - 3).max(0) as usize);
        let mut scope = Scope::new(local_dict, global_dict, depth);
        let ins = gather(py, &entry, &mut scope)?;
        let out = out.filter(|o| !o.is_none());
        set_last(py, &entry, out, order, casting)?;
        execute(py, &entry, &ins, out, order, casting)
    })
}

/// Checks an expression and its variables as `evaluate` would, without computing.
///
/// `re_evaluate()` then evaluates it.
///
/// Parameters
/// ----------
/// ex, local_dict, global_dict, out, order, casting, **kwargs
///     As for `evaluate`.
///
/// Returns
/// -------
/// Exception or None
///     None, or the exception `evaluate` would raise (returned, not raised).
#[pyfunction]
#[pyo3(signature = (ex, local_dict=None, global_dict=None, out=None, order=None, casting=None, **kwargs), text_signature = "(ex, local_dict=None, global_dict=None, out=None, order='K', casting='same_kind', **kwargs)")]
#[allow(clippy::too_many_arguments)]
pub(crate) fn validate<'py>(
    py: Python<'py>,
    ex: &Bound<'py, PyAny>,
    local_dict: Option<&Bound<'py, PyAny>>,
    global_dict: Option<&Bound<'py, PyAny>>,
    out: Option<&Bound<'py, PyAny>>,
    order: Option<&Bound<'py, PyString>>,
    casting: Option<&Bound<'py, PyString>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Option<Py<PyAny>>> {
    errors::shielded(py, || {
        let r = (|| -> PyResult<()> {
            let kw = parse_kwargs(py, kwargs)?;
            let ex = expr_str(py, ex)?;
            let order = parse_order(py, order)?;
            let casting = parse_casting(py, casting)?;
            let entry = cached(py, ex, kw.fast_math)?;
            let depth = kw.depth.map_or(0, |d| (d - 2).max(0) as usize);
            let mut scope = Scope::new(local_dict, global_dict, depth);
            let ins = gather(py, &entry, &mut scope)?;
            let (_, _, reduce) = entry.result_types(py, &ins)?;
            if !reduce {
                arrays::broadcast(py, ins.iter().map(|i| i.raw.shape.as_slice()))?;
            }
            set_last(py, &entry, out.filter(|o| !o.is_none()), order, casting)
        })();
        match r {
            Ok(()) => Ok(None),
            Err(err) => Ok(Some(err.into_value(py).into_any())),
        }
    })
}

/// Evaluates the expression of this thread's last `evaluate` or `validate` again,
/// with its variables looked up anew.
///
/// Parameters
/// ----------
/// local_dict : mapping, optional
///     Where names are looked up first; by default the caller's locals.
/// global_dict : mapping, optional
///     Where names are looked up next; by default the caller's globals.
///
/// Returns
/// -------
/// numpy.ndarray
///     As `evaluate` returns it.
///
/// Raises
/// ------
/// RuntimeError
///     When this thread has not evaluated or validated an expression (numexpr's
///     error).
#[pyfunction]
#[pyo3(signature = (local_dict=None, global_dict=None, _frame_depth=2))]
pub(crate) fn re_evaluate<'py>(
    py: Python<'py>,
    local_dict: Option<&Bound<'py, PyAny>>,
    global_dict: Option<&Bound<'py, PyAny>>,
    _frame_depth: i64,
) -> PyResult<Bound<'py, PyAny>> {
    errors::shielded(py, || {
        let last = LAST.with(|l| {
            l.borrow().as_ref().map(|l| {
                (
                    l.entry.clone(),
                    l.out.as_ref().map(|o| o.clone_ref(py)),
                    l.order,
                    l.casting,
                )
            })
        });
        let Some((entry, out_ref, order, casting)) = last else {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "A previous evaluate() execution was not found, please call `validate` or `evaluate` once before `re_evaluate`",
            ));
        };
        let out = match out_ref {
            Some(w) => {
                let o = w.bind(py).call0()?;
                if o.is_none() {
                    None
                } else {
                    Some(o)
                }
            }
            None => None,
        };
        let mut scope = Scope::new(local_dict, global_dict, (_frame_depth - 2).max(0) as usize);
        let ins = gather(py, &entry, &mut scope)?;
        execute(py, &entry, &ins, out.as_ref(), order, casting)
    })
}
