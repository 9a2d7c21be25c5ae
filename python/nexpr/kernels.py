"""The ready-made programs of the repository's ``kernels/`` folder, shipped in the
package (embedded in the extension module)::

    import numpy as np
    import nexpr

    nexpr.kernels.names()                  # ['black_scholes', 'julia', 'logistic', 'mandelbrot', 'newton']
    mandel = nexpr.kernels.load("mandelbrot")
    x = np.linspace(-2, 1, 400)
    c = x[None, :] + 1j * np.linspace(-1.5, 1.5, 400)[:, None]
    escape = mandel.run(c=c, maxi=512)["escape"]
"""

import os
import tempfile
from typing import Optional

from . import _nexpr
from ._nexpr import Kernel

__all__ = ["load", "names", "path", "source"]

_SOURCES = dict(_nexpr._kernel_sources())


def names() -> list[str]:
    """The shipped kernels' names.

    Returns
    -------
    list of str
        Sorted.
    """
    return sorted(_SOURCES)


def source(name: str) -> str:
    """The text of a shipped kernel; its header comment says what it computes.

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Returns
    -------
    str

    Raises
    ------
    KeyError
        For a name that is not a shipped kernel's.
    """
    try:
        return _SOURCES[name]
    except KeyError:
        raise KeyError(f"no kernel named {name!r}; there are {', '.join(names())}") from None


def load(
    name: str,
    target: str = "cpu",
    threads: Optional[int] = None,
    *,
    device: int = 0,
    fast_math: bool = False,
) -> Kernel:
    """A shipped kernel compiled as a program, as :func:`nexpr.program` compiles it.

    Parameters
    ----------
    name : str
        One of :func:`names`.
    target : {'cpu', 'interp', 'cuda'}, optional
        As for :func:`nexpr.program`.
    threads : int, optional
        As for :func:`nexpr.program`.
    device : int, optional
        As for :func:`nexpr.program`.
    fast_math : bool, optional
        As for :func:`nexpr.program`.

    Returns
    -------
    nexpr.Kernel

    Examples
    --------
    >>> import numpy as np, nexpr
    >>> k = nexpr.kernels.load("mandelbrot")
    >>> k.run(c=np.array([0j, 2 + 2j]), maxi=50)["escape"]
    array([50,  1])
    """
    return _nexpr.program(source(name), target, threads, device=device, fast_math=fast_math)


def _folder() -> str:
    """Where :func:`path` keeps the files: ``$XDG_CACHE_HOME/nexpr/kernels-VERSION``
    (``~/.cache`` without it), one folder per nexpr version."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "nexpr", f"kernels-{_nexpr.__version__}")


def path(name: str) -> str:
    """The path of a file holding a shipped kernel's source, for tools that take a
    path (``nexpr run "$(python -c ...)"``).

    The file (``NAME.nx``) stays: it is kept in the user's cache folder (see
    ``_folder``), written when missing or different.

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Returns
    -------
    str
        The file's path.
    """
    text = source(name)
    folder = _folder()
    p = os.path.join(folder, f"{name}.nx")
    try:
        with open(p, encoding="utf-8") as f:
            if f.read() == text:
                return p
    except OSError:
        pass
    os.makedirs(folder, exist_ok=True)
    # Written beside and renamed: another process reading it never sees half a file.
    fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".nx", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, p)
    except BaseException:
        os.unlink(tmp)
        raise
    return p
