"""``nexpr.test()``: a quick check of this installation against NumPy, in the place of
``numexpr.test()`` (whose suite runs numexpr's own virtual machine).

Every expression is evaluated by nexpr (all threads, and one) and by NumPy on the same
arrays of each dtype; results must match in dtype and, within a few ulps for
transcendentals, in value.
"""

import unittest

import numpy as np

__all__ = ["suite", "test"]

# (expression, NumPy's computation of it, dtypes to run it on)
_CASES = [
    ("a + b * 2", lambda a, b: a + b * 2, "ilfdFD"),
    ("where(a > b, a - b, b % 3)", lambda a, b: np.where(a > b, a - b, b % 3), "ilfd"),
    ("a // 3 + (b ** 2)", lambda a, b: a // 3 + b**2, "ilfd"),
    ("sqrt(abs(a)) + sin(b) * exp(-abs(b))",
     lambda a, b: np.sqrt(np.abs(a)) + np.sin(b) * np.exp(-np.abs(b)), "fd"),
    ("arctan2(a, b) + log1p(abs(a))", lambda a, b: np.arctan2(a, b) + np.log1p(np.abs(a)), "fd"),
    ("(a > 0) & (b < 5) | ~(a == b)", lambda a, b: (a > 0) & (b < 5) | ~(a == b), "ild"),
    ("real(a * conj(b)) + abs(a)", lambda a, b: np.real(a * np.conj(b)) + np.abs(a), "FD"),
    ("sum(a * b)", lambda a, b: np.sum(a * b), "ld"),
    ("max(a - b, axis=0)", lambda a, b: np.max(a - b, axis=0), "ild"),
]


def _arrays(code, n=10_001):
    rng = np.random.default_rng(7)
    dtype = np.dtype(code)
    if dtype.kind == "c":
        a = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype)
        b = (rng.standard_normal(n) - 1j * rng.standard_normal(n)).astype(dtype)
        return a, b
    if dtype.kind == "f":
        return (rng.standard_normal(n) * 10).astype(dtype), (rng.standard_normal(n) * 3).astype(dtype)
    return rng.integers(-1000, 1000, n).astype(dtype), rng.integers(1, 9, n).astype(dtype)


class _Case(unittest.TestCase):
    def __init__(self, ex, numpy_fn, code, threads):
        super().__init__("runTest")
        self.ex, self.numpy_fn, self.code, self.threads = ex, numpy_fn, code, threads

    def __str__(self):
        return f"{self.ex!r} on {np.dtype(self.code)} with {self.threads} thread(s)"

    def runTest(self):  # noqa: N802 - unittest's name
        from . import compile

        a, b = _arrays(self.code)
        got = compile(self.ex, threads=self.threads)(a=a, b=b)
        with np.errstate(all="ignore"):
            want = np.asarray(self.numpy_fn(a, b))
        self.assertEqual(np.asarray(got).dtype, want.dtype)
        rtol = 1e-5 if self.code in "fF" else 1e-12
        # Where terms cancel (a sum near zero), operands one ulp apart (NumPy's float32
        # arctan2 and complex multiply round differently) differ by an ulp of the
        # largest value, not of the result: that much absolute difference is allowed.
        atol = 0.0
        if want.dtype.kind in "fc" and want.size:
            atol = 4 * np.finfo(want.dtype).eps * float(np.max(np.abs(want)))
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def suite():
    """The checks as a ``unittest.TestSuite``."""
    cases = [
        _Case(ex, fn, code, threads)
        for ex, fn, codes in _CASES
        for code in codes
        for threads in (None, 1)
    ]
    return unittest.TestSuite(cases)


def test(verbosity=1):
    """Runs the checks and returns the ``unittest`` result (as ``numexpr.test()``)."""
    return unittest.TextTestRunner(verbosity=verbosity).run(suite())
