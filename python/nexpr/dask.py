"""nexpr kernels over Dask arrays: one compiled kernel call per chunk.

``nexpr.dask`` runs nexpr expressions and programs over :mod:`dask.array` arrays (and
mixes of Dask arrays, NumPy arrays and scalars), on any Dask scheduler: the threaded one,
or a :mod:`dask.distributed` cluster::

    import dask.array as da
    import nexpr.dask

    a = da.random.random((20_000, 20_000), chunks=4000)
    b = da.random.random(20_000, chunks=5000)          # broadcast along the rows
    r = nexpr.dask.evaluate("where(a > b, a * 2, b)")   # a lazy dask array
    s = nexpr.dask.evaluate("sum(a * b, axis=0)")       # reductions: sum, prod, min, max
    r.compute(); s.compute()

    mandel = nexpr.kernels.load("mandelbrot")
    out = nexpr.dask.run(mandel, c=c_dask, maxi=np.int32(512))   # {'escape': dask array}

* Element-wise work is one :func:`dask.array.blockwise` task per output chunk; inputs are
  broadcast as NumPy does and their chunks aligned (rechunked to common boundaries) by
  Dask. Each task calls the compiled kernel on its blocks.
* The result's dtype comes from nexpr's type checker (``Kernel.result_dtypes``), never
  from running the kernel on made-up data; the shape from NumPy's broadcasting rules.
* Reductions go through :func:`dask.array.reduction`: the fused kernel reduces each
  chunk (``sum(x*y)`` never makes ``x*y``), then the partial results are combined in a
  tree. Floating-point and complex sums carry compensated ``(sum, error)`` pairs through
  the tree (Knuth's TwoSum), so combining the partial sums adds no rounding error of its
  own beyond the final one: the result is as accurate as the per-chunk sums (which are
  pairwise, as NumPy's), whatever the number of chunks. Integer sums are exact
  (int64, wrapping as NumPy's); ``prod``, ``min`` and ``max`` combine with NumPy.
* Programs (``nexpr.program``, ``nexpr.kernels.load``) run once per chunk and return all
  their outputs from that one run: one Dask task per chunk computes every output.
* Kernels travel to workers as their source and options and are compiled once per
  worker process (unpickling is cached per process). Variable names are resolved on
  the client; nothing reads the caller's frame on a worker.
* Threads: a task uses one thread (Dask already runs one task per worker thread), unless
  ``threads=`` says otherwise.
"""

import operator
import sys
from collections.abc import Mapping
from typing import Any, Optional, Union

import numpy as np

try:
    import dask.array as da
    from dask.base import tokenize
except ImportError as e:
    # Dask is an optional dependency: say which extra brings it.
    raise ImportError("nexpr.dask needs Dask: pip install nexpr[dask]") from e

from . import _nexpr, errors
from ._nexpr import Kernel

__all__ = ["evaluate", "run"]

_REDUCTIONS = ("sum", "prod", "min", "max")


# ---------------------------------------------------------------------------------
# Kernels on the client
# ---------------------------------------------------------------------------------


def _error(cls, kind, expression, message, **attrs):
    """An exception of ``cls`` carrying ``kind`` and ``expression`` as nexpr's own."""
    e = cls(message)
    e.kind = kind
    e.expression = expression
    for k, v in attrs.items():
        setattr(e, k, v)
    return e


def _kernel(source, program, target, threads, device, fast_math):
    """The kernel of this source and options: one per process (the unpickling cache,
    which is also what workers use)."""
    return _nexpr._rebuild_kernel(source, program, target, threads, device, fast_math)


def _check_threads(threads):
    if threads is None:
        return 1
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise _error(errors.UsageError, "usage", "",
                     f"threads must be an integer of at least 1, got {threads!r}")
    return int(threads)


def _task_kernel(kernel, threads):
    """``kernel`` (a compiled ``nexpr.Kernel``) made again with ``threads`` threads per
    task, keeping its target and options."""
    _, (source, program, target, _t, device, fast_math) = kernel.__reduce__()
    return _kernel(source, program, target, threads, device, fast_math)


# ---------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------


def _is_dask(x):
    return isinstance(x, da.Array)


def _prepare(name, value):
    """A Dask array, a NumPy array or a scalar (anything else goes through
    ``numpy.asarray``)."""
    if _is_dask(value) or isinstance(value, (np.ndarray, np.generic, bool, int, float, complex)):
        return value
    return np.asarray(value)


def _shape_text(x):
    return "(" + ", ".join(str(n) for n in x.shape) + ("," if x.ndim == 1 else "") + ")"


def _broadcast(source, names, values):
    """NumPy's broadcast shape of the array inputs, or a ``ShapeError`` naming them."""
    arrays = [(n, v) for n, v in zip(names, values) if getattr(v, "ndim", 0) > 0]
    unknown = [n for n, v in arrays if any(d != d for d in v.shape)]  # NaN: unknown size
    if unknown:
        first = next(v for n, v in arrays if n == unknown[0])
        same = all(
            _is_dask(v) and v.ndim == first.ndim and v.chunks == first.chunks
            for _, v in arrays
        )
        if not same:
            raise _error(
                errors.ShapeError, "shape", source,
                f"{source!r}: input `{unknown[0]}` has chunks of unknown size "
                f"{first.chunks}, which cannot be aligned with the other inputs; call "
                "`.compute_chunk_sizes()` on it first",
            )
        return first.shape
    try:
        return np.broadcast_shapes(*(v.shape for _, v in arrays))
    except ValueError:
        shapes = ", ".join(f"`{n}` {_shape_text(v)}" for n, v in arrays)
        raise _error(
            errors.ShapeError, "shape", source,
            f"{source!r}: operands could not be broadcast together: {shapes}",
        ) from None


def _blockwise_args(values, ndim):
    """``(array, index)`` pairs for ``da.blockwise``: arrays right-aligned on the
    output's axes (NumPy's broadcasting), 0-d values passed whole to every task."""
    out = []
    for v in values:
        nd = getattr(v, "ndim", 0)
        if nd == 0 and not _is_dask(v):
            out += [v, None]
        else:
            out += [v, tuple(range(ndim - nd, ndim))]
    return out


def _resolve(ex, names, local_dict, global_dict, depth):
    """The value of each name: from ``local_dict`` then ``global_dict``; by default from
    the caller's locals and globals (looked up here, on the client)."""
    frame = None
    if local_dict is None or global_dict is None:
        frame = sys._getframe(depth)
    local = frame.f_locals if local_dict is None else local_dict
    glob = frame.f_globals if global_dict is None else global_dict
    vals = []
    for n in names:
        if n in local:
            vals.append(local[n])
        elif n in glob:
            vals.append(glob[n])
        else:
            raise _error(errors.UnknownNameError, "name", ex,
                         f"{ex!r}: unknown variable `{n}`", name=n)
    return vals


def _align_error(source, e):
    return _error(errors.ShapeError, "shape", source,
                  f"{source!r}: the inputs' chunks cannot be aligned: {e}")


# ---------------------------------------------------------------------------------
# evaluate
# ---------------------------------------------------------------------------------


def evaluate(
    ex: str,
    local_dict: Optional[Mapping[str, Any]] = None,
    global_dict: Optional[Mapping[str, Any]] = None,
    *,
    threads: Optional[int] = None,
    split_every: Any = None,
    _frame_depth: int = 1,
    **kwargs: Any,
) -> "da.Array":
    """Evaluates an expression over Dask arrays; returns a lazy Dask array.

    Values may be Dask arrays, NumPy arrays and scalars, mixed: NumPy's broadcasting
    applies, and Dask aligns the chunks. With no Dask array among the inputs, NumPy
    arrays are wrapped by ``dask.array.from_array`` (``chunks='auto'``). Reductions
    (``sum``, ``prod``, ``min``, ``max``, optionally with ``axis=``) reduce each chunk
    with the fused kernel, then combine the partial results with
    ``dask.array.reduction``; float and complex sums carry compensated pairs.

    Parameters
    ----------
    ex : str
        The expression, as for :func:`nexpr.evaluate`.
    local_dict : mapping, optional
        Where names are looked up first; by default the caller's locals (on the
        client).
    global_dict : mapping, optional
        Where names are looked up next; by default the caller's globals.
    threads : int, optional
        Threads per task; 1 by default (Dask runs one task per worker thread).
    split_every : int or dict, optional
        The fan-in of a reduction's combining tree; Dask's default if None.
    **kwargs
        numexpr's ``optimization=``, ``truediv=``, ``sanitize=`` and
        ``disable_cache=``, accepted and ignored as :func:`nexpr.evaluate` does.

    Returns
    -------
    dask.array.Array
        The result, lazily: nothing is computed before ``.compute()``.

    Raises
    ------
    nexpr.errors.UsageError
        A ``ValueError``, for an unknown keyword or a bad thread count.
    nexpr.errors.ShapeError
        A ``ValueError``, for inputs whose shapes do not broadcast.

    Examples
    --------
    >>> import dask.array as da, nexpr.dask
    >>> a = da.ones((4, 4), chunks=2)
    >>> nexpr.dask.evaluate("sum(2*a, axis=1)").compute()
    array([8., 8., 8., 8.])
    """
    for k in kwargs:
        if k not in ("optimization", "truediv", "sanitize", "disable_cache"):
            raise _error(errors.UsageError, "usage", ex,
                         f"nexpr.dask.evaluate: unknown keyword argument {k!r}")
    if not isinstance(ex, str):
        raise _error(errors.UsageError, "usage", "", "must specify expression as a string")
    threads = _check_threads(threads)
    kernel = _kernel(ex, False, "cpu", threads, 0, False)
    names = kernel.input_names
    values = _resolve(ex, names, local_dict, global_dict, _frame_depth + 1)
    values = [_prepare(n, v) for n, v in zip(names, values)]
    dtypes, reduce = kernel._result_types(*values)
    dtype = dtypes[0]
    if not any(_is_dask(v) for v in values):
        values = [
            da.from_array(v, chunks="auto") if getattr(v, "ndim", 0) > 0 else v
            for v in values
        ]
    shape = _broadcast(ex, names, values)
    ndim = len(shape)
    args = _blockwise_args(values, ndim)
    if reduce and ndim > 0:
        return _reduce(ex, kernel, names, args, ndim, dtype, threads, split_every)
    try:
        return da.blockwise(
            kernel,
            tuple(range(ndim)),
            *args,
            token="nexpr",
            dtype=dtype,
            meta=np.empty((0,) * ndim, dtype),
            align_arrays=True,
            concatenate=True,
        )
    except ValueError as e:
        raise _align_error(ex, e) from None


# ---------------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------------


def split_reduction(ex: str) -> Optional[tuple[str, str, Optional[int]]]:
    """The outermost reduction of an expression, as nexpr's own parser reads it.

    Parameters
    ----------
    ex : str
        An expression such as ``'sum(a*b, axis=1)'``.

    Returns
    -------
    tuple of (str, str, int or None), or None
        ``(op, inner, axis)``: the reduction, its operand's text and its axis (None for
        a whole-array reduction); None if ``ex`` is not a reduction.
    """
    return _nexpr._outer_reduction(ex)


class _ReduceBlock:
    """The task of one chunk of a reduction: the fused kernel reduces the chunk, and
    the result keeps the reduced axes with length 1 (for ``dask.array.reduction``)."""

    def __init__(self, kernel, axis, ndim):
        self.kernel = kernel
        self.axis = axis
        self.ndim = ndim

    def __call__(self, *blocks):
        r = np.asarray(self.kernel(*blocks))
        if self.axis is None:
            return r.reshape((1,) * self.ndim)
        return np.expand_dims(r, self.axis)

    def __dask_tokenize__(self):
        return ("nexpr-reduce-block", self.kernel.__dask_tokenize__(), self.axis, self.ndim)


def _two_sum(a, b):
    """``s = fl(a + b)`` and its exact rounding error ``e`` (a + b == s + e), Knuth's
    TwoSum; componentwise for complex values. Where ``s`` is not finite the error is 0."""
    with np.errstate(invalid="ignore", over="ignore"):
        s = a + b
        bb = s - a
        e = (a - (s - bb)) + (b - bb)
        return s, np.where(np.isfinite(s), e, 0)


def _pairs(x, axis=None, keepdims=None, **kwargs):
    """The first step on partial sums: (sum, error = 0) pairs on a trailing axis."""
    x = np.asarray(x)
    return np.stack([x, np.zeros_like(x)], axis=-1)


def _sum_pairs(x, axis, keepdims, final):
    """Adds the (sum, error) pairs of ``x`` (on its trailing axis) over ``axis``
    exactly but for the final rounding: TwoSum along the partial sums, errors
    accumulated apart. Returns pairs (``final`` False) or the sum (``final`` True)."""
    s, c = x[..., 0], x[..., 1]
    nd = s.ndim
    axis = tuple(sorted(a % nd for a in axis)) if nd else ()
    kept = [i for i in range(nd) if i not in axis]
    order = list(axis) + kept
    s = np.transpose(s, order).reshape((-1,) + tuple(s.shape[i] for i in kept))
    c = np.transpose(c, order).reshape(s.shape)
    if s.shape[0] == 0:
        total = np.zeros(s.shape[1:], x.dtype)
        err = np.zeros_like(total)
    else:
        total, err = s[0], c[0].copy()
        for k in range(1, s.shape[0]):
            total, e = _two_sum(total, s[k])
            err = err + e + c[k]
    if keepdims:
        shape = tuple(1 if i in axis else n for i, n in enumerate(x.shape[:-1]))
        total, err = total.reshape(shape), err.reshape(shape)
    if final:
        with np.errstate(invalid="ignore", over="ignore"):
            r = np.where(np.isfinite(total), total + err, total)
        return np.asarray(r, x.dtype)
    return np.stack([total, err], axis=-1)


def _combine_pairs(x, axis=None, keepdims=True, **kwargs):
    return _sum_pairs(np.asarray(x), axis, keepdims, final=False)


def _aggregate_pairs(x, axis=None, keepdims=False, **kwargs):
    return _sum_pairs(np.asarray(x), axis, keepdims, final=True)


def _pass(x, axis=None, keepdims=None, **kwargs):
    return x


class _NumpyReduce:
    """Combines partial results with NumPy's ``sum``/``prod``/``min``/``max``, keeping
    the dtype (integer sums and products stay int64 and wrap as NumPy's)."""

    def __init__(self, op):
        self.op = op

    def __call__(self, x, axis=None, keepdims=False, **kwargs):
        x = np.asarray(x)
        f = {"sum": np.sum, "prod": np.prod, "min": np.min, "max": np.max}[self.op]
        if self.op in ("sum", "prod"):
            return f(x, axis=axis, keepdims=keepdims, dtype=x.dtype)
        return f(x, axis=axis, keepdims=keepdims)

    def __dask_tokenize__(self):
        return ("nexpr-numpy-reduce", self.op)


def _reduce(ex, kernel, names, args, ndim, dtype, threads, split_every):
    parts = split_reduction(ex)
    if parts is None:
        raise _error(errors.UsageError, "usage", ex,
                     f"{ex!r}: could not split the reduction into its parts")
    op, inner, axis = parts
    if axis is not None:
        if not -ndim <= axis < ndim:
            raise _error(errors.ShapeError, "shape", ex,
                         f"{ex!r}: axis {axis} is out of bounds for a result of {ndim} dimensions")
        axis %= ndim
        chunk_src = f"{op}({inner}, axis={axis})"
        axes = (axis,)
    else:
        chunk_src = f"{op}({inner})"
        axes = tuple(range(ndim))
    chunk_kernel = _kernel(chunk_src, False, "cpu", threads, 0, False)
    if chunk_kernel.input_names != names:
        raise _error(errors.UsageError, "usage", ex,
                     f"{ex!r}: could not split the reduction into its parts")
    try:
        partials = da.blockwise(
            _ReduceBlock(chunk_kernel, axis, ndim),
            tuple(range(ndim)),
            *args,
            token="nexpr-" + op,
            dtype=dtype,
            meta=np.empty((0,) * ndim, dtype),
            adjust_chunks=dict.fromkeys(axes, 1),
            align_arrays=True,
            concatenate=True,
        )
    except ValueError as e:
        raise _align_error(ex, e) from None
    out_ndim = ndim - len(axes)
    meta = np.empty((0,) * out_ndim, dtype)
    if op == "sum" and dtype.kind in "fc":
        chunk, combine, aggregate = _pairs, _combine_pairs, _aggregate_pairs
    else:
        chunk, combine, aggregate = _pass, _NumpyReduce(op), _NumpyReduce(op)
    return da.reduction(
        partials,
        chunk=chunk,
        combine=combine,
        aggregate=aggregate,
        axis=axes,
        keepdims=False,
        dtype=dtype,
        split_every=split_every,
        concatenate=True,
        meta=meta,
        name="nexpr-" + op,
    )


# ---------------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------------


class _RunBlock:
    """The task of one chunk of a program: runs it once, returns its outputs (a tuple
    when there are several)."""

    def __init__(self, kernel, outputs):
        self.kernel = kernel
        self.outputs = tuple(outputs)
        self.names = tuple(kernel.input_names)

    def __call__(self, *blocks):
        r = self.kernel.run(**dict(zip(self.names, blocks)))
        if len(self.outputs) == 1:
            return r[self.outputs[0]]
        return tuple(r[o] for o in self.outputs)

    def __dask_tokenize__(self):
        return ("nexpr-run-block", self.kernel.__dask_tokenize__(), self.outputs)


def run(
    program: Union[str, Kernel],
    local_dict: Optional[Mapping[str, Any]] = None,
    *,
    threads: Optional[int] = None,
    **arrays: Any,
) -> dict[str, "da.Array"]:
    """Runs a program over Dask arrays.

    The program runs once per chunk for all its outputs: each output is a cheap
    selection from that one task.

    Parameters
    ----------
    program : nexpr.Kernel or str
        A kernel made by :func:`nexpr.program` or :func:`nexpr.kernels.load` (its
        target and options are kept), or the program's source.
    local_dict : mapping, optional
        Inputs by name, for names that clash with this function's arguments.
    threads : int, optional
        Threads per task; 1 by default.
    **arrays
        The inputs by name: Dask arrays, NumPy arrays and scalars, broadcast and
        aligned as in :func:`evaluate`.

    Returns
    -------
    dict of str to dask.array.Array
        One lazy array per output, by name.

    Examples
    --------
    >>> import dask.array as da, nexpr.dask, nexpr.kernels
    >>> r = da.linspace(3.0, 4.0, 8, chunks=4)
    >>> out = nexpr.dask.run(nexpr.kernels.load("logistic"), r=r, x0=0.3, n=100)
    >>> sorted(out), out["x"].chunks
    (['lyapunov', 'x'], ((4, 4),))
    """
    threads = _check_threads(threads)
    if isinstance(program, str):
        kernel = _kernel(program, True, "cpu", threads, 0, False)
    elif isinstance(program, _nexpr.Kernel):
        kernel = _task_kernel(program, threads)
    else:
        raise _error(errors.UsageError, "usage", "",
                     f"run: expected a nexpr program (nexpr.program(...)) or its source, "
                     f"got {program!r}")
    given = dict(local_dict or {})
    given.update(arrays)
    names = kernel.input_names
    for k in given:
        if k not in names:
            raise _error(errors.UsageError, "usage", kernel.source,
                         f"run: the program has no input `{k}` (its inputs: {', '.join(names)})")
    missing = [n for n in names if n not in given]
    if missing:
        raise _error(errors.UnknownNameError, "name", kernel.source,
                     f"run: no value for the program's input `{missing[0]}`", name=missing[0])
    values = [_prepare(n, given[n]) for n in names]
    outputs = kernel.output_names
    dtypes = kernel.result_dtypes(*values)
    if not any(_is_dask(v) for v in values):
        values = [
            da.from_array(v, chunks="auto") if getattr(v, "ndim", 0) > 0 else v
            for v in values
        ]
    what = f"program with inputs {', '.join(names)}"
    shape = _broadcast(what, names, values)
    ndim = len(shape)
    args = _blockwise_args(values, ndim)
    ind = tuple(range(ndim))
    first = dtypes[outputs[0]]
    try:
        tmp = da.blockwise(
            _RunBlock(kernel, outputs),
            ind,
            *args,
            token="nexpr-run",
            dtype=first,
            meta=np.empty((0,) * ndim, first),
            align_arrays=True,
            concatenate=True,
        )
    except ValueError as e:
        raise _align_error(what, e) from None
    if len(outputs) == 1:
        return {outputs[0]: tmp}
    token = tokenize(tmp.name)
    out = {}
    for i, o in enumerate(outputs):
        dt = dtypes[o]
        out[o] = da.map_blocks(
            operator.getitem,
            tmp,
            i,
            name=f"nexpr-{o}-{token}",
            dtype=dt,
            meta=np.empty((0,) * ndim, dt),
        )
    return out
