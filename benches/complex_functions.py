"""Complex functions, nexpr against NumPy, side by side: 1e6 random complex128 and
complex64 values (parts uniform on [-3, 3]), 1 thread, each call writing into a
preallocated output; median and minimum of 7 calls after one warm-up, in ms.

``python benches/complex_functions.py [NAME...]`` (with the nexpr package installed;
the names pick functions, all by default; ``power`` is z**w with w a second such
array); prints a markdown table, ``nexpr / NumPy``
the ratio of the minimums.
"""

import sys
import time

import numpy as np

import nexpr

FUNCTIONS = [
    "exp",
    "log",
    "log10",
    "log1p",
    "sqrt",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "power",
]


def median_min(f, arr, out, rounds=7):
    f(arr, out=out)
    ts = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        f(arr, out=out)
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2] * 1e3, ts[0] * 1e3


def main():
    rng = np.random.default_rng(1)
    n = 1_000_000
    z = rng.uniform(-3, 3, n) + 1j * rng.uniform(-3, 3, n)
    print("| function | dtype | NumPy | nexpr | nexpr / NumPy |")
    print("|---|---|---:|---:|---:|")
    w = rng.uniform(-3, 3, n) + 1j * rng.uniform(-3, 3, n)
    for name in sys.argv[1:] or FUNCTIONS:
        for arr, exps in ((z, w), (z.astype(np.complex64), w.astype(np.complex64))):
            out = np.empty_like(arr)
            if name == "power":
                # z**w, the exponents a second such array.
                kernel = nexpr.compile("z**w", threads=1)
                a = median_min(lambda x, out, e=exps: np.power(x, e, out=out), arr, out)
                b = median_min(lambda x, out, e=exps, k=kernel: k(x, e, out=out), arr, out)
            else:
                a = median_min(getattr(np, name), arr, out)
                b = median_min(nexpr.compile(f"{name}(z)", threads=1), arr, out)
            print(
                f"| {name} | {arr.dtype} | {a[0]:.1f} / {a[1]:.1f} | {b[0]:.1f} / {b[1]:.1f} | {b[1] / a[1]:.2f} |"
            )


if __name__ == "__main__":
    main()
