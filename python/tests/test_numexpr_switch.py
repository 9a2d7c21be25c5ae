"""install_as_numexpr: what it changes, what it leaves alone, and how it is undone.

Each order-sensitive case runs in a fresh interpreter (pandas or PyTables must import
numexpr after, or before, the switch)."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import nexpr

ROUTED = ("evaluate", "re_evaluate", "validate", "set_num_threads", "get_num_threads")


def run_python(code, timeout=300):
    r = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_uninstall_restores_the_very_same_functions():
    numexpr = pytest.importorskip("numexpr")
    before = {name: getattr(numexpr, name) for name in ROUTED}
    try:
        m = nexpr.install_as_numexpr()
        assert m is numexpr and sys.modules["numexpr"] is numexpr
        assert numexpr.evaluate is nexpr.evaluate
        assert numexpr.re_evaluate is nexpr.re_evaluate
        assert nexpr.install_as_numexpr() is numexpr  # twice: nothing more
        # numexpr's virtual machine is untouched
        assert numexpr.necompiler.evaluate is not nexpr.evaluate
        assert not hasattr(numexpr, "is_nexpr")
    finally:
        nexpr.uninstall_numexpr()
    for name, f in before.items():
        assert getattr(numexpr, name) is f, name
    nexpr.uninstall_numexpr()  # nothing installed: nothing to do
    assert numexpr.evaluate is before["evaluate"]


def test_context_manager_restores_also_on_error():
    numexpr = pytest.importorskip("numexpr")
    original = numexpr.evaluate
    a = np.arange(4.0)
    with nexpr.numexpr_installed() as ne:
        assert ne is numexpr and numexpr.evaluate is nexpr.evaluate
        np.testing.assert_array_equal(numexpr.evaluate("a * 2", {"a": a}), a * 2)
    assert numexpr.evaluate is original
    with pytest.raises(RuntimeError), nexpr.numexpr_installed():
        raise RuntimeError("inside")
    assert numexpr.evaluate is original


def test_thread_settings_reach_both():
    numexpr = pytest.importorskip("numexpr")
    old_nexpr, old_numexpr = nexpr.get_num_threads(), numexpr.get_num_threads()
    with nexpr.numexpr_installed():
        numexpr.set_num_threads(1)
        assert nexpr.get_num_threads() == 1 and numexpr.get_num_threads() == 1
        assert numexpr.utils.get_num_threads() == 1  # numexpr's own count, for PyTables
    nexpr.set_num_threads(old_nexpr)
    numexpr.set_num_threads(old_numexpr)


SWITCH_CHECK = """
    import numpy as np
    import numexpr
    import nexpr
    import pandas as pd
    from pandas.core.computation import expressions

    calls = []
    routed = numexpr.evaluate
    assert routed is nexpr.evaluate

    def counting(*args, **kwargs):
        calls.append(args[0])
        return routed(*args, **kwargs)

    numexpr.evaluate = counting
    n = expressions._MIN_ELEMENTS + 10
    df = pd.DataFrame({"a": np.arange(n, dtype=float), "b": np.ones(n)})
    got = df.a * 2.5 + df.b                          # pandas' large-array arithmetic
    assert calls, "arithmetic did not reach nexpr"
    np.testing.assert_array_equal(got.to_numpy(), np.arange(n) * 2.5 + 1)
    k = len(calls)
    e = df.eval("a * 2 + b", engine="numexpr")        # pd.eval and DataFrame.eval
    assert len(calls) > k, "DataFrame.eval did not reach nexpr"
    np.testing.assert_array_equal(e.to_numpy(), np.arange(n) * 2 + 1)
    print("OK", len(calls))
"""


def test_switch_before_pandas_import():
    pytest.importorskip("pandas")
    out = run_python("import nexpr; nexpr.install_as_numexpr()\n" + textwrap.dedent(SWITCH_CHECK))
    assert "OK" in out


def test_switch_after_pandas_import():
    pytest.importorskip("pandas")
    pytest.importorskip("numexpr")
    out = run_python("import pandas, nexpr; nexpr.install_as_numexpr()\n" + textwrap.dedent(SWITCH_CHECK))
    assert "OK" in out


def test_pytables_and_pandas_hdf5_with_the_switch_on(tmp_path):
    pytest.importorskip("tables")
    pytest.importorskip("pandas")
    path = tmp_path / "t.h5"
    out = run_python(
        f"""
        import nexpr
        nexpr.install_as_numexpr()
        import numpy as np, pandas as pd, tables

        df = pd.DataFrame({{"a": np.arange(1000), "b": np.arange(1000) * 0.5}})
        df.to_hdf({str(path)!r}, key="t", format="table", data_columns=True)
        pd.testing.assert_frame_equal(pd.read_hdf({str(path)!r}, "t"), df)
        with pd.HDFStore({str(path)!r}) as store:
            got = store.select("t", where="a > 990 & b < 499")
        pd.testing.assert_frame_equal(got, df[(df.a > 990) & (df.b < 499)])
        with tables.open_file({str(path)!r}) as f:
            rows = f.root.t.table.read_where("(a >= 10) & (a < 13)")
        assert list(rows["a"]) == [10, 11, 12]
        print("OK")
        """
    )
    assert "OK" in out


def test_stand_in_where_numexpr_is_missing():
    pytest.importorskip("pandas")
    out = run_python(
        """
        import sys
        sys.modules["numexpr"] = None          # as if numexpr were not installed
        import numpy as np
        import nexpr
        ne = nexpr.install_as_numexpr()
        import numexpr
        assert numexpr is ne and numexpr.is_nexpr and sys.modules["numexpr.utils"]
        a = np.arange(3.0)
        np.testing.assert_array_equal(numexpr.evaluate("a + 1"), a + 1)
        from numexpr.utils import set_num_threads, detect_number_of_cores
        try:
            numexpr.necompiler.getContext
        except AttributeError as e:
            assert "virtual machine" in str(e) and "PyTables" in str(e), e
        else:
            raise AssertionError("getContext should be refused")
        import pandas as pd
        from pandas.core.computation import expressions
        assert expressions.NUMEXPR_INSTALLED and expressions.ne is ne
        nexpr.uninstall_numexpr()
        assert sys.modules["numexpr"] is None and "numexpr.utils" not in sys.modules
        print("OK")
        """
    )
    assert "OK" in out
