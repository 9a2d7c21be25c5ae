"""Accuracy of nexpr's own complex functions, per part, against correctly rounded results.

The real and the imaginary part of each result are measured like a real function's
result (``accuracy.ulps`` against mpmath at 400 bits, rounded once to the part's
dtype); a result's error is the larger of its parts' errors. A part whose exact value
is zero takes NumPy's value, and on the logarithm's branch cut the imaginary part
takes the sign of the argument's zero (log and sqrt) (mpmath has no signed zeros).

The samples stay where nexpr's cores compute (``src/math/complex.rs``): arguments the
cores leave to the C library (infinities, NaN, subnormal parts, exp's real part beyond
[-600, 700], |z|² within 2^-40 of 1 for log) get the C library's value, which is
NumPy's own, and are not what this measures.
"""

from __future__ import annotations

import functools
import math

import mpmath
import numpy as np
from accuracy import SAMPLES, SEED, _nearest, ulps

# mpmath's working precision for the references: mpmath's own formulas cancel (its
# tanh divides by cosh 2x + cos 2y, which loses up to ~120 bits next to a multiple of
# pi/2), so far more than the 120 bits of the real functions.
PREC = 400



def _atanh(z):
    """arctanh from formulas that mpmath evaluates without cancellation (its own
    atan and atanh subtract two nearly equal logarithms when |z| is large)."""
    a, b = z.real, z.imag
    re = mpmath.log1p(4 * a / ((1 - a) ** 2 + b**2)) / 4
    im = mpmath.atan2(2 * b, (1 - a) * (1 + a) - b * b) / 2
    return mpmath.mpc(re, im)


def _atan(z):
    """arctan z = -i·arctanh(iz)."""
    w = _atanh(mpmath.mpc(-z.imag, z.real))
    return mpmath.mpc(w.imag, -w.real)


# name -> (mpmath function, range of the real parts, range of the imaginary parts)
COMPLEX = {
    "exp": (mpmath.exp, (-600.0, 700.0), (-1e6, 1e6)),
    "log": (mpmath.log, (-1e100, 1e100), (-1e100, 1e100)),
    "log10": (mpmath.log10, (-1e100, 1e100), (-1e100, 1e100)),
    "log2": (lambda z: mpmath.log(z, 2), (-1e100, 1e100), (-1e100, 1e100)),
    "log1p": (mpmath.log1p, (-1e100, 1e100), (-1e100, 1e100)),
    "sqrt": (mpmath.sqrt, (-1e150, 1e150), (-1e150, 1e150)),
    "sin": (mpmath.sin, (-1e6, 1e6), (-700.0, 700.0)),
    "cos": (mpmath.cos, (-1e6, 1e6), (-700.0, 700.0)),
    "sinh": (mpmath.sinh, (-700.0, 700.0), (-1e6, 1e6)),
    "cosh": (mpmath.cosh, (-700.0, 700.0), (-1e6, 1e6)),
    "tan": (mpmath.tan, (-1e6, 1e6), (-300.0, 300.0)),
    "tanh": (mpmath.tanh, (-300.0, 300.0), (-1e6, 1e6)),
    "arctan": (_atan, (-1e100, 1e100), (-1e100, 1e100)),
    "arctanh": (_atanh, (-1e100, 1e100), (-1e100, 1e100)),
    "arcsin": (mpmath.asin, (-1e100, 1e100), (-1e100, 1e100)),
    "arccos": (mpmath.acos, (-1e100, 1e100), (-1e100, 1e100)),
    "arcsinh": (mpmath.asinh, (-1e100, 1e100), (-1e100, 1e100)),
    "arccosh": (mpmath.acosh, (-1e100, 1e100), (-1e100, 1e100)),
}

# The signs of arcsin, arccos, arcsinh and arccosh (C99's, so on the cuts too, where
# mpmath, without signed zeros, picks a side): part magnitudes -> parts, given the
# signs of the argument's parts (True where negative). arcsin and arcsinh are odd and
# commute with conjugation; arccos's imaginary part has the sign opposite to y's;
# arccosh's real part is never negative and its imaginary part has y's sign.
SIGNS = {
    "arcsin": lambda re, im, x, y: (-re if x else re, -im if y else im),
    "arcsinh": lambda re, im, x, y: (-re if x else re, -im if y else im),
    "arccos": lambda re, im, x, y: (re, im if y else -im),
    "arccosh": lambda re, im, x, y: (re, -im if y else im),
}

DTYPES = (np.complex128, np.complex64)

# Those whose every part must be within 1 ulp. log10 and log2 are NumPy's formulas
# (the logarithm times a constant, two roundings): measured, not bounded.
WITHIN_ONE_ULP = (
    "exp",
    "log",
    "log1p",
    "sqrt",
    "sin",
    "cos",
    "tan",
    "sinh",
    "cosh",
    "tanh",
    "arctan",
    "arctanh",
    "arcsin",
    "arccos",
    "arcsinh",
    "arccosh",
)


def _parts(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    """Half uniform on [lo, hi], half log-uniform in magnitude (from 1e-100) inside it."""
    uniform = rng.uniform(max(lo, -12.0), min(hi, 12.0), n // 2)
    top = max(abs(lo), abs(hi))
    mags = np.exp(rng.uniform(math.log(1e-100), math.log(top), n - n // 2))
    signs = np.where(rng.random(n - n // 2) < 0.5, -1.0, 1.0)
    return np.concatenate([uniform, np.clip(mags * signs, lo, hi)])


def _hard(name: str) -> list[complex]:
    """Arguments where the formulas lose accuracy or switch."""
    near_pi_2 = []
    for k in list(range(1, 60)) + [2**k for k in range(8, 20)]:
        x = k * math.pi / 2
        near_pi_2 += [x, float(np.nextafter(x, 0)), float(np.nextafter(x, math.inf)), -x]
    small = [0.0, -0.0, 1e-20, -1e-9, 0.5, 1.0, 2.0, 19.9, 20.0, 20.1, 40.0]
    if name == "exp":
        return [complex(r, i) for r in (0.0, 1.0, -600.0, 700.0, -1e-20, 0.5) for i in near_pi_2 + small]
    if name in ("sin", "cos"):
        return [complex(r, i) for r in near_pi_2 + small for i in small + [-700.0, 700.0, 1e-140]]
    if name == "tan":
        return [complex(r, i) for r in near_pi_2 + small for i in small + [-300.0, 300.0, 1e-140, 21.0]]
    if name == "tanh":
        return [complex(r, i) for r in small + [-300.0, 300.0, 1e-140, 21.0, -19.99] for i in near_pi_2 + small]
    if name in ("sinh", "cosh"):
        return [complex(r, i) for r in small + [-700.0, 700.0, 1e-140] for i in near_pi_2 + small]
    if name == "log1p":
        # Small arguments (where NumPy's formula loses them), next to the branch point
        # -1 and on its cut.
        parts = [1e-140, -3e-20, 1e-9, -0.5, 2.0, -1.0 - 1e-9, -2.5, -0.0, 0.0]
        return [complex(a, b) for a in parts for b in parts]
    if name in ("arctan", "arctanh"):
        # Next to the branch points ±1 (±i for arctan) and on the cuts, tiny parts.
        near = [1.0 + 1e-9, 1.0 - 2.0**-30, 0.5, 2.0, 1e-140, 1e20, 0.0, -0.0]
        cases = [complex(a, b) for a in near + [-a for a in near] for b in (0.0, -0.0, 1e-10, -3.0, 1e-140, 1e30)]
        return [complex(c.imag, c.real) for c in cases] if name == "arctan" else cases
    if name in ("arcsin", "arccos", "arcsinh", "arccosh"):
        # Next to the branch points ±1 (±i for arcsinh) and on the cuts beyond them,
        # tiny parts (the core's lower limit 2^-500 and below), huge ones.
        near = [1.0, 1.0 + 2.0**-52, 1.0 - 2.0**-53, 1.0 + 1e-9, 0.5, 2.0, 1e-140, 3.1e-151, 1e20, 1e150, 0.0, -0.0]
        near += [-a for a in near[:-2]]
        cases = [complex(a, b) for a in near for b in near]
        return [complex(c.imag, c.real) for c in cases] if name == "arcsinh" else cases
    if name == "sqrt":
        return [complex(a, b) for a in (0.0, -0.0, 1e-100, -4.0, 2.0, 1e150, -7e-90) for b in (0.0, -0.0, 1e-100, 3.0, -1e150, 5e-90)]
    # log and its multiples: near (not on) the unit circle, huge and tiny moduli, axes.
    cases = [complex(1.0 + d, e) for d in (1e-10, -1e-11, 2.0**-30, 0.5, -0.5) for e in (0.0, 1e-8, -3e-6)]
    cases += [complex(math.cos(t) * (1 + 1e-9), math.sin(t)) for t in np.linspace(0.1, 6.2, 40)]
    cases += [complex(a, b) for a in (1e-100, -3e99, 7.0, 0.0) for b in (0.0, -0.0, 1e-100, 2e99, -1.5)]
    return [c for c in cases if c != 0]


@functools.cache
def arguments(name: str, dtype) -> np.ndarray:
    """The sample of complex `name` in `dtype`."""
    _, (rlo, rhi), (ilo, ihi) = COMPLEX[name]
    rng = np.random.default_rng(SEED + 7 * sum(map(ord, name)))
    re = _parts(rng, rlo, rhi, SAMPLES)
    im = _parts(rng, ilo, ihi, SAMPLES)
    rng.shuffle(im)
    z = np.concatenate([re + 1j * im, np.array(_hard(name), dtype=np.complex128)])
    if dtype == np.complex64:
        # Finite complex64 parts (the wide ranges would overflow to infinities).
        z = np.clip(z.real, -1e30, 1e30) + 1j * np.clip(z.imag, -1e30, 1e30)
    return z.astype(dtype)


def _part(value: mpmath.mpf, numpy_part, dtype):
    if value == 0:
        return numpy_part
    if mpmath.isinf(value):
        return dtype(math.copysign(math.inf, value))
    return _nearest(value, dtype)


@functools.cache
def reference(name: str, dtype) -> np.ndarray:
    """Correctly rounded parts of `name` on its sample."""
    z = arguments(name, dtype)
    part = np.float64 if dtype == np.complex128 else np.float32
    with np.errstate(all="ignore"):
        numpy = getattr(np, name)(z)
    f = COMPLEX[name][0]
    out = np.empty_like(z)
    with mpmath.workprec(PREC):
        for k, v in enumerate(z):
            try:
                r = f(mpmath.mpc(float(v.real), float(v.imag)))
            except ZeroDivisionError:
                # A pole (arctanh of ±1 after rounding to complex64): C99's infinity.
                out[k] = numpy[k]
                continue
            if name in SIGNS:
                r = mpmath.mpc(abs(r.real), abs(r.imag))
            re, im = _part(r.real, numpy[k].real, part), _part(r.imag, numpy[k].imag, part)
            if name in SIGNS:
                # An exact zero part keeps NumPy's (C99's) value.
                negative = (math.copysign(1.0, float(v.real)) < 0, math.copysign(1.0, float(v.imag)) < 0)
                sre, sim = SIGNS[name](re, im, *negative)
                re, im = (re if r.real == 0 else sre), (im if r.imag == 0 else sim)
            if (name.startswith("log") or name in ("sqrt", "arctanh")) and v.imag == 0:
                # The branch cut: C99's f(x - 0i) is the conjugate of f(x + 0i).
                im = part(math.copysign(float(im), math.copysign(1.0, float(v.imag))))
            if name == "arctan" and v.real == 0:
                # arctan's cuts are on the imaginary axis: the real part takes x's sign.
                re = part(math.copysign(float(re), math.copysign(1.0, float(v.real))))
            out[k] = complex(re, im)
    return out


def measure(name: str, dtype, compute) -> tuple[int, float]:
    """(max ulp over both parts, % of results with both parts correctly rounded)."""
    z = arguments(name, dtype)
    want = reference(name, dtype)
    with np.errstate(all="ignore"):
        got = np.asarray(compute(name, z)).astype(dtype)
    d = np.maximum(ulps(got.real.copy(), want.real.copy()), ulps(got.imag.copy(), want.imag.copy()))
    return int(d.max()), float((d == 0).mean() * 100)


def row(label: str, dtype, columns, measured) -> str:
    """A markdown row: per column, `measured(compute)`'s max ulp / % correctly rounded."""
    cells = []
    for _, compute in columns:
        mx, pct = measured(compute)
        # A wrong sign or a lost small result is billions of ulp away.
        worst = str(mx) if mx < 2**40 else "≥ 2^40"
        cells.append(f"{worst} / {pct:.1f} %")
    return f"| {label} | {np.dtype(dtype).name} | " + " | ".join(cells) + " |"


def table(columns) -> str:
    """Markdown rows of the complex functions for `accuracy.table`'s columns."""
    rows = [
        row(name, dtype, columns, lambda compute, n=name, d=dtype: measure(n, d, compute))
        for name in COMPLEX
        for dtype in DTYPES
    ]
    return "\n".join(rows) + "\n"


RUST_RANDOM = 60


def rust_reference() -> str:
    """Lines `name dtype re im result_re result_im` (hex bits; dtype complex128 or
    complex64) for `src/math/reference.txt`: part of each sample of the functions
    bounded by 1 ulp."""
    lines = []
    for name in WITHIN_ONE_ULP:
        for dtype in DTYPES:
            z = arguments(name, dtype)
            # Some random arguments of each half, and about RUST_RANDOM hard ones.
            step = max(1, (len(z) - SAMPLES) // RUST_RANDOM)
            keep = np.r_[0:RUST_RANDOM, SAMPLES // 2 : SAMPLES // 2 + RUST_RANDOM, SAMPLES : len(z) : step]
            want = reference(name, dtype)[keep]
            part = np.float64 if dtype == np.complex128 else np.float32
            u = np.uint64 if part == np.float64 else np.uint32
            width = 16 if part == np.float64 else 8
            for a, b in zip(z[keep], want):
                bits = [int(np.array(v, dtype=part).view(u)) for v in (a.real, a.imag, b.real, b.imag)]
                lines.append(f"{name} {np.dtype(dtype).name} " + " ".join(f"{v:0{width}x}" for v in bits))
    return "\n".join(lines) + "\n"
