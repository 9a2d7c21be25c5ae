"""nexpr in numexpr's place, for code that calls numexpr (pandas).

:func:`install` changes where numexpr's *evaluation* runs and nothing else:

* **numexpr installed**: its module stays (PyTables compiles ``Table.where()``
  conditions with numexpr's own ``NumExpr`` virtual machine, and keeps it). Only the
  entry points pandas calls are replaced on the ``numexpr`` module, where pandas looks
  them up at every call, so it works whether pandas was imported before or after:
  ``evaluate``, ``re_evaluate`` and ``validate`` (they share numexpr's "last
  expression") become nexpr's; ``set_num_threads`` sets nexpr's thread count and numexpr's
  (PyTables' virtual machine keeps following it) and ``get_num_threads`` answers nexpr's.
* **numexpr not installed**: a stand-in ``numexpr`` module (with ``necompiler``,
  ``utils``, ``expressions``, ``interpreter``, ``version``) goes into ``sys.modules``.
  It has numexpr's evaluation API and thread controls; numexpr's virtual machine
  (``NumExpr``, ``getContext``, ``getType``, ``expressions.functions``, ...) is refused
  with an error naming what is missing, so PyTables stops at import with that message
  instead of failing later.

:func:`uninstall` puts back exactly what was there (the very same function objects,
or no ``numexpr`` module at all); :func:`installed` does both around a ``with`` block.
"""

import contextlib
import sys
import types
from collections.abc import Iterator

from . import __version__ as _nexpr_version
from . import (
    _nexpr,
    evaluate,
    get_num_threads,
    re_evaluate,
    set_num_threads,
    validate,
)
from . import utils as _utils

__all__ = ["NUMEXPR_VERSION", "install", "installed", "is_installed", "module", "uninstall"]

#: The numexpr release whose interface the stand-in module offers.
NUMEXPR_VERSION = "2.14.2"

#: What :func:`install` replaced, so that :func:`uninstall` can put it back:
#: ``("attrs", module, {name: original})`` for numexpr's own module, or
#: ``("modules", {sys.modules key: previous entry or _ABSENT})`` for the stand-in.
_replaced = []

_ABSENT = object()


def _real_numexpr():
    """numexpr's own module, imported, or None where it is not installed (or is the
    stand-in, or was blocked with ``sys.modules['numexpr'] = None``)."""
    current = sys.modules.get("numexpr", _ABSENT)
    if current is None:
        return None
    if current is not _ABSENT:
        return None if getattr(current, "is_nexpr", False) else current
    try:
        import numexpr
    except ImportError:
        return None
    return numexpr


def _routed_set_num_threads(ne):
    """numexpr's ``set_num_threads`` as routed: nexpr's count and numexpr's own."""
    original = ne.set_num_threads
    limit = int(getattr(ne, "MAX_THREADS", 64))

    def set_num_threads_both(nthreads):
        """Sets the number of threads of nexpr's evaluation and of numexpr's virtual
        machine (which PyTables uses); returns nexpr's previous number."""
        previous = set_num_threads(nthreads)
        original(min(get_num_threads(), limit))
        return previous

    set_num_threads_both.__name__ = "set_num_threads"
    return set_num_threads_both


def _route(ne):
    """Replaces the evaluation entry points on numexpr's own module."""
    replacements = {
        "evaluate": evaluate,
        "re_evaluate": re_evaluate,
        "validate": validate,
        "set_num_threads": _routed_set_num_threads(ne),
        "get_num_threads": get_num_threads,
    }
    originals = {name: getattr(ne, name, _ABSENT) for name in replacements}
    for name, f in replacements.items():
        setattr(ne, name, f)
    _replaced.append(("attrs", ne, originals))
    return ne


def is_installed() -> bool:
    """Whether numexpr's evaluation currently runs in nexpr."""
    ne = sys.modules.get("numexpr")
    return ne is not None and (getattr(ne, "is_nexpr", False) or ne.__dict__.get("evaluate") is evaluate)


def install() -> types.ModuleType:
    """Routes numexpr's evaluation to nexpr (see the module's documentation) and
    returns the ``numexpr`` module pandas sees. Installing twice changes nothing more."""
    if is_installed():
        return sys.modules["numexpr"]
    ne = _real_numexpr()
    if ne is not None:
        return _route(ne)
    stand_in, sub = module()
    entries = {"numexpr": stand_in, **{f"numexpr.{k}": m for k, m in sub.items()}}
    _replaced.append(("modules", {k: sys.modules.get(k, _ABSENT) for k in entries}))
    sys.modules.update(entries)
    return stand_in


def uninstall() -> None:
    """Undoes :func:`install`: numexpr's own functions (the same objects) back on its
    module, or the stand-in modules out of ``sys.modules`` (and whatever was there
    before back in). Does nothing where nothing is installed."""
    while _replaced:
        what, *rest = _replaced.pop()
        if what == "attrs":
            ne, originals = rest
            for name, original in originals.items():
                if original is _ABSENT:
                    ne.__dict__.pop(name, None)
                else:
                    setattr(ne, name, original)
        else:
            (previous,) = rest
            for key, entry in previous.items():
                if entry is _ABSENT:
                    sys.modules.pop(key, None)
                else:
                    sys.modules[key] = entry


@contextlib.contextmanager
def installed() -> Iterator[types.ModuleType]:
    """``with installed(): ...`` runs the block with numexpr's evaluation in nexpr and
    restores what was there after it, also when it raises."""
    already = is_installed()
    ne = install()
    try:
        yield ne
    finally:
        if not already:
            uninstall()


# ---- the stand-in module, where numexpr is not installed ----


def _refuse(module_name):
    """A module ``__getattr__`` naming the missing numexpr internal."""

    def __getattr__(name):  # noqa: N807 - the module attribute hook
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(
            f"{module_name}.{name} is part of numexpr's own virtual machine, which nexpr "
            "does not provide (numexpr is not installed; nexpr only stands in for its "
            "evaluate API). Install numexpr for code that needs it, such as PyTables."
        )

    return __getattr__


def _internal(name):
    def f(*args, **kwargs):
        raise NotImplementedError(
            f"numexpr.{name} is an internal of numexpr's virtual machine; nexpr compiles "
            "expressions instead (use nexpr.compile)"
        )

    f.__name__ = name
    return f


def getExprNames(text, context=None, sanitize=True):  # noqa: N802 - numexpr's name
    """numexpr's ``(input names, uses VML)`` of an expression."""
    return _nexpr.expression_names(text), False


def _module(name, doc, **attrs):
    m = types.ModuleType(name, doc)
    m.__dict__.update(attrs)
    m.__getattr__ = _refuse(name)
    return m


def module():
    """Builds the stand-in ``numexpr`` module and its submodules (without installing
    them): ``(numexpr, {submodule name: module})``."""
    from . import ncores, nthreads

    version = f"{NUMEXPR_VERSION}+nexpr.{_nexpr_version}"
    threads = {
        name: getattr(_utils, name)
        for name in (
            "set_num_threads",
            "get_num_threads",
            "detect_number_of_cores",
            "detect_number_of_threads",
            "_init_num_threads",
            "get_vml_version",
            "set_vml_accuracy_mode",
            "set_vml_num_threads",
            "get_vml_num_threads",
        )
    }
    api = dict(evaluate=evaluate, re_evaluate=re_evaluate, validate=validate, **threads)
    internals = {n: _internal(n) for n in ("NumExpr", "disassemble", "precompile")}
    sub = {
        "necompiler": _module(
            "numexpr.necompiler",
            "nexpr's stand-in for numexpr.necompiler",
            getExprNames=getExprNames,
            **api,
            **internals,
        ),
        "expressions": _module("numexpr.expressions", "nexpr's stand-in for numexpr.expressions"),
        "utils": _module("numexpr.utils", "nexpr's stand-in for numexpr.utils", **threads),
        "interpreter": _module(
            "numexpr.interpreter",
            "nexpr's stand-in for numexpr.interpreter",
            MAX_THREADS=_utils.MAX_THREADS,
            __BLOCK_SIZE1__=1024,
            use_vml=False,
        ),
        "version": _module("numexpr.version", "version", version=version, release=True),
    }
    ne = _module(
        "numexpr",
        "numexpr's interface, evaluated by nexpr " + _nexpr_version,
        __version__=version,
        __path__=[],
        ncores=ncores,
        nthreads=nthreads,
        use_vml=False,
        MAX_THREADS=_utils.MAX_THREADS,
        __BLOCK_SIZE1__=1024,
        print_versions=_utils.print_versions,
        is_nexpr=True,
        NumExpr=internals["NumExpr"],
        disassemble=internals["disassemble"],
        **api,
        **sub,
    )
    return ne, sub
