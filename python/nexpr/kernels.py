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

import atexit
import os
import shutil
import tempfile

from . import _nexpr

__all__ = ["load", "names", "path", "source"]

_SOURCES = dict(_nexpr._kernel_sources())
_DIR = None


def names():
    """The kernels' names, sorted."""
    return sorted(_SOURCES)


def source(name):
    """The text of kernel ``name`` (its header comment says what it computes)."""
    try:
        return _SOURCES[name]
    except KeyError:
        raise KeyError(f"no kernel named {name!r}; there are {', '.join(names())}") from None


def load(name, target="cpu", threads=None, **options):
    """Kernel ``name`` compiled as a program (``nexpr.program``)."""
    return _nexpr.program(source(name), target, threads, **options)


def path(name):
    """A file holding kernel ``name``'s source (``NAME.nx``), for tools that take a
    path (the ``nexpr run`` command line). Written once per process to a temporary
    folder removed at exit."""
    global _DIR
    text = source(name)
    if _DIR is None:
        _DIR = tempfile.mkdtemp(prefix="nexpr-kernels-")
        atexit.register(shutil.rmtree, _DIR, True)
    p = os.path.join(_DIR, f"{name}.nx")
    if not os.path.exists(p):
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
    return p
