"""pytest plugin (``-p nexpr_plugin``): numexpr's evaluation goes to nexpr before pandas
or PyTables is imported, and the run fails when no evaluation reached nexpr.

Loaded by ``run.py`` for pandas' and PyTables' own tests. Options:

* ``--nexpr-min-calls N``: the run fails unless nexpr's ``evaluate`` ran at least N
  times (0 turns the check off);
* ``--nexpr-pandas-tests DIR``: pandas' test files extracted from its sdist (for a pandas
  wheel without ``pandas/tests``), grafted onto the installed ``pandas`` package;
* ``--nexpr-unittest-suite MODULE``: run only the tests ``MODULE.suite()`` lists (the
  set a unittest-style suite such as PyTables' defines; pytest would also collect its
  abstract base classes and their generated siblings, which fail without nexpr too).
"""

import sys

import nexpr

_calls = [0]


def _install_counting():
    ne = nexpr.install_as_numexpr()
    routed = ne.evaluate

    def evaluate(*args, **kwargs):
        # One frame more between the caller and nexpr's evaluate: names the caller does
        # not pass (pandas' tests call numexpr.evaluate on their own locals) are looked
        # up one frame further out (numexpr's _frame_depth, 3 by default).
        kwargs["_frame_depth"] = kwargs.get("_frame_depth", 3) + 1
        _calls[0] += 1
        return routed(*args, **kwargs)

    ne.evaluate = evaluate
    return ne


def pytest_addoption(parser):
    group = parser.getgroup("nexpr")
    group.addoption("--nexpr-min-calls", type=int, default=1)
    group.addoption("--nexpr-pandas-tests", default=None)
    group.addoption("--nexpr-unittest-suite", default=None)


def pytest_load_initial_conftests(early_config, parser, args):
    assert "pandas" not in sys.modules and "tables" not in sys.modules, (
        "nexpr must be installed as numexpr before pandas or PyTables is imported"
    )
    _install_counting()
    graft = early_config.known_args_namespace.nexpr_pandas_tests
    if graft:
        import pandas

        pandas.__path__.append(graft)


def _suite_tests(module):
    """(class name, method name) of every test ``module.suite()`` lists."""
    import importlib
    import unittest

    found = set()

    def walk(test):
        if isinstance(test, unittest.TestSuite):
            for t in test:
                walk(t)
        else:
            found.add((type(test).__name__, test._testMethodName))

    walk(importlib.import_module(module).suite())
    return found


def pytest_collection_modifyitems(config, items):
    module = config.getoption("--nexpr-unittest-suite")
    if module:
        listed = _suite_tests(module)
        keep = [t for t in items if (getattr(t.cls, "__name__", None), t.name) in listed]
        config.hook.pytest_deselected(items=[t for t in items if t not in keep])
        items[:] = keep


def pytest_sessionfinish(session, exitstatus):
    need = session.config.getoption("--nexpr-min-calls")
    print(f"\nnexpr: evaluate ran {_calls[0]} times", file=sys.stderr)
    if _calls[0] < need:
        print(f"nexpr: fewer than {need} evaluations reached nexpr", file=sys.stderr)
        session.exitstatus = 1
