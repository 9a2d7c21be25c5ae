"""The transcendental functions: nexpr vs NumPy vs numexpr, side by side in one run.

    python bench/bench_math.py [--n 1e7] [--rounds 3] [--repeat 5]

One thread everywhere (nexpr's kernels compiled with ``threads=1``, numexpr's
``set_num_threads(1)``; NumPy has one). Per expression: the median and the minimum
per call over ``rounds`` alternating rounds of ``repeat`` calls each, including the
allocation of the result, and nexpr's median over NumPy's and over numexpr's. First
the float64 expressions (`sin(a)**2+cos(b)**2`, `exp(-a*a)*log1p(b)` and one per function of
``src/math/``), then every transcendental of one float32 array. Prints markdown.
"""

import argparse
import statistics
import time

import numpy as np

import nexpr

try:
    import numexpr
except ImportError:  # numexpr's column is left empty
    numexpr = None

# (expression, NumPy's version); a, b uniform in [0, 1).
F64 = [
    ("sin(a)**2+cos(b)**2", lambda a, b: np.sin(a) ** 2 + np.cos(b) ** 2),
    ("exp(-a*a)*log1p(b)", lambda a, b: np.exp(-a * a) * np.log1p(b)),
    ("tan(a)+b", lambda a, b: np.tan(a) + b),
    ("arcsin(a)+b", lambda a, b: np.arcsin(a) + b),
    ("arccos(a)+b", lambda a, b: np.arccos(a) + b),
    ("arctan(a)+b", lambda a, b: np.arctan(a) + b),
    ("arctan2(a,b)", np.arctan2),
    ("sinh(a)+b", lambda a, b: np.sinh(a) + b),
    ("cosh(a)+b", lambda a, b: np.cosh(a) + b),
    ("tanh(a)+b", lambda a, b: np.tanh(a) + b),
    ("arcsinh(a)+b", lambda a, b: np.arcsinh(a) + b),
    ("arccosh(a+1)+b", lambda a, b: np.arccosh(a + 1) + b),
    ("arctanh(a)+b", lambda a, b: np.arctanh(a) + b),
    ("a**b", np.power),
]
F32 = ["exp", "expm1", "log", "log1p", "log2", "log10", "sin", "cos", "tan", "arcsin",
       "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arctanh"]


def timed(fn, repeat):
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = fn()
        ts.append(time.perf_counter() - t)
        del r
    return ts


def compare(rows, rounds, repeat):
    """rows: (label, {tool: fn}); prints the table."""
    print("| expression | nexpr | NumPy | numexpr | nexpr/NumPy | nexpr/numexpr |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, fns in rows:
        times = {k: [] for k in fns}
        for f in fns.values():
            f()  # compile, warm up
        for _ in range(rounds):
            for k, f in fns.items():
                times[k] += timed(f, repeat)
        med = {k: statistics.median(v) for k, v in times.items()}
        cell = {k: f"{1e3 * med[k]:.1f} / {1e3 * min(times[k]):.1f} ms" for k in times}
        ne_cell = cell.get("numexpr", "")
        ratio_ne = f"{med['nexpr'] / med['numexpr']:.2f}" if "numexpr" in med else ""
        print(f"| `{label}` | {cell['nexpr']} | {cell['NumPy']} | {ne_cell} | "
              f"{med['nexpr'] / med['NumPy']:.2f} | {ratio_ne} |", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=float, default=1e7)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    n = int(args.n)
    rng = np.random.default_rng(7)
    a, b = rng.random(n), rng.random(n)
    if numexpr is not None:
        numexpr.set_num_threads(1)
    rows = []
    for expr, np_fn in F64:
        k = nexpr.compile(expr, threads=1)
        fns = {"nexpr": lambda k=k: k(a=a, b=b), "NumPy": lambda f=np_fn: f(a, b)}
        if numexpr is not None:
            fns["numexpr"] = lambda e=expr: numexpr.evaluate(e, local_dict={"a": a, "b": b})
        rows.append((expr, fns))
    print(f"float64, {n:.0e} elements, 1 thread, median / minimum per call\n")
    compare(rows, args.rounds, args.repeat)
    a32 = a.astype(np.float32)
    rows = []
    for name in F32:
        k = nexpr.compile(f"{name}(a)", threads=1)
        np_fn = getattr(np, name)
        fns = {"nexpr": lambda k=k: k(a=a32), "NumPy": lambda f=np_fn: f(a32)}
        if numexpr is not None:
            fns["numexpr"] = lambda e=f"{name}(a)": numexpr.evaluate(e, local_dict={"a": a32})
        rows.append((f"{name}(a)", fns))
    print(f"\nfloat32, {n:.0e} elements, 1 thread, median / minimum per call\n")
    compare(rows, args.rounds, args.repeat)


if __name__ == "__main__":
    main()
