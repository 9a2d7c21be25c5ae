"""Accuracy of nexpr's transcendental functions against correctly rounded results.

Each function gets random arguments over its domain (uniform and log-uniform) plus
hard cases: arguments near multiples of pi/2, near the overflow and underflow
thresholds, subnormals, the neighbours of 0 and 1. The reference is mpmath at 120
bits, rounded to the nearest float64 or float32 (exact rational comparison, so
subnormal results are rounded once). The error of a result is its distance in
representable numbers from the correctly rounded reference (0: correctly rounded).

``python tests/accuracy.py [--cli NEXPR_BINARY]`` writes the table to
``docs/accuracy.md`` (evaluating through the package, or the command);
``test_accuracy.py`` checks the default against 1 ulp.
"""

from __future__ import annotations

import functools
import math
import pathlib
import sys
from fractions import Fraction

import mpmath
import numpy as np

PREC = 120
SAMPLES = 4000
SEED = 20261207

# name -> (mpmath function, domain (lo, hi) of the random sample)
FUNCTIONS = {
    "exp": (mpmath.exp, (-745.0, 709.0)),
    "expm1": (mpmath.expm1, (-40.0, 709.0)),
    "log": (mpmath.log, (0.0, 1e300)),
    "log1p": (mpmath.log1p, (-1.0, 1e300)),
    "log2": (lambda x: mpmath.log(x, 2), (0.0, 1e300)),
    "log10": (mpmath.log10, (0.0, 1e300)),
    "sin": (mpmath.sin, (-1e6, 1e6)),
    "cos": (mpmath.cos, (-1e6, 1e6)),
    "tan": (mpmath.tan, (-1e6, 1e6)),
    "arcsin": (mpmath.asin, (-1.0, 1.0)),
    "arccos": (mpmath.acos, (-1.0, 1.0)),
    "arctan": (mpmath.atan, (-1e300, 1e300)),
    "sinh": (mpmath.sinh, (-710.0, 710.0)),
    "cosh": (mpmath.cosh, (-710.0, 710.0)),
    "tanh": (mpmath.tanh, (-20.0, 20.0)),
    "arcsinh": (mpmath.asinh, (-1e300, 1e300)),
    "arccosh": (mpmath.acosh, (1.0, 1e300)),
    "arctanh": (mpmath.atanh, (-1.0, 1.0)),
}

# Functions of two arguments: name -> (mpmath function, NumPy function, sampler).
# Arguments where either is zero, infinite or NaN take NumPy's value (C99's special
# values, which mpmath, without signed zeros, does not give).
BINARY = {
    "arctan2": (mpmath.atan2, np.arctan2),
    "power": (mpmath.power, np.power),
}

DTYPES = (np.float64, np.float32)

# The functions nexpr implements itself (src/math/): all of them.
OWN = tuple(FUNCTIONS)


def _random(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    """Half uniform on [lo, hi], half log-uniform in magnitude inside it."""
    uniform = rng.uniform(lo, hi, n // 2)
    top = max(abs(lo), abs(hi))
    mags = np.exp(rng.uniform(math.log(1e-300), math.log(top), n - n // 2))
    signs = np.where(rng.random(n - n // 2) < 0.5, -1.0, 1.0) if lo < 0 else 1.0
    logu = np.clip(mags * signs, lo, hi)
    return np.concatenate([uniform, logu])


def _hard(name: str) -> list[float]:
    """Arguments where implementations tend to lose accuracy."""
    cases = [5e-324, 1e-310, 2.2250738585072014e-308, 1e-20, 1e-9, 0.5, 1.0, 2.0]
    cases += [-c for c in cases]
    if name in ("sin", "cos", "tan"):
        for k in list(range(1, 200)) + [2**k for k in range(8, 20)]:
            x = k * math.pi / 2
            cases += [x, np.nextafter(x, 0), np.nextafter(x, math.inf), -x]
        cases += [6381956970095103.0 * 2.0**-30, 1e6, 1048575.9]
    if name in ("exp", "expm1", "sinh", "cosh"):
        for t in (709.782712893384, -745.1332191019411, -708.3964185322641, 88.72283, -103.97):
            cases += [t, np.nextafter(t, -math.inf), np.nextafter(t, math.inf)]
        cases += [1e-300, 0.34657359027997264, -0.34657359027997264, 38.0, 40.0, -37.4]
    if name in ("log", "log2", "log10"):
        cases += [10.0**k for k in range(-20, 23)] + [2.0**k for k in range(-1074, 1024, 37)]
        cases += [1.0 + 2.0**-52, 1.0 - 2.0**-53, 0.7071067811865476, 1.4142135623730951]
        cases += [1e-320, 1.7976931348623157e308]
    if name in ("log1p", "expm1"):
        cases += [1e-17, -1e-17, 2.0**-30, -0.2928932188134524, 0.41421356237309503, -0.9999]
    if name in ("sinh", "cosh", "tanh"):
        # Where the formulas switch (2^-27, 20) and sinh's and cosh's overflow threshold.
        for t in (2.0**-27, 2.0**-26, 20.0, 710.4758600739439, 19.06, 0.5493061443340549):
            cases += [t, np.nextafter(t, 0), np.nextafter(t, math.inf), -t]
    if name in ("arctan", "arcsin", "arccos", "arctanh"):
        # The reduction's interval ends, and the neighbours of 1.
        for t in (0.4375, 0.6875, 1.1875, 2.4375, 1.0 - 2.0**-53, 1.0 - 2.0**-30, 2.0**-27, 2.0**100, 1e300):
            cases += [t, np.nextafter(t, 0), np.nextafter(t, math.inf), -t]
    if name in ("arcsinh", "arccosh"):
        for t in (2.0**28, 2.0**-26, 1.0 + 2.0**-52, 1.0 + 2.0**-30, 1.5, 1e300, 1e308):
            cases += [t, np.nextafter(t, 0), np.nextafter(t, math.inf), -t]
    return [c for c in cases if np.isfinite(c)]


def arguments(name: str, dtype) -> np.ndarray:
    """The sample of `name` in `dtype`: random arguments plus hard cases, in domain."""
    lo, hi = FUNCTIONS[name][1]
    rng = np.random.default_rng(SEED + sum(map(ord, name)))
    x = np.concatenate([_random(rng, lo, hi, SAMPLES), np.array(_hard(name))])
    with np.errstate(over="ignore"):
        x = x.astype(dtype)
        return x[(x >= lo) & (x <= hi)]


def _binary_hard(name: str) -> list[tuple[float, float]]:
    """Argument pairs where implementations tend to lose accuracy."""
    specials = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 5e-324, -1e-310, 1e300, -2.5]
    pairs = [(a, b) for a in specials for b in specials]
    if name == "arctan2":
        # The kernel's interval ends as ratios, angles near π/4, ±π and ±π/2, and
        # quotients that overflow or underflow.
        for t in (0.4375, 0.6875, 1.1875, 2.4375, 1.0, 1e-20, 1e20, 2.0**-60):
            for b in (1.0, -1.0, 3.0, -7.5e-300, 1e300):
                pairs += [(t * b, b), (np.nextafter(t * b, math.inf), b), (-t * b, b)]
        pairs += [(1e-300, 1e300), (1e300, 1e-300), (5e-324, -1.0), (-5e-324, -1e300), (1e308, 1e-308)]
    if name == "power":
        # Exact powers, results at the overflow and underflow thresholds, bases near 1
        # with large exponents, negative bases with integer and non-integer exponents.
        pairs += [(10.0, float(k)) for k in range(-30, 31)] + [(2.0, float(k)) for k in range(-1080, 1030, 7)]
        for t in (1024.0, 1023.9999999999999, -1074.0, -1075.0, -1022.5):
            pairs += [(2.0, t), (2.0, np.nextafter(t, math.inf)), (0.5, -t)]
        pairs += [(10.0, 308.25), (10.0, -323.5), (1.0 + 2.0**-52, 2.0**60), (1.0 - 2.0**-53, -(2.0**62))]
        pairs += [(-8.0, 1.0 / 3.0), (-2.0, 3.0), (-2.0, 4.0), (-0.5, -1075.0), (-1.5, 2.0**53), (-1.5, 1e300)]
        pairs += [(0.7071067811865476, 1500.0), (1.4142135623730951, -1900.0), (5e-324, 0.5)]
    return pairs


def _power_sample(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Bases log-uniform over the floats, exponents making |y·log x| ≤ 745 (results
    across the whole range); a quarter of them negative bases with integer exponents."""
    x = np.exp(rng.uniform(math.log(1e-300), math.log(1e300), n))
    y = rng.uniform(-745.0, 745.0, n) / np.log(x)
    q = n // 4
    y[:q] = np.round(y[:q])
    x[:q] = -x[:q]
    return x, y


def binary_arguments(name: str, dtype) -> tuple[np.ndarray, np.ndarray]:
    """The sample of the two-argument `name` in `dtype`: random pairs plus hard ones."""
    rng = np.random.default_rng(SEED + sum(map(ord, name)))
    n = SAMPLES
    uniform = rng.uniform(-10.0, 10.0, (2, n // 2))
    if name == "power":
        uniform[0] = np.abs(uniform[0])
        logu = np.array(_power_sample(rng, n - n // 2))
    else:
        signs = np.where(rng.random((2, n - n // 2)) < 0.5, -1.0, 1.0)
        logu = signs * np.exp(rng.uniform(math.log(1e-300), math.log(1e300), (2, n - n // 2)))
    hard = np.array(_binary_hard(name)).T
    y, x = np.concatenate([uniform, logu, hard], axis=1)
    with np.errstate(over="ignore", under="ignore"):
        return y.astype(dtype), x.astype(dtype)


def binary_reference(name: str, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Correctly rounded `name(y, x)` in the arguments' dtype."""
    f, numpy_f = BINARY[name][:2]
    dt = y.dtype.type
    out = np.empty_like(y)
    with mpmath.workprec(PREC):
        for i, (a, b) in enumerate(zip(y, x)):
            if not (np.isfinite(a) and np.isfinite(b) and a != 0 and b != 0):
                with np.errstate(all="ignore"):
                    out[i] = numpy_f(a, b)
                continue
            try:
                r = f(mpmath.mpf(float(a)), mpmath.mpf(float(b)))
            except (ValueError, ZeroDivisionError):
                out[i] = np.nan
                continue
            if isinstance(r, mpmath.mpc):
                out[i] = np.nan
            elif mpmath.isinf(r):
                out[i] = math.copysign(math.inf, r)
            else:
                out[i] = _nearest(r, dt)
    return out


def _nearest(value: mpmath.mpf, dtype):
    """The float of `dtype` nearest the finite mpmath value (ties to even), rounded
    once; infinity beyond the largest float by half an ulp or more."""
    sign, man, exp, bits = value._mpf_
    if bits + exp > 1100:
        return dtype(-math.inf if sign else math.inf)
    if bits + exp < -1200:
        return dtype(-0.0 if sign else 0.0)
    exact = (-1) ** sign * Fraction(int(man)) * Fraction(2) ** int(exp)
    top = np.finfo(dtype).max
    half_top_ulp = Fraction(float(top - np.nextafter(top, dtype(0)))) / 2
    if abs(exact) >= Fraction(float(top)) + half_top_ulp:
        return dtype(math.inf if exact > 0 else -math.inf)
    with np.errstate(over="ignore"):
        guess = dtype(float(value))
    if not np.isfinite(guess):
        guess = dtype(math.copysign(float(top), exact))
    best = None
    for c in (guess, np.nextafter(guess, dtype(-np.inf)), np.nextafter(guess, dtype(np.inf))):
        if not np.isfinite(c):
            continue
        d = abs(Fraction(float(c)) - exact)
        even = int(np.array(c).view(_uint(dtype))) % 2 == 0
        if best is None or d < best[0] or (d == best[0] and even):
            best = (d, c)
    return best[1]


def _uint(dtype):
    return np.uint64 if dtype == np.float64 else np.uint32


def reference(name: str, x: np.ndarray) -> np.ndarray:
    """Correctly rounded `name(x)` in x's dtype (NaN outside the real domain)."""
    f = FUNCTIONS[name][0]
    out = np.empty_like(x)
    with mpmath.workprec(PREC):
        for i, v in enumerate(x):
            try:
                r = f(mpmath.mpf(float(v)))
            except (ValueError, ZeroDivisionError):
                out[i] = np.nan
                continue
            if isinstance(r, mpmath.mpc):
                out[i] = np.nan
            elif mpmath.isinf(r):
                out[i] = math.copysign(math.inf, r)
            elif r == 0 and v == 0:
                # mpmath has no signed zero: f(±0) = ±0 for these functions.
                out[i] = v
            else:
                out[i] = _nearest(r, x.dtype.type)
    return out


def ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Distance in representable numbers (NaN equals NaN; NaN against a number is huge)."""
    dt = got.dtype.type
    ints = np.int64 if dt == np.float64 else np.int32

    def ordered(a):
        i = a.view(ints).astype(np.int64)
        return np.where(i < 0, np.iinfo(ints).min - i, i)

    d = np.abs(ordered(got) - ordered(want))
    both_nan = np.isnan(got) & np.isnan(want)
    one_nan = np.isnan(got) ^ np.isnan(want)
    d = np.where(both_nan, 0, d)
    return np.where(one_nan, 2**62, d)


@functools.cache
def sample(name: str, dtype) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The arguments of `name` in `dtype` and the correctly rounded results."""
    if name in BINARY:
        y, x = binary_arguments(name, dtype)
        return (y, x), binary_reference(name, y, x)
    x = arguments(name, dtype)
    return (x,), reference(name, x)


def measure(name: str, dtype, compute) -> tuple[int, float]:
    """(max ulp, % correctly rounded) of `compute(name, *args)` on the sample."""
    args, want = sample(name, dtype)
    with np.errstate(all="ignore"):
        got = np.asarray(compute(name, *args)).astype(dtype)
    d = ulps(got, want)
    return int(d.max()), float((d == 0).mean() * 100)


def _expr(name: str, args) -> str:
    """The nexpr expression of `name` on the variables a (and b)."""
    if name == "power":
        return "a**b"
    return f"{name}(" + ", ".join("ab"[: len(args)]) + ")"


def nexpr_default(name, *args):
    import nexpr

    return nexpr.compile(_expr(name, args), threads=1)(*args)


def nexpr_fast(name, *args):
    import nexpr

    return nexpr.compile(_expr(name, args), threads=1, fast_math=True)(*args)


def numpy_fn(name, *args):
    return getattr(np, name)(*args)


def cli(binary: str, fast_math: bool):
    """Evaluation through the `nexpr` command instead of the Python package."""

    def compute(name, *args):
        import subprocess
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            files = [pathlib.Path(d, f"{v}.npy") for v in "ab"[: len(args)]]
            r = pathlib.Path(d, "r.npy")
            for f, x in zip(files, args):
                np.save(f, x)
            cmd = [binary, "eval", _expr(name, args), "--out", str(r)]
            cmd += [v for f in files for v in ("--vars", str(f))]
            cmd += ["--threads", "1"] + (["--fast-math"] if fast_math else [])
            subprocess.run(cmd, check=True)
            return np.load(r)

    return compute


COLUMNS = [("nexpr", nexpr_default), ("nexpr fast_math", nexpr_fast), ("NumPy", numpy_fn)]


def table() -> str:
    """The markdown table: per function and dtype, max ulp / % correctly rounded."""
    head = "| function | dtype | " + " | ".join(c for c, _ in COLUMNS) + " |"
    rows = [head, "|---|---|" + "---:|" * len(COLUMNS)]
    for name in [*FUNCTIONS, *BINARY]:
        for dtype in DTYPES:
            cells = []
            for _, compute in COLUMNS:
                mx, pct = measure(name, dtype, compute)
                cells.append(f"{mx} / {pct:.1f} %")
            rows.append(f"| {name} | {np.dtype(dtype).name} | " + " | ".join(cells) + " |")
    # The complex functions nexpr computes itself, per part (accuracy_complex.py).
    from accuracy_complex import table as complex_rows
    from accuracy_complex_pow import table as complex_pow_rows

    return "\n".join(rows) + "\n" + complex_rows(COLUMNS) + complex_pow_rows(COLUMNS)


RUST_FUNCTIONS = OWN
RUST_BINARY = tuple(BINARY)
RUST_RANDOM = 150


def rust_reference() -> str:
    """Lines `name dtype argument... result` (hex bits) for `src/math/reference.txt`."""
    lines = ["# name dtype argument... result: bits in hex, the result correctly rounded"]
    for name in RUST_FUNCTIONS:
        for dtype in DTYPES:
            x = arguments(name, dtype)
            keep = np.concatenate([x[:RUST_RANDOM], x[SAMPLES // 2 : SAMPLES // 2 + RUST_RANDOM], x[SAMPLES:]])
            y = reference(name, keep)
            u = _uint(dtype)
            width = 16 if dtype == np.float64 else 8
            for a, b in zip(keep.view(u), y.view(u)):
                lines.append(f"{name} {np.dtype(dtype).name} {int(a):0{width}x} {int(b):0{width}x}")
    for name in RUST_BINARY:
        for dtype in DTYPES:
            y, x = binary_arguments(name, dtype)
            keep = np.r_[0:RUST_RANDOM, SAMPLES // 2 : SAMPLES // 2 + RUST_RANDOM, SAMPLES : len(y)]
            y, x = y[keep], x[keep]
            r = binary_reference(name, y, x)
            u = _uint(dtype)
            width = 16 if dtype == np.float64 else 8
            for a, b, c in zip(y.view(u), x.view(u), r.view(u)):
                lines.append(f"{name} {np.dtype(dtype).name} {int(a):0{width}x} {int(b):0{width}x} {int(c):0{width}x}")
    from accuracy_complex import rust_reference as complex_lines
    from accuracy_complex_pow import rust_reference as complex_pow_lines

    return "\n".join(lines) + "\n" + complex_lines() + complex_pow_lines()


if __name__ == "__main__" and sys.argv[1:] == ["--rust"]:
    out = pathlib.Path(__file__).resolve().parents[2] / "src" / "math" / "reference.txt"
    out.write_text(rust_reference())
elif __name__ == "__main__":
    # --cli PATH: evaluate through the nexpr command (no Python package needed).
    if sys.argv[1:2] == ["--cli"]:
        COLUMNS[:2] = [("nexpr", cli(sys.argv[2], False)), ("nexpr fast_math", cli(sys.argv[2], True))]
    doc = pathlib.Path(__file__).resolve().parents[2] / "docs" / "accuracy.md"
    text = doc.read_text() if doc.exists() else ""
    marker = "<!-- table -->"
    body = table()
    if marker in text:
        before, _, rest = text.partition(marker)
        _, _, after = rest.partition(marker)
        text = f"{before}{marker}\n{body}{marker}{after}"
    else:
        text = f"{marker}\n{body}{marker}\n"
    doc.write_text(text)
    sys.stdout.write(body)
