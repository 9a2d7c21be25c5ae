"""Accuracy of nexpr's complex power z**w, per part, against correctly rounded results.

Measured as ``accuracy_complex`` measures the complex functions (mpmath at 400 bits,
each part rounded once; a part whose exact value is zero takes NumPy's value). The
sample stays where nexpr's core computes (``src/math/complex_pow.rs``): finite parts
within 2^±400, results within the dtype's normal range (|Re(w·log z)| bounded), and
not the small integer exponents (real, |n| < 100), which NumPy and nexpr both compute
by repeated multiplication, nor v = Im(w·log z) = 0, left to the C library for the sign
of its zero.
"""

from __future__ import annotations

import functools
import math

import mpmath
import numpy as np
from accuracy import SAMPLES, SEED, ulps
from accuracy_complex import PREC, _part, row

DTYPES = (np.complex128, np.complex64)


def _hard() -> list[tuple[complex, complex]]:
    """Pairs where w·log z cancels or sits on a cut: |z| near 1 with large exponents,
    negative real bases, the axes, real and imaginary exponents, large integer ones."""
    near_one = [complex(1 + 1e-9, 1e-7), complex(1 - 2.0**-30, 0.0), complex(math.cos(1.0), math.sin(1.0))]
    axes = [complex(-2.0, 0.0), complex(-2.0, -0.0), complex(0.0, 3.0), complex(-0.0, -0.5), complex(-1e-5, 0.0)]
    spread = [complex(3.5, -2.25), complex(1e20, 1e-20), complex(-7e-30, 4e-30)]
    exponents = [complex(0.5, 0.0), complex(-1.0 / 3.0, 0.0), complex(0.0, 2.0), complex(2.5, -1.5), complex(1e5, 3e4), complex(-123.0, 0.0), complex(100.0, 0.0), complex(1e-8, 1e-9), complex(40.0, 40.0)]
    # Bases on an axis with integer exponents have an exact zero part (where NumPy's
    # rounding noise is no reference).
    return [(z, w) for z in near_one + axes + spread for w in exponents if z not in axes or w.real != round(w.real)]


def _u_v(z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(all="ignore"):
        lz = np.log(z.astype(np.complex128))
        p = w.astype(np.complex128) * lz
    return p.real, p.imag


def _candidates(dtype) -> tuple[np.ndarray, np.ndarray]:
    """Random and hard pairs (z, w) in `dtype`, inside the core's range."""
    rng = np.random.default_rng(SEED + 11)
    n = 4 * SAMPLES
    mags = np.exp(rng.uniform(math.log(1e-30), math.log(1e30), n))
    angles = rng.uniform(-math.pi, math.pi, n)
    z = mags * np.exp(1j * angles)
    z[: n // 4] = rng.uniform(-10.0, 10.0, n // 4) + 1j * rng.uniform(-10.0, 10.0, n // 4)
    w = rng.uniform(-10.0, 10.0, n) + 1j * rng.uniform(-10.0, 10.0, n)
    # A quarter with exponents spread so that |Re(w·log z)| reaches the dtype's range.
    q = slice(n // 2, 3 * n // 4)
    top = 650.0 if dtype == np.complex128 else 80.0
    w[q] = rng.uniform(-top, top, n // 4) / np.log(np.abs(z[q])) + 1j * rng.uniform(-1.0, 1.0, n // 4)
    hard = np.array(_hard())
    z = np.concatenate([z, hard[:, 0]]).astype(dtype)
    w = np.concatenate([w, hard[:, 1]]).astype(dtype)
    u, v = _u_v(z, w)
    limit = (-600.0, 700.0) if dtype == np.complex128 else (-80.0, 80.0)
    small_integer = (w.imag == 0) & (w.real == np.round(w.real)) & (np.abs(w.real) < 100)
    keep = (u > limit[0]) & (u < limit[1]) & (v != 0) & (np.abs(v) < 2.0**20) & ~small_integer
    return z[keep], w[keep]


@functools.cache
def _sample(dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(z, w, correctly rounded z**w): the candidates less those with an exactly zero
    part (a negative base to the power 1/2, say), where the reference would be the
    noise of the 400-bit computation and a double computation's rounding noise is no
    error."""
    z, w = _candidates(dtype)
    part = np.float64 if dtype == np.complex128 else np.float32
    with np.errstate(all="ignore"):
        numpy = np.power(z, w)
    out = np.empty_like(z)
    exact_zero = np.zeros(len(z), dtype=bool)
    with mpmath.workprec(PREC):
        for k, (a, b) in enumerate(zip(z, w)):
            base = mpmath.mpc(float(a.real), float(a.imag))
            if a.imag == 0 and a.real < 0 and math.copysign(1.0, float(a.imag)) < 0:
                # Below the cut: arg z = -π (mpmath's log has no signed zeros).
                log_z = mpmath.mpc(mpmath.log(-base.real), -mpmath.pi)
            else:
                log_z = mpmath.log(base)
            r = mpmath.exp(mpmath.mpc(float(b.real), float(b.imag)) * log_z)
            noise = abs(r) * mpmath.mpf(2) ** (40 - PREC)
            exact_zero[k] = abs(r.real) < noise or abs(r.imag) < noise
            out[k] = complex(_part(r.real, numpy[k].real, part), _part(r.imag, numpy[k].imag, part))
    keep = ~exact_zero
    return z[keep], w[keep], out[keep]


def arguments(dtype) -> tuple[np.ndarray, np.ndarray]:
    """The sample (z, w) in `dtype`."""
    z, w, _ = _sample(dtype)
    return z, w


def reference(dtype) -> np.ndarray:
    """Correctly rounded parts of z**w on the sample."""
    return _sample(dtype)[2]


def measure(dtype, compute) -> tuple[int, float]:
    """(max ulp over both parts, % of results with both parts correctly rounded)."""
    z, w = arguments(dtype)
    want = reference(dtype)
    with np.errstate(all="ignore"):
        got = np.asarray(compute("power", z, w)).astype(dtype)
    d = np.maximum(ulps(got.real.copy(), want.real.copy()), ulps(got.imag.copy(), want.imag.copy()))
    return int(d.max()), float((d == 0).mean() * 100)


def table(columns) -> str:
    """Markdown rows of the complex power for `accuracy.table`'s columns."""
    rows = [row("power (`**`)", d, columns, lambda compute, d=d: measure(d, compute)) for d in DTYPES]
    return "\n".join(rows) + "\n"


RUST_RANDOM = 200


def rust_reference() -> str:
    """Lines `power dtype z_re z_im w_re w_im result_re result_im` (hex bits) for
    `src/math/reference.txt`: part of the sample."""
    lines = []
    for dtype in DTYPES:
        z, w = arguments(dtype)
        want = reference(dtype)
        keep = np.r_[0 : len(z) : max(1, len(z) // RUST_RANDOM), len(z) - 40 : len(z)]
        part = np.float64 if dtype == np.complex128 else np.float32
        u = np.uint64 if part == np.float64 else np.uint32
        width = 16 if part == np.float64 else 8
        for a, b, r in zip(z[keep], w[keep], want[keep]):
            values = (a.real, a.imag, b.real, b.imag, r.real, r.imag)
            bits = [int(np.array(v, dtype=part).view(u)) for v in values]
            lines.append(f"power {np.dtype(dtype).name} " + " ".join(f"{v:0{width}x}" for v in bits))
    return "\n".join(lines) + "\n"
