"""Random expressions mixing arrays, Python scalars passed as variables, NumPy scalars
and literals (also through `.real`, `.imag` and `complex()`), and integer powers that
raise: nexpr against NumPy 2 evaluating the same text (seeded). Checks that Python
scalars are weak and NumPy scalars strong (NEP 50), that no error vanishes and that
every error is of NumPy's class.

    NEXPR_SCALAR_CASES=5000 pytest tests/test_differential_scalars.py   # a longer run
"""

import ast
import operator
import os
import random
import warnings

import numpy as np
import pytest
from conftest import same

import nexpr as ne

CASES = int(os.environ.get("NEXPR_SCALAR_CASES", "400"))
ARRAY_DTYPES = ["int32", "int64", "float32", "float64", "complex64", "complex128"]
NUMPY_SCALARS = [np.float32(1.5), np.float64(2.5), np.int32(3), np.int64(-2), np.complex64(1 - 1j)]
# NumPy's functions for the names the expressions call.
NP = {"where": np.where, "sin": np.sin, "isnan": np.isnan, "imag": np.imag, "real": np.real,
      "ones_like": np.ones_like, "complex": lambda re, im: make_complex(re, im)}
LITERALS = ["3", "-2", "2.5", "(1.5+2j)", "(2.5).real", "(1.5+2j).imag", "(True).real",
            "complex(1.5, 2)", "complex(0.5, 2j)", "real(2)", "(3).imag"]


def python_scalar(rng):
    """A Python int (within int32), float or complex."""
    return rng.choice([rng.randint(-4, 5), rng.choice([0.5, -1.25, 3.0]), complex(0.5, -1.5)])


def gen(rng, depth, real):
    """An expression over a (an array), x (a Python scalar), y (a NumPy scalar), w (a
    Python int beyond int32, only next to an array), t (a Python bool, as a condition)
    and i (an int array, some of it negative, only in integer powers)."""
    if depth == 0 or rng.random() < 0.2:
        r = rng.random()
        if r < 0.35:
            return "a"
        if r < 0.55:
            return "x"
        if r < 0.65:
            return "y"
        if r < 0.75:
            return f"(a {rng.choice(['+', '*', '-'])} w)"
        return rng.choice(LITERALS)
    e1, e2 = gen(rng, depth - 1, real), gen(rng, depth - 1, real)
    r = rng.random()
    if r < 0.4:
        return f"({e1} {rng.choice(['+', '-', '*'])} {e2})"
    if r < 0.5:
        return f"({e1}).{rng.choice(['real', 'imag'])}"
    if r < 0.6:
        return f"where(t, {e1}, {e2})"
    if r < 0.65 and real:
        return f"where(a > 1, {e1}, {e2})"
    if r < 0.7:
        return f"complex({e1}, {e2})"
    if r < 0.8:
        # Division always has the array on one side: between Python scalars alone it
        # is NumPy's (x / 0 is inf), not Python's (ZeroDivisionError); see README.
        return rng.choice([f"({e1} / a)", f"(a / {e1})", f"({e1} // a)", f"(a % {e1})",
                           f"(a ** {e1})"])
    # An integer power that raises for a negative exponent, under what drops its value.
    wrap = rng.choice(["isnan({p})", "({p}).imag", "where(True, {e}, {p})", "ones_like({p})",
                       "where(False, {p}, {e})", "imag({p}) + {e}", "({e} + {p})"])
    return wrap.format(p="(i ** i)", e=e1)


def case(rng):
    dtype = rng.choice(ARRAY_DTYPES)
    low = 0 if rng.random() < 0.5 else -1
    if low < 0 and dtype == "int32":
        # One error at a time: which of two NumPy raises first is its evaluation order.
        dtype = "int64"
    n = rng.choice([1, 5, 40])
    base = np.linspace(1.25, 4.0, n)  # no zero: complex() of an infinity is not re + 1j*im
    a = base.astype(dtype) if dtype[0] != "c" else (base + 0.5j * base[::-1]).astype(dtype)
    idtype = rng.choice(["int32", "int64"])
    i = np.array([(k % 4) + low for k in range(n)], dtype=idtype)
    w = rng.choice([3_000_000_000, -5_000_000_000, 2**62])
    names = {"a": a, "i": i, "x": python_scalar(rng), "y": rng.choice(NUMPY_SCALARS),
             "w": w, "t": rng.random() < 0.5}
    return gen(rng, 3, dtype[0] != "c"), names


PYTHON_SCALARS = (bool, int, float, complex)
# Each operator as Python computes it on Python scalars, and as NumPy's ufunc otherwise.
OPS = {ast.Add: (operator.add, np.add), ast.Sub: (operator.sub, np.subtract),
       ast.Mult: (operator.mul, np.multiply), ast.Div: (operator.truediv, np.true_divide),
       ast.FloorDiv: (operator.floordiv, np.floor_divide), ast.Mod: (operator.mod, np.remainder),
       ast.Pow: (operator.pow, np.power)}


def binop(op, x, y):
    """`x op y` as NumPy 2 computes it. Python's own operator would do for every pair
    but one: np.float64 subclasses float, so `1j * np.float64(2)` is Python's complex
    product, a weak Python complex, where NumPy's ufunc keeps the strong float64."""
    python, ufunc = OPS[op]
    if type(x) in PYTHON_SCALARS and type(y) in PYTHON_SCALARS:
        return python(x, y)
    return ufunc(x, y)


def make_complex(re, im):
    """nexpr's `complex(re, im)`: the dtype of `re + 1j*im`; of real operands, the
    complex number with those parts (so `complex(1, inf)` is 1+infj, not nan+infj)."""
    r = binop(ast.Add, re, binop(ast.Mult, 1j, im))
    if np.iscomplexobj(re) or np.iscomplexobj(im) or type(r) is complex:
        return r
    out = np.empty(np.shape(r), np.asarray(r).dtype)
    out.real, out.imag = re, im
    return out[()]


class ToUfuncs(ast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)
        op = ast.Constant(type(node.op).__name__)
        return ast.Call(ast.Name("_binop", ast.Load()), [op, node.left, node.right], [])


def numpy_value(ex, names):
    tree = ast.fix_missing_locations(ToUfuncs().visit(ast.parse(ex, mode="eval")))
    ops = {name.__name__: name for name in OPS}
    scope = dict(NP, _binop=lambda op, x, y: binop(ops[op], x, y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(eval(compile(tree, "<expr>", "eval"), scope, dict(names)))


def without_negative_ints(names):
    """The variables with every integer made non-negative."""
    def nonnegative(v):
        return abs(v) if np.asarray(v).dtype.kind == "i" and type(v) is not bool else v
    return {k: nonnegative(v) for k, v in names.items()}


def check(ex, names):
    try:
        want = numpy_value(ex, names)
    except Exception as e:
        with pytest.raises(Exception) as got:
            ne.evaluate(ex, local_dict=names)
        if not isinstance(got.value, type(e)):
            # nexpr finds type and overflow errors before it runs anything, NumPy when
            # it gets there: without negative integer exponents (NumPy's ValueError at
            # run time), NumPy must raise nexpr's error too.
            assert isinstance(e, ValueError), (e, got.value)
            with pytest.raises(type(got.value).__mro__[2]):
                numpy_value(ex.replace("-2", "2"), without_negative_ints(names))
        return
    got = ne.evaluate(ex, local_dict=names)
    lowp = any(np.asarray(v).dtype in (np.float32, np.complex64) for v in names.values())
    tol = 1e-5 if lowp or want.dtype in (np.float32, np.complex64) else 1e-12
    same(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("seed", range(CASES // 20))
def test_scalars_literals_and_raising_powers(seed):
    rng = random.Random(seed)
    for _ in range(20):
        ex, names = case(rng)
        shown = {k: v if k != "a" and k != "i" else v.dtype for k, v in names.items()}
        try:
            check(ex, names)
        except AssertionError as e:
            raise AssertionError(f"{ex} with {shown}: {e}") from None
