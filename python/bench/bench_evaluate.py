"""nexpr.evaluate vs numexpr.evaluate vs NumPy, side by side in one run.

    python bench/bench_evaluate.py                 # everything (a few minutes)
    python bench/bench_evaluate.py --sizes 1e3,1e7 --threads 1 --no-pandas

Prints markdown tables: per-call overhead on tiny arrays; the expressions of `docs/performance-log.md` at
each size and thread count (median and minimum per call; nexpr/numexpr ratio of the
medians); a pandas ``df.eval`` of a 4-column formula on 1e7 rows with each engine
(each engine in a fresh interpreter, since ``install_as_numexpr`` is process-wide).
All timings include the allocation of the result, as a caller sees them.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

EXPRS = [
    ("2*a+3*b", "f8"),
    ("a*b+c", "f8"),
    ("where(a>b,a,b)", "f8"),
    ("(a>0.5)&(b<0.5)", "f8"),
    ("sin(a)**2+cos(b)**2", "f8"),
    ("exp(-a*a)*log1p(b)", "f8"),
    ("2*f+3*g", "f4"),
    ("z*z+zc", "c16"),
    ("sum(a*b)", "f8"),
]
KIND = {  # memory-bound (m) or transcendental (t), for the targets
    "sin(a)**2+cos(b)**2": "t",
    "exp(-a*a)*log1p(b)": "t",
}
NP_FUNCS = {"where": np.where, "sin": np.sin, "cos": np.cos, "exp": np.exp,
            "log1p": np.log1p, "sum": np.sum}


def data(n, seed=0):
    rng = np.random.default_rng(seed)
    d = {k: rng.random(n) for k in "abc"}
    d["f"] = rng.random(n).astype(np.float32)
    d["g"] = rng.random(n).astype(np.float32)
    d["z"] = rng.random(n) + 1j * rng.random(n)
    d["zc"] = rng.random(n) + 1j * rng.random(n)
    return d


def timeit(f, n_elems, budget=0.4):
    """Median and minimum seconds per call over repeats of batched calls."""
    f()
    t0 = time.perf_counter()
    f()
    one = max(time.perf_counter() - t0, 1e-7)
    inner = max(1, min(10000, int(0.02 / one)))
    repeats = max(5, min(25, int(budget / (one * inner))))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            f()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times), min(times)


def fmt(s):
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    return f"{s * 1e3:.2f} ms"


def bench_overhead():
    import numexpr

    import nexpr

    a = np.arange(10.0)
    b = np.arange(10.0)
    d = {"a": a, "b": b}
    rows = []
    for label, fn in [
        ("nexpr.evaluate(ex, local_dict=d)", lambda: nexpr.evaluate("a*b+1", local_dict=d)),
        ("nexpr.evaluate(ex) (frame lookup)", lambda a=a, b=b: nexpr.evaluate("a*b+1")),
        ("numexpr.evaluate(ex, local_dict=d)", lambda: numexpr.evaluate("a*b+1", local_dict=d)),
        ("numexpr.evaluate(ex) (frame lookup)", lambda a=a, b=b: numexpr.evaluate("a*b+1")),
        ("nexpr kernel call k(a, b)", (lambda k: lambda: k(a, b))(nexpr.compile("a*b+1"))),
        ("NumPy a*b+1", lambda: a * b + 1),
    ]:
        med, mn = timeit(fn, 10, budget=0.5)
        rows.append((label, med, mn))
    print("### Per-call cost, 10 float64 elements (`a*b+1`)\n")
    print("| call | median | min |\n| --- | ---: | ---: |")
    for label, med, mn in rows:
        print(f"| `{label}` | {med * 1e6:.2f} µs | {mn * 1e6:.2f} µs |")
    print()


def bench_exprs(sizes, threads):
    import numexpr

    import nexpr

    results = []
    for n in sizes:
        d = data(n)
        print(f"### {n:.0e} elements\n")
        print("| expression | NumPy | " + " | ".join(
            f"numexpr {t}t | nexpr {t}t | ratio {t}t" for t in threads) + " |")
        print("| --- | ---: | " + " | ".join("---: | ---: | ---:" for _ in threads) + " |")
        for ex, _ in EXPRS:
            npf = compile(ex, "<np>", "eval")
            np_med, np_min = timeit(lambda npf=npf, d=d: eval(npf, NP_FUNCS, d), n)
            cells = [f"{fmt(np_med)}"]
            for t in threads:
                numexpr.set_num_threads(t)
                nexpr.set_num_threads(t)
                ref = numexpr.evaluate(ex, local_dict=d)
                got = nexpr.evaluate(ex, local_dict=d)
                assert np.allclose(ref, got, rtol=1e-5), ex
                ne_med, ne_min = timeit(lambda ex=ex, d=d: numexpr.evaluate(ex, local_dict=d), n)
                nx_med, nx_min = timeit(lambda ex=ex, d=d: nexpr.evaluate(ex, local_dict=d), n)
                ratio = nx_med / ne_med
                cells += [f"{fmt(ne_med)} ({fmt(ne_min)})", f"{fmt(nx_med)} ({fmt(nx_min)})",
                          f"{ratio:.2f}"]
                results.append(dict(expr=ex, n=n, threads=t, numpy=np_med, numexpr=ne_med,
                                    numexpr_min=ne_min, nexpr=nx_med, nexpr_min=nx_min,
                                    ratio=ratio, kind=KIND.get(ex, "m")))
            print(f"| `{ex}` | " + " | ".join(cells) + " |")
        print()
    return results


PANDAS_FORMULA = "a * b + c / (d + 1) - a * d"


def pandas_worker(engine, rows):
    if engine == "nexpr":
        import nexpr

        nexpr.install_as_numexpr()
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({c: rng.random(rows) for c in "abcd"})
    eng = "python" if engine == "python" else "numexpr"
    f = lambda: df.eval(PANDAS_FORMULA, engine=eng)  # noqa: E731
    med, mn = timeit(f, rows, budget=3.0)
    import numexpr  # noqa: F401 - what pandas got

    print(json.dumps(dict(engine=engine, median=med, min=mn, pandas=pd.__version__,
                          numexpr=sys.modules["numexpr"].__version__)))


def bench_pandas(rows):
    print(f"### pandas `df.eval({PANDAS_FORMULA!r})`, {rows:.0e} rows, float64\n")
    print("| engine | median | min |\n| --- | ---: | ---: |")
    out = {}
    for engine in ["python", "numexpr", "nexpr"]:
        r = subprocess.run([sys.executable, __file__, "--pandas-worker", engine,
                            "--rows", str(rows)], capture_output=True, text=True, check=True)
        res = json.loads(r.stdout.strip().splitlines()[-1])
        out[engine] = res
        label = {"python": "engine='python' (NumPy)", "numexpr": f"numexpr {res['numexpr']}",
                 "nexpr": "nexpr via install_as_numexpr()"}[engine]
        print(f"| {label} | {fmt(res['median'])} | {fmt(res['min'])} |")
    print(f"\nnexpr/numexpr: {out['nexpr']['median'] / out['numexpr']['median']:.2f} "
          f"(pandas {out['nexpr']['pandas']})\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="1e3,1e4,1e5,1e6,1e7")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--rows", type=float, default=1e7)
    p.add_argument("--no-pandas", action="store_true")
    p.add_argument("--pandas-worker")
    args = p.parse_args()
    if args.pandas_worker:
        return pandas_worker(args.pandas_worker, int(args.rows))
    import numexpr

    import nexpr

    print(f"nexpr {nexpr.__version__}, numexpr {numexpr.__version__}, NumPy {np.__version__}, "
          f"Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs visible\n")
    bench_overhead()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    results = bench_exprs(sizes, threads)
    big = [r for r in results if r["n"] == max(sizes)]
    if big:
        print(f"At {max(sizes):.0e}: nexpr/numexpr (medians) memory-bound "
              f"{max(r['ratio'] for r in big if r['kind'] == 'm'):.2f} worst, transcendental "
              f"{max(r['ratio'] for r in big if r['kind'] == 't'):.2f} worst; over all sizes "
              f"the worst ratio is {max(r['ratio'] for r in results):.2f}\n")
    if not args.no_pandas:
        bench_pandas(int(args.rows))


if __name__ == "__main__":
    main()
