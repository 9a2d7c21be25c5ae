"""Run by test_pandas.py in a fresh interpreter: pandas with nexpr installed as numexpr."""

import operator
import sys

import nexpr

ne_mod = nexpr.install_as_numexpr()
assert "pandas" not in sys.modules

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from pandas.core.computation import expressions  # noqa: E402

calls = []
real_evaluate = ne_mod.evaluate


def counting_evaluate(ex, *args, **kwargs):
    calls.append(ex)
    return real_evaluate(ex, *args, **kwargs)


ne_mod.evaluate = counting_evaluate
assert sys.modules["numexpr"] is ne_mod
assert expressions.NUMEXPR_INSTALLED and expressions.USE_NUMEXPR
assert expressions.ne is ne_mod

rng = np.random.default_rng(0)
n = 200_000
df = pd.DataFrame({c: rng.random(n) for c in "abcd"})

# pd.eval with the numexpr engine
got = pd.eval("df.a + df.b * 2 - df.c / (df.d + 1)", engine="numexpr")
want = df.a + df.b * 2 - df.c / (df.d + 1)
pd.testing.assert_series_equal(got, want, check_names=False)
assert calls, "pd.eval did not call numexpr.evaluate"

# DataFrame.eval (assignment) and query
calls.clear()
out = df.eval("e = a * b + c / d", engine="numexpr")
np.testing.assert_allclose(out["e"], df.a * df.b + df.c / df.d)
q = df.query("a > 0.5 & b < 0.2", engine="numexpr")
pd.testing.assert_frame_equal(q, df[(df.a > 0.5) & (df.b < 0.2)])
assert len(calls) >= 2, calls

# Large-array arithmetic through pandas.core.computation.expressions
calls.clear()
big = pd.DataFrame(rng.random((1_000_000, 2)), columns=["x", "y"])
expressions.set_test_mode(True)
r = big * 2.5 + big
used = expressions.get_test_result()
expressions.set_test_mode(False)
np.testing.assert_allclose(r.to_numpy(), big.to_numpy() * 2.5 + big.to_numpy())
assert any(used), used
x = rng.random(2_000_000)
y = rng.random(2_000_000)
np.testing.assert_allclose(expressions.evaluate(operator.add, x, y), x + y)
np.testing.assert_array_equal(expressions.where(x > y, x, y), np.where(x > y, x, y))
assert any("left_value" in c for c in calls) and any("where(" in c for c in calls), calls

# Type errors fall back to NumPy: ints to the power of ints
ai = np.arange(2_000_000) % 5
bi = np.arange(2_000_000) % 3
np.testing.assert_array_equal(expressions.evaluate(operator.pow, ai, bi), ai**bi)

# Threads, as pandas sets them
expressions.set_numexpr_threads(1)
assert nexpr.get_num_threads() == 1
expressions.set_numexpr_threads()
assert nexpr.get_num_threads() == nexpr.detect_number_of_cores()

print("pandas", pd.__version__, "OK", len(calls))
