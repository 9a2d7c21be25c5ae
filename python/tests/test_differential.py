"""Random expressions over every dtype and layout, nexpr against NumPy (seeded): the
expressions are the language generator's (`crates/nexpr-gen`, the `generated` fixture
of `conftest.py`), the values and layouts are drawn here."""

import random
import warnings

import numpy as np
import pytest
from conftest import same, same_outcome

import nexpr as ne

NUMERIC = ["int32", "int64", "float32", "float64", "complex64", "complex128"]
# NumPy's equivalent of every builtin function (a builtin missing here fails
# `test_every_builtin_has_a_numpy_equivalent`).
NP = {
    "where": np.where, "abs": np.abs, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "arcsinh": np.arcsinh,
    "arccosh": np.arccosh, "arctanh": np.arctanh, "log": np.log, "log1p": np.log1p,
    "log10": np.log10, "log2": np.log2, "exp": np.exp, "expm1": np.expm1,
    "conj": np.conj, "real": np.real, "imag": np.imag, "ceil": np.ceil, "floor": np.floor,
    "trunc": np.trunc, "round": np.round, "sign": np.sign, "isnan": np.isnan,
    "isfinite": np.isfinite, "isinf": np.isinf, "signbit": np.signbit,
    "arctan2": np.arctan2, "hypot": np.hypot, "nextafter": np.nextafter,
    "copysign": np.copysign, "maximum": np.maximum, "minimum": np.minimum,
    "fmod": np.fmod, "complex": lambda re, im: np.add(re, _times_1j(im)),
    "copy": np.copy, "ones_like": np.ones_like,
}


def _times_1j(im):
    """`1j * im` as `a + 1j*b` computes it: by Python for a Python number (a weak
    complex), by NumPy for an array."""
    return 1j * im if isinstance(im, (bool, int, float, complex)) else np.multiply(1j, im)


def _cast(dtype):
    """A cast: NumPy's scalar constructor on a Python number, `astype` on an array."""
    def cast(x):
        if isinstance(x, (bool, int, float, complex)):
            return np.dtype(dtype).type(x)
        return np.asarray(x).astype(dtype)
    return cast


# The casts, one per dtype.
NP.update({d: _cast(d) for d in ["bool", *NUMERIC]})


def _bool_in(dtype, f):
    """`f` with bool operands in `dtype`: nexpr has no float16 and no int8, in which
    NumPy's bool loops of some functions compute; it computes in float32 and int32."""
    def of_dtype(*args):
        def widened(x):
            return np.asarray(x, dtype) if np.asarray(x).dtype == np.bool_ else x
        return f(*map(widened, args))
    return of_dtype


# What nexpr computes in where NumPy's bool loop computes in a dtype nexpr lacks.
NARROW = {np.float16: np.float32, np.int8: np.int32}


def _bool_loop(f, arity):
    """The dtype `f`'s bool loop computes in (`None`: it has none)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return np.asarray(f(*[np.True_] * arity)).dtype.type
        except TypeError:  # `sign`
            return None


NP.update({name: _bool_in(NARROW[_bool_loop(NP[name], arity)], NP[name])
           for name, arity, *_ in ne.functions()
           if name in NP and _bool_loop(NP[name], arity) in NARROW})


def test_every_builtin_has_a_numpy_equivalent():
    missing = [name for name, *_ in ne.functions() if name not in NP]
    assert not missing, f"add the NumPy equivalent of {missing} to NP"


def make(rng, dtype, n, layout):
    base = rng.random(n * 2 + 7) * 2 + 0.25
    if np.dtype(dtype).kind == "c":
        base = base + 1j * (rng.random(base.size) - 0.5)
    elif np.dtype(dtype).kind in "iu":
        base = base * 3
    full = base.astype(dtype) if dtype != "bool" else base > 1.25
    if layout == "contiguous":
        return full[:n]
    if layout == "reversed":
        return full[:n][::-1]
    if layout == "strided":
        return full[: 2 * n : 2]
    if layout == "swapped":
        return full[:n].astype(np.dtype(dtype).newbyteorder())
    if layout == "record":
        rec = np.zeros(n, dtype=[("pad", "i1"), ("x", dtype)])
        rec["x"] = full[:n]
        return rec["x"]
    if layout == "scalar":
        return full[0]
    raise AssertionError(layout)


def tolerance(dtype):
    """How close a float result must be, given the inputs' dtypes (`None`: float64)."""
    # float32 intermediates (within 4 ulp) may feed a float64 result.
    def of(want):
        lowp = want.dtype in (np.float32, np.complex64) or any(
            d in ("float32", "complex64") for d in (dtype or {}).values())
        finite = np.where(np.isfinite(want), want, 0)
        scale = max(1.0, float(np.max(np.abs(finite), initial=1.0)))
        return {"rtol": 1e-3 if lowp else 1e-9, "atol": (1e-4 if lowp else 1e-10) * scale}
    return of


LAYOUTS = ["contiguous", "reversed", "strided", "swapped", "record", "scalar"]


# Cases per seed of `test_random_expressions`.
CASES_PER_SEED = 8


def check_case(case):
    """One generated case on values and layouts drawn from its seed, against NumPy."""
    rng = random.Random(case["seed"])
    nrng = np.random.default_rng(case["seed"])
    ex, dts = case["expr"], case["vars"]
    n = rng.choice([1, 7, 100, 5000])
    arrays = {v: make(nrng, d, n, rng.choice(LAYOUTS)) for v, d in dts.items()}
    try:
        same_outcome(lambda: np.asarray(eval(ex, dict(NP), dict(arrays))),
                     lambda: ne.evaluate(ex, local_dict=arrays), tolerance(dts))
    except AssertionError as e:
        strides = [a.strides for a in arrays.values() if hasattr(a, "strides")]
        raise AssertionError(f"seed {case['seed']}: {ex} with {dts} / {strides}: {e}") from None


@pytest.mark.parametrize("seed", range(40))
def test_random_expressions(seed, generated):
    for case in generated(seed * CASES_PER_SEED, CASES_PER_SEED):
        check_case(case)


@pytest.mark.parametrize("seed", range(6))
def test_random_2d_layouts(seed):
    rng = np.random.default_rng(100 + seed)
    a = rng.random((30, 40))
    views = {
        "c": a, "f": np.asfortranarray(a), "t": a.T.copy().T, "rev": a[::-1, ::-1],
        "step": rng.random((60, 80))[::2, ::2], "row": a[:1], "col": a[:, :1],
    }
    names = list(views)
    x, y = rng.choice(names, 2)
    ex = "sin(x) * y + x / (y + 1)"
    arrays = {"x": views[x], "y": views[y]}
    want = np.sin(views[x]) * views[y] + views[x] / (views[y] + 1)
    same(ne.evaluate(ex, local_dict=arrays), want, **tolerance(None)(want))
    # And into an out= of each layout.
    for oname in ("c", "f", "rev"):
        out = np.empty_like(views[oname]) if oname != "rev" else np.empty((30, 40))[::-1, ::-1]
        if out.shape != want.shape:
            continue
        ne.evaluate(ex, local_dict=arrays, out=out)
        same(out, want, **tolerance(None)(want))


@pytest.mark.parametrize("op", ["sum", "prod", "min", "max"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64", "complex128"])
def test_reductions(op, dtype):
    if op in ("min", "max") and dtype.startswith("complex"):
        pytest.skip("complex min/max")
    a = (np.arange(1, 61).reshape(3, 4, 5) % 7 + 1).astype(dtype)
    for axis in (None, 0, 1, 2, -1):
        ex = f"{op}(a)" if axis is None else f"{op}(a, axis={axis})"
        want = getattr(np, op)(a, axis=axis)
        got = ne.evaluate(ex)
        want = np.asarray(want)
        same(got, want, **tolerance(None)(want))
