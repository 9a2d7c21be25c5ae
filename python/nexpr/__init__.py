"""nexpr: numexpr's ``evaluate``, compiled.

``import nexpr as ne`` works where ``import numexpr as ne`` did::

    import numpy as np
    import nexpr as ne

    a = np.arange(1e6)
    b = np.arange(1e6)
    ne.evaluate("2*a + 3*b")               # names from the caller's frame
    ne.evaluate("where(a > b, a, b)", out=a)  # in place

Each expression is compiled once (per thread count) into one fused, vectorized loop run
on several cores; later calls with the same dtypes and layouts reuse the machine code.
Beyond numexpr: :func:`compile` (a reusable kernel, for the CPU, the reference
interpreter or CUDA), :func:`program` (multi-statement element programs with loops) and
:mod:`nexpr.kernels` (ready-made programs such as Mandelbrot); :mod:`nexpr.dask` runs
kernels and programs over Dask arrays, on a cluster too. With
:func:`install_as_numexpr`, pandas (``pd.eval``, ``DataFrame.eval/query`` and its
large-array arithmetic) uses nexpr in place of numexpr.
"""

import os as _os

from . import _nexpr, errors, kernels
from ._nexpr import (
    Kernel,
    compile,
    evaluate,
    expression_names,
    program,
    re_evaluate,
    validate,
)
from .errors import NexprError

__version__ = _nexpr.__version__

__all__ = [
    "Kernel",
    "NexprError",
    "compile",
    "detect_number_of_cores",
    "errors",
    "evaluate",
    "expression_names",
    "functions",
    "get_num_threads",
    "install_as_numexpr",
    "kernels",
    "ncores",
    "nthreads",
    "program",
    "re_evaluate",
    "set_num_threads",
    "validate",
]


def functions():
    """The language's builtin functions: ``(name, arity, dtypes, transcendental)`` each.

    ``dtypes`` are the operand dtypes the function accepts; a transcendental function
    computes integer and bool operands as floats.

    >>> ("hypot", 2, ["bool", "int32", "int64", "float32", "float64"], False) in functions()
    True
    """
    return [(n, a, list(d), t) for n, a, d, t in _nexpr._builtins()]


def detect_number_of_cores():
    """The number of cores the process may run on."""
    try:
        return max(1, len(_os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, _os.cpu_count() or 1)


def set_num_threads(nthreads):
    """Sets the number of threads ``evaluate`` uses; returns the previous number."""
    n = int(nthreads)
    if n < 1:
        raise errors.UsageError(f"the number of threads must be at least 1, got {nthreads!r}")
    old = _nexpr._set_num_threads(n)
    globals()["nthreads"] = n
    return old


def get_num_threads():
    """The number of threads ``evaluate`` uses."""
    return _nexpr._get_num_threads()


def _env_threads():
    """The initial thread count: ``NEXPR_NUM_THREADS``, else numexpr's
    ``NUMEXPR_NUM_THREADS``, else ``OMP_NUM_THREADS`` (as numexpr reads them), else
    every core."""
    for var in ("NEXPR_NUM_THREADS", "NUMEXPR_NUM_THREADS", "OMP_NUM_THREADS"):
        value = _os.environ.get(var, "").strip()
        if value:
            try:
                n = int(value)
            except ValueError:
                continue
            if n >= 1:
                return n
    return detect_number_of_cores()


def _init_context():
    """Makes the state every call shares (the engine, the kernel caches, the thread
    count, which is decided here) and returns the thread count."""
    n = _env_threads()
    _nexpr._context = _nexpr.Context(n)
    return n


ncores = detect_number_of_cores()
nthreads = _init_context()

# A forked child gets a fresh engine (worker pool, compile caches) and empty kernel
# caches: the parent's worker threads do not exist in it, and locks they held at the
# fork would stay held.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_nexpr._after_fork_in_child)


def __getattr__(name):
    # ``nexpr.dask`` needs Dask: imported on first use, not with nexpr.
    if name == "dask":
        import importlib

        return importlib.import_module(".dask", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def install_as_numexpr():
    """Makes ``import numexpr`` return a numexpr-compatible module backed by nexpr.

    Call it before pandas (or other code) imports numexpr::

        import nexpr
        nexpr.install_as_numexpr()
        import pandas as pd      # pd.eval, DataFrame.eval/query now use nexpr

    Returns the installed module.
    """
    from . import numexpr_compat

    return numexpr_compat.install()
