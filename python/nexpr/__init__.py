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
import types as _types
from contextlib import AbstractContextManager as _ContextManager
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from . import _nexpr, errors, kernels, utils
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
from .utils import (
    MAX_THREADS,
    _init_num_threads,
    detect_number_of_cores,
    detect_number_of_threads,
    get_num_threads,
    get_vml_num_threads,
    get_vml_version,
    print_versions,
    set_num_threads,
    set_vml_accuracy_mode,
    set_vml_num_threads,
    use_vml,
)

if _TYPE_CHECKING:
    import unittest as _unittest

__version__ = _nexpr.__version__

__all__ = [
    "MAX_THREADS",
    "Kernel",
    "NexprError",
    "compile",
    "detect_number_of_cores",
    "detect_number_of_threads",
    "errors",
    "evaluate",
    "expression_names",
    "functions",
    "get_num_threads",
    "get_vml_num_threads",
    "get_vml_version",
    "install_as_numexpr",
    "kernels",
    "ncores",
    "nthreads",
    "numexpr_installed",
    "print_versions",
    "program",
    "re_evaluate",
    "set_num_threads",
    "set_vml_accuracy_mode",
    "set_vml_num_threads",
    "test",
    "uninstall_numexpr",
    "use_vml",
    "utils",
    "validate",
]


def functions() -> list[tuple[str, int, list[str], bool]]:
    """The language's builtin functions.

    Returns
    -------
    list of (str, int, list of str, bool)
        ``(name, arity, dtypes, transcendental)`` for each: ``dtypes`` are the operand
        dtypes the function accepts; a transcendental function computes integer and
        bool operands as floats.

    Examples
    --------
    >>> import nexpr
    >>> ("hypot", 2, ["bool", "int32", "int64", "float32", "float64"], False) in nexpr.functions()
    True
    """
    return [(n, a, list(d), t) for n, a, d, t in _nexpr._builtins()]


def _init_context() -> int:
    """Makes the state every call shares (the engine, the kernel caches, the thread
    count) and returns the thread count, decided from the environment by
    :func:`utils._init_num_threads`."""
    _nexpr._context = _nexpr.Context(1)
    return _init_num_threads()


def _document_kernel_call() -> None:
    """Makes ``Kernel.__call__`` the documented ``Kernel._call`` (the same call).

    CPython describes a type's call slot with a fixed text ("Call self as a
    function."), and assigning ``Kernel.__call__`` would route every call through its
    generic slot (a lookup and a new argument tuple per call). So the documented method
    goes into the type's namespace directly, and calls keep the extension's own slot.
    """
    import gc

    (namespace,) = gc.get_referents(Kernel.__dict__)
    namespace["__call__"] = namespace["_call"]
    # Setting and deleting an attribute that names no slot makes CPython drop its
    # cached lookups on the type, which still know the slot's wrapper.
    Kernel._namespace_changed = None  # type: ignore[attr-defined]
    del Kernel._namespace_changed  # type: ignore[attr-defined]


_document_kernel_call()
ncores = detect_number_of_cores()
nthreads = _init_context()

# A forked child gets a fresh engine (worker pool, compile caches) and empty kernel
# caches: the parent's worker threads do not exist in it, and locks they held at the
# fork would stay held.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_nexpr._after_fork_in_child)


def test(verbosity: int = 1) -> "_unittest.TestResult":
    """Checks this installation against NumPy (a few expressions over every dtype, on
    all threads and on one), as ``numexpr.test()`` runs numexpr's checks.

    Parameters
    ----------
    verbosity : int, optional
        ``unittest``'s verbosity: 0 quiet, 1 (the default) a dot per check, 2 a line.

    Returns
    -------
    unittest.TestResult
    """
    from . import selftest

    return selftest.test(verbosity)


def __getattr__(name: str) -> _Any:
    # ``nexpr.dask`` needs Dask: imported on first use, not with nexpr.
    if name == "dask":
        import importlib

        return importlib.import_module(".dask", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def install_as_numexpr() -> _types.ModuleType:
    """Makes numexpr's evaluation run in nexpr.

    Where numexpr is installed, its module stays (PyTables keeps numexpr's virtual
    machine) and only ``numexpr.evaluate``, ``re_evaluate``, ``validate``,
    ``set_num_threads`` and ``get_num_threads`` are replaced, so pandas
    (``pd.eval``, ``DataFrame.eval/query`` and its large-array arithmetic) uses nexpr
    whether it was imported before or after. Where numexpr is not installed, a stand-in
    ``numexpr`` module offers numexpr's evaluation API::

        import nexpr
        nexpr.install_as_numexpr()
        import pandas as pd      # pd.eval, DataFrame.eval/query now use nexpr

    :func:`uninstall_numexpr` undoes it; :func:`numexpr_installed` does both around a
    ``with`` block.

    Returns
    -------
    types.ModuleType
        The ``numexpr`` module (numexpr's own, or the stand-in).
    """
    from . import numexpr_compat

    return numexpr_compat.install()


def uninstall_numexpr() -> None:
    """Undoes :func:`install_as_numexpr`: numexpr's own functions (the very same
    objects) are back, or the stand-in module is gone.

    Returns
    -------
    None
    """
    from . import numexpr_compat

    numexpr_compat.uninstall()


def numexpr_installed() -> _ContextManager[_types.ModuleType]:
    """A context manager: numexpr's evaluation runs in nexpr inside the ``with`` block,
    and what was there before is restored after it (also when it raises)::

        with nexpr.numexpr_installed():
            df.eval("a + b")

    Returns
    -------
    contextlib.AbstractContextManager of types.ModuleType
        Entering it gives the ``numexpr`` module, as :func:`install_as_numexpr`
        returns it.
    """
    from . import numexpr_compat

    return numexpr_compat.installed()
