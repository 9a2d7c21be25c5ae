"""The Python surface is documented: every public function and method says what its
parameters are and what it returns (numpydoc sections), and the examples in the
docstrings run."""

import doctest
import inspect

import numpy as np
import pytest

import nexpr
import nexpr.kernels
import nexpr.utils

KERNEL_METHODS = ["__call__", "run", "emit", "result_dtypes", "result_dtype"]


def public_functions():
    """(qualified name, object) of every public function and Kernel method."""
    out = []
    for name in nexpr.__all__:
        obj = getattr(nexpr, name)
        if callable(obj) and not isinstance(obj, type):
            out.append((f"nexpr.{name}", obj))
    for mod in (nexpr.kernels, nexpr.utils):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj):
                out.append((f"{mod.__name__}.{name}", obj))
    for name in KERNEL_METHODS:
        out.append((f"nexpr.Kernel.{name}", getattr(nexpr.Kernel, name)))
    return out


def dask_functions():
    dask_mod = pytest.importorskip("nexpr.dask")
    return [(f"nexpr.dask.{n}", getattr(dask_mod, n)) for n in dask_mod.__all__] + [
        ("nexpr.dask.split_reduction", dask_mod.split_reduction)
    ]


def parameters(obj):
    """The parameters a caller passes (not ``self``)."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    return [p for p in sig.parameters.values() if p.name != "self"]


def check_documented(qualname, obj):
    doc = inspect.getdoc(obj) or ""
    assert "Call self as a function" not in doc, qualname
    params = parameters(obj)
    assert params is not None, f"{qualname} has no signature"
    public = [p for p in params if not p.name.startswith("_")]
    if public:
        assert "Parameters\n----------" in doc, f"{qualname}: no Parameters section"
        for p in public:
            shown = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}.get(p.kind.name, "") + p.name
            documented = shown in doc or p.name in doc
            assert documented, f"{qualname}: parameter {p.name} is not documented"
    assert "Returns\n-------" in doc, f"{qualname}: no Returns section"


@pytest.mark.parametrize("qualname,obj", public_functions(), ids=lambda x: x if isinstance(x, str) else "")
def test_public_functions_document_their_parameters(qualname, obj):
    check_documented(qualname, obj)


def test_dask_functions_document_their_parameters():
    for qualname, obj in dask_functions():
        check_documented(qualname, obj)


def test_kernel_call_is_documented_and_is_the_call():
    doc = inspect.getdoc(nexpr.Kernel.__call__)
    assert "out : numpy.ndarray, optional" in doc
    k = nexpr.compile("2*a + b")
    a = np.arange(3.0)
    assert np.array_equal(nexpr.Kernel.__call__(k, a, b=1.0), k(a, b=1.0))
    assert np.array_equal(k.__call__(a=a, b=a), 3 * a)


def run_examples(objs):
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    ran = 0
    for qualname, obj in objs:
        for test in finder.find(obj, qualname, globs={}):
            ran += len(test.examples)
            runner.run(test)
    failed, _ = runner.summarize(verbose=False)
    return failed, ran


def test_docstring_examples_run():
    old = nexpr.get_num_threads()
    try:
        failed, ran = run_examples(public_functions() + [("nexpr.Kernel", nexpr.Kernel)])
    finally:
        nexpr.set_num_threads(old)
    assert ran >= 10 and failed == 0


def test_dask_docstring_examples_run():
    failed, ran = run_examples(dask_functions())
    assert ran >= 4 and failed == 0
