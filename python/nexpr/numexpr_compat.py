"""A ``numexpr`` module backed by nexpr, for code that imports numexpr (pandas).

:func:`install` puts it in ``sys.modules['numexpr']`` (the way PyMySQL's
``install_as_MySQLdb()`` works), with the submodules ``numexpr.necompiler``,
``numexpr.utils``, ``numexpr.expressions``, ``numexpr.interpreter`` and
``numexpr.version``. What pandas uses is there: ``__version__`` (a numexpr version
that pandas accepts, with nexpr's as a local label), ``evaluate``, ``set_num_threads``,
``get_num_threads``, ``detect_number_of_cores``. numexpr's internals (``NumExpr``,
``disassemble``, ``E``, the VML controls) have no nexpr equivalent: calling them raises
``NotImplementedError``, except the VML queries, which answer "no VML".
"""

import sys
import types

from . import __version__ as _nexpr_version
from . import (
    _nexpr,
    detect_number_of_cores,
    evaluate,
    get_num_threads,
    re_evaluate,
    set_num_threads,
    validate,
)

__all__ = ["NUMEXPR_VERSION", "install", "module"]

#: The numexpr release whose ``evaluate`` this module stands in for.
NUMEXPR_VERSION = "2.14.2"

MAX_THREADS = 64
__BLOCK_SIZE1__ = 1024


def _internal(name):
    def f(*args, **kwargs):
        raise NotImplementedError(
            f"numexpr.{name} is an internal of numexpr's virtual machine; nexpr compiles "
            "expressions instead (use nexpr.compile)"
        )

    f.__name__ = name
    return f


NumExpr = _internal("NumExpr")
disassemble = _internal("disassemble")
precompile = _internal("precompile")


class _E:
    """numexpr's ``E`` builds expression objects for ``NumExpr``; not supported."""

    def __getattr__(self, name):
        raise NotImplementedError("numexpr.E builds numexpr's own expression trees, which nexpr does not use")


E = _E()


class ConstantNode:
    """numexpr's constant expression node (an internal); not supported."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("numexpr.expressions.ConstantNode is an internal of numexpr")


def getExprNames(text, context=None, sanitize=True):  # noqa: N802 - numexpr's name
    """numexpr's ``(input names, uses VML)`` of an expression."""
    return _nexpr.expression_names(text), False


def get_vml_version():
    return None


def set_vml_accuracy_mode(mode):
    return None


def set_vml_num_threads(nthreads):
    return None


def get_vml_num_threads():
    return None


def detect_number_of_threads():
    return get_num_threads()


def _init_num_threads():
    from . import _init_num_threads as init

    return init()


def print_versions():
    import platform

    import numpy

    print(f"numexpr (nexpr {_nexpr_version}): {NUMEXPR_VERSION}")
    print(f"NumPy: {numpy.__version__}")
    print(f"Python: {sys.version}")
    print(f"Platform: {platform.platform()}")
    print(f"Threads: {get_num_threads()} of {detect_number_of_cores()} cores")


def _module(name, doc, **attrs):
    m = types.ModuleType(name, doc)
    m.__dict__.update(attrs)
    return m


def module():
    """Builds the ``numexpr`` module and its submodules (without installing them)."""
    version = f"{NUMEXPR_VERSION}+nexpr.{_nexpr_version}"
    common = dict(
        evaluate=evaluate,
        re_evaluate=re_evaluate,
        validate=validate,
        NumExpr=NumExpr,
        disassemble=disassemble,
        set_num_threads=set_num_threads,
        get_num_threads=get_num_threads,
        detect_number_of_cores=detect_number_of_cores,
        detect_number_of_threads=detect_number_of_threads,
        get_vml_version=get_vml_version,
        set_vml_accuracy_mode=set_vml_accuracy_mode,
        set_vml_num_threads=set_vml_num_threads,
        get_vml_num_threads=get_vml_num_threads,
        _init_num_threads=_init_num_threads,
    )
    sub = {
        "necompiler": _module(
            "numexpr.necompiler",
            "nexpr's stand-in for numexpr.necompiler",
            getExprNames=getExprNames,
            precompile=precompile,
            **common,
        ),
        "expressions": _module(
            "numexpr.expressions",
            "nexpr's stand-in for numexpr.expressions",
            E=E,
            ConstantNode=ConstantNode,
        ),
        "utils": _module("numexpr.utils", "nexpr's stand-in for numexpr.utils", **common),
        "interpreter": _module(
            "numexpr.interpreter",
            "nexpr's stand-in for numexpr.interpreter",
            MAX_THREADS=MAX_THREADS,
            __BLOCK_SIZE1__=__BLOCK_SIZE1__,
            use_vml=False,
        ),
        "version": _module("numexpr.version", "version", version=version, release=True),
    }
    from . import ncores, nthreads

    ne = _module(
        "numexpr",
        "numexpr's interface, evaluated by nexpr " + _nexpr_version,
        __version__=version,
        __path__=[],
        ncores=ncores,
        nthreads=nthreads,
        use_vml=False,
        MAX_THREADS=MAX_THREADS,
        __BLOCK_SIZE1__=__BLOCK_SIZE1__,
        E=E,
        print_versions=print_versions,
        is_nexpr=True,
        **common,
        **sub,
    )
    return ne, sub


def install():
    """Installs the module as ``numexpr`` in ``sys.modules`` (replacing a numexpr
    imported before) and returns it."""
    ne, sub = module()
    sys.modules["numexpr"] = ne
    for name, m in sub.items():
        sys.modules[f"numexpr.{name}"] = m
    return ne
