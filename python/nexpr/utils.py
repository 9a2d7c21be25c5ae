"""Thread settings and numexpr's utility functions (``numexpr.utils``' surface).

The thread count starts from the environment as numexpr reads it:
``NEXPR_NUM_THREADS``, else ``NUMEXPR_NUM_THREADS``, else ``OMP_NUM_THREADS``, else every
core; ``NUMEXPR_MAX_THREADS`` is the largest count :func:`set_num_threads` accepts
(:data:`MAX_THREADS`, 64 by default, as in numexpr). A value that is not a positive
integer is ignored with a warning (numexpr fails at import or prints an error). nexpr's
thread pool holds at most four threads per core (at least 16): a larger count is
clamped to that, with a warning, and :func:`get_num_threads` says what is used.

There is no VML in nexpr (transcendentals are vectorized through glibc's libmvec):
the VML functions answer as numexpr built without VML does.
"""

import os
import sys
import warnings
from typing import Optional

from . import _nexpr
from .errors import UsageError

__all__ = [
    "MAX_THREADS",
    "detect_number_of_cores",
    "detect_number_of_threads",
    "get_num_threads",
    "get_vml_num_threads",
    "get_vml_version",
    "print_versions",
    "set_num_threads",
    "set_vml_accuracy_mode",
    "set_vml_num_threads",
    "use_vml",
]

#: nexpr has no VML (see the module's documentation).
use_vml = False

_DEFAULT_MAX_THREADS = 64


def _positive_env(var: str) -> Optional[int]:
    """The positive integer in environment variable ``var``; None when unset or empty,
    and, with a warning, when it holds something else."""
    value = os.environ.get(var, "").strip()
    if not value:
        return None
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        warnings.warn(
            f"{var}={value!r} is not a positive integer: ignored", RuntimeWarning, stacklevel=3
        )
        return None
    return n


#: The largest thread count :func:`set_num_threads` accepts: ``NUMEXPR_MAX_THREADS``,
#: else 64 (numexpr's).
MAX_THREADS: int = _positive_env("NUMEXPR_MAX_THREADS") or _DEFAULT_MAX_THREADS


def detect_number_of_cores() -> int:
    """The number of cores the process may run on (its CPU affinity and quota), as
    nexpr's engine counts them.

    Returns
    -------
    int
        At least 1.
    """
    return _nexpr._cores()


def _requested_threads() -> Optional[int]:
    """The thread count the environment asks for, or None."""
    for var in ("NEXPR_NUM_THREADS", "NUMEXPR_NUM_THREADS", "OMP_NUM_THREADS"):
        n = _positive_env(var)
        if n is not None:
            return n
    return None


def detect_number_of_threads() -> int:
    """The thread count the environment asks for (see the module's documentation),
    else the number of cores, at most :data:`MAX_THREADS` (numexpr's deprecated
    function of the same name).

    Returns
    -------
    int
    """
    return min(_requested_threads() or detect_number_of_cores(), MAX_THREADS)


def set_num_threads(nthreads: int) -> int:
    """Sets the number of threads ``evaluate`` (and kernels compiled without
    ``threads=``) use.

    Parameters
    ----------
    nthreads : int
        From 1 to :data:`MAX_THREADS`. A count above what nexpr's pool holds (four
        threads per core, at least 16) is clamped to it with a ``RuntimeWarning``.

    Returns
    -------
    int
        The previous number.

    Raises
    ------
    nexpr.errors.UsageError
        A ``ValueError``, for a count below 1 or above :data:`MAX_THREADS` (numexpr
        refuses those too).

    Examples
    --------
    >>> import nexpr
    >>> old = nexpr.set_num_threads(2)
    >>> nexpr.get_num_threads()
    2
    >>> nexpr.set_num_threads(old)
    2
    """
    n = int(nthreads)
    if not 1 <= n <= MAX_THREADS:
        raise UsageError(
            f"the number of threads must be from 1 to MAX_THREADS ({MAX_THREADS}, set by "
            f"NUMEXPR_MAX_THREADS), got {nthreads!r}"
        )
    cap = _nexpr._max_threads()
    if n > cap:
        warnings.warn(
            f"nexpr runs at most {cap} threads here (four per core): using {cap}, not {n}",
            RuntimeWarning,
            stacklevel=2,
        )
        n = cap
    old = _nexpr._set_num_threads(n)
    package = sys.modules.get("nexpr")
    if package is not None:
        package.nthreads = n
    return old


def get_num_threads() -> int:
    """The number of threads ``evaluate`` (and kernels compiled without ``threads=``)
    use.

    Returns
    -------
    int
        As set by :func:`set_num_threads`, else decided from the environment at import
        (see the module's documentation).
    """
    return _nexpr._get_num_threads()


def _init_num_threads() -> int:
    """Sets the thread count from the environment (with a warning where it asks for
    more than nexpr runs) and returns it."""
    requested = _requested_threads()
    cap = min(MAX_THREADS, _nexpr._max_threads())
    if requested is not None and requested > cap:
        warnings.warn(
            f"the environment asks for {requested} threads; nexpr runs at most {cap} here "
            "(MAX_THREADS, and four per core)",
            RuntimeWarning,
            stacklevel=2,
        )
    n = min(requested or _nexpr._default_threads(), cap)
    _nexpr._set_num_threads(n)
    return n


def get_vml_version() -> None:
    """numexpr's VML version query.

    Returns
    -------
    None
        nexpr has no VML.
    """
    return None


def set_vml_accuracy_mode(mode: Optional[str]) -> None:
    """Accepted and ignored (no VML), as numexpr without VML does.

    Parameters
    ----------
    mode : {None, 'high', 'low', 'fast'}
        numexpr's VML accuracy modes.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        For any other mode.
    """
    if mode not in (None, "high", "low", "fast"):
        raise ValueError("mode argument must be one of: None, 'high', 'low', 'fast'")
    return None


def set_vml_num_threads(nthreads: int) -> None:
    """Accepted and ignored (no VML).

    Parameters
    ----------
    nthreads : int
        numexpr's VML thread count.

    Returns
    -------
    None
    """
    return None


def get_vml_num_threads() -> None:
    """numexpr's VML thread count query.

    Returns
    -------
    None
        nexpr has no VML.
    """
    return None


def print_versions() -> None:
    """Prints the versions of nexpr, NumPy and Python, the platform and the threads.

    Returns
    -------
    None
    """
    import platform

    import numpy

    print(f"nexpr: {_nexpr.__version__}")
    print(f"NumPy: {numpy.__version__}")
    print(f"Python: {sys.version}")
    print(f"Platform: {platform.platform()}")
    print(f"Threads: {get_num_threads()} of {detect_number_of_cores()} cores")
    print(f"MAX_THREADS: {MAX_THREADS}; VML: no")
