"""Random expressions over every dtype and layout, nexpr against NumPy (seeded)."""

import random
import warnings

import numpy as np
import pytest

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
    "fmod": np.fmod, "complex": lambda re, im: re + 1j * im,
}
# The one-operand builtins with a numeric result (a bool one would feed `**` and `-`,
# whose bool rules are the operator tests' concern), drawn from nexpr's table.
UNARY = [
    (name, dtypes) for name, arity, dtypes, _ in ne.functions()
    if arity == 1 and name in NP and NP[name](np.float64(0.5)).dtype != np.bool_
]
FUNCS_REAL = [name for name, dtypes in UNARY if "float64" in dtypes]
FUNCS_COMPLEX = [name for name, dtypes in UNARY if "complex128" in dtypes]


def test_every_builtin_has_a_numpy_equivalent():
    missing = [name for name, *_ in ne.functions() if name not in NP]
    assert not missing, f"add the NumPy equivalent of {missing} to NP"


def gen(rng, depth, kinds):
    """A random expression over a, b, c (their dtype kinds in `kinds`)."""
    complex_ = any(k == "c" for k in kinds.values())
    ints = all(k in "iu" for k in kinds.values())
    if depth == 0 or rng.random() < 0.25:
        r = rng.random()
        if r < 0.75:
            return rng.choice(list(kinds))
        if r < 0.9:
            return str(rng.randint(1, 5))
        return f"{rng.uniform(0.5, 3):.3f}"
    r = rng.random()
    x = gen(rng, depth - 1, kinds)
    y = gen(rng, depth - 1, kinds)
    if r < 0.45:
        return f"({x} {rng.choice(['+', '-', '*'])} {y})"
    if r < 0.55:
        return f"({x} / ({y} + 7))" if not ints else f"({x} // ({y} * 0 + 3))"
    if r < 0.62:
        return f"({x})**2"
    if r < 0.72 and not complex_:
        op = rng.choice(["<", ">", "<=", ">=", "==", "!="])
        return f"where({x} {op} {y}, {x}, {y})"
    if r < 0.8:
        return f"where(a != a, {x}, {y})" if not complex_ else f"({x} + {y})"
    if ints:
        return f"({x} % 5)"
    f = rng.choice(FUNCS_COMPLEX if complex_ else FUNCS_REAL)
    return f"{f}({x})"


def make(rng, dtype, n, layout):
    base = rng.random(n * 2 + 7) * 2 + 0.25
    if np.dtype(dtype).kind == "c":
        base = base + 1j * (rng.random(base.size) - 0.5)
    elif np.dtype(dtype).kind in "iu":
        base = base * 3
    full = base.astype(dtype)
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


def close(got, want, dtype):
    want = want.astype(want.dtype.newbyteorder("="))
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    if want.dtype.kind in "fc":
        # float32 intermediates (within 4 ulp) may feed a float64 result.
        lowp = want.dtype in (np.float32, np.complex64) or any(
            d in ("float32", "complex64") for d in (dtype or {}).values())
        scale = max(1.0, float(np.max(np.abs(np.where(np.isfinite(want), want, 0)), initial=1.0)))
        np.testing.assert_allclose(got, want, rtol=1e-3 if lowp else 1e-9,
                                   atol=(1e-4 if lowp else 1e-10) * scale, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


LAYOUTS = ["contiguous", "reversed", "strided", "swapped", "record", "scalar"]


@pytest.mark.parametrize("seed", range(40))
def test_random_expressions(seed):
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    for _ in range(8):
        dts = {v: rng.choice(NUMERIC) for v in "abc"}
        if rng.random() < 0.5:
            dts = {v: dts["a"] for v in "abc"}
        n = rng.choice([1, 7, 100, 5000])
        arrays = {v: make(nrng, dts[v], n, rng.choice(LAYOUTS)) for v in "abc"}
        kinds = {v: np.dtype(d).kind for v, d in dts.items()}
        ex = gen(rng, 3, kinds)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                want = np.asarray(eval(ex, dict(NP), dict(arrays)))
            except Exception as e:  # NumPy refuses: nexpr must refuse too
                with pytest.raises(type(e)):
                    ne.evaluate(ex, local_dict=arrays)
                continue
        got = ne.evaluate(ex, local_dict=arrays)
        try:
            close(got, want, dts)
        except AssertionError as e:
            raise AssertionError(f"{ex} with {dts} / {[a.strides for a in arrays.values() if hasattr(a, 'strides')]}: {e}") from None


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
    close(ne.evaluate(ex, local_dict=arrays), want, None)
    # And into an out= of each layout.
    for oname in ("c", "f", "rev"):
        out = np.empty_like(views[oname]) if oname != "rev" else np.empty((30, 40))[::-1, ::-1]
        if out.shape != want.shape:
            continue
        ne.evaluate(ex, local_dict=arrays, out=out)
        close(out, want, None)


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
        close(got, np.asarray(want), None)
