"""The default transcendentals within 1 ulp of the correctly rounded result.

nexpr's own functions (``accuracy.OWN``: every transcendental, and the two-argument
``accuracy.BINARY``) must be within 1 ulp on every sample, and so must each part of the
complex functions nexpr computes itself (``accuracy_complex.WITHIN_ONE_ULP``) and of the
complex power (``accuracy_complex_pow``). The table of ``docs/accuracy.md`` comes from the same measurement
(``python tests/accuracy.py``).
"""

import accuracy_complex
import accuracy_complex_pow
import numpy as np
import pytest
from accuracy import BINARY, DTYPES, OWN, measure, nexpr_default
from conftest import same


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", [*OWN, *BINARY])
def test_default_within_one_ulp(name, dtype):
    worst, exact = measure(name, dtype, nexpr_default)
    assert worst <= 1, f"{name} {np.dtype(dtype).name}: {worst} ulp ({exact:.1f} % exact)"


@pytest.mark.parametrize("dtype", accuracy_complex.DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", accuracy_complex.WITHIN_ONE_ULP)
def test_complex_default_within_one_ulp(name, dtype):
    worst, exact = accuracy_complex.measure(name, dtype, nexpr_default)
    assert worst <= 1, f"{name} {np.dtype(dtype).name}: {worst} ulp ({exact:.1f} % exact)"


@pytest.mark.parametrize("dtype", accuracy_complex_pow.DTYPES, ids=lambda d: np.dtype(d).name)
def test_complex_power_within_one_ulp(dtype):
    worst, exact = accuracy_complex_pow.measure(dtype, nexpr_default)
    assert worst <= 1, f"power {np.dtype(dtype).name}: {worst} ulp ({exact:.1f} % exact)"


def test_exp_of_one_is_numpys():
    import nexpr

    a = np.ones(1000)
    assert (nexpr.evaluate("exp(a)") == np.exp(a)).all()
    assert nexpr.compile("exp(a)")(a)[0] == np.e


def test_fast_math_is_an_option_of_evaluate_compile_and_program():
    import nexpr

    a = np.linspace(-5, 5, 10001)
    for got in (
        nexpr.evaluate("sin(a) + exp(a)", fast_math=True),
        nexpr.compile("sin(a) + exp(a)", fast_math=True)(a),
        nexpr.program("output r\nr = sin(a) + exp(a)", fast_math=True).run(a=a)["r"],
    ):
        same(got, np.sin(a) + np.exp(a), rtol=1e-14, atol=1e-15)
    # The default and fast math are cached apart.
    assert (nexpr.evaluate("sin(a) + exp(a)") == nexpr.compile("sin(a) + exp(a)")(a)).all()
