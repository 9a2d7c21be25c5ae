"""Mandelbrot escape counts computed the classic Python ways, each timed in-process.

Every way computes what `kernels/mandelbrot.nx` computes, operation for operation, so
the escape arrays agree bit for bit: the grid c = x + 1j*y over
`meshgrid(linspace(-2, 1, n), linspace(-1, 1, n))` (row j is y), z_0 = 0,
z_i = z_{i-1}*z_{i-1} + c with the complex product (a*c - b*d, a*d + b*c), and escape =
the first i in 1..maxi-1 with re(z_i)**2 + im(z_i)**2 > 4, else maxi. Every way
computes on z's real and imaginary parts, one IEEE operation at a time: NumPy 2's
complex multiplication fuses multiply-adds where the CPU has them (as C compiled with
contraction on does), which changes some escape counts (at n = 800, maxi = 512, the
checksum 86077142 instead of 86077097).

    python mandel_ways.py WAY N MAXI RUNS SLOW [--threads T]

runs WAY up to RUNS times on the n x n grid and prints one line per run,

    WAY SECONDS CHECKSUM

(CHECKSUM: the sum of the escape array), stopping after a run longer than SLOW seconds.
Only the computation is timed: not the interpreter's start, the imports, the grid, or
numba's compilation (done on a 2 x 2 grid first). The ways:

    python     pure Python, one point at a time (CPython or PyPy)
    numpy      NumPy masked arrays: z[m] = z[m]**2 + c[m] over the points m still in
    numexpr    numexpr, 3 evaluate calls per iteration (T threads)
    cython     a typed Cython loop (the module mandel_cy, built by prepare.py)
    numba      the same loop under numba's @njit
    numba_par  @njit(parallel=True), rows shared out by prange (T threads)
    cupy       a CuPy ElementwiseKernel, one GPU thread per point

    python mandel_ways.py --check WAY...

prints `WAY ok` for each way that can run here, else `WAY: <why not>`. This file runs
on Python 3.9 and later (PyPy 3.9 included).
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def linspace(start, stop, n):
    """NumPy's linspace: start + i*step, the last point exactly stop."""
    if n == 1:
        return [start]
    step = (stop - start) / (n - 1)
    points = [i * step + start for i in range(n)]
    points[-1] = stop
    return points


def axes(n):
    """The grid's x (columns) and y (rows) as Python floats."""
    return linspace(-2.0, 1.0, n), linspace(-1.0, 1.0, n)


# ---------------------------------------------------------------------------------
# The ways: each takes (n, maxi, threads), prepares what is not timed, and returns a
# function computing the escape array (a flat list or an int32 array).
# ---------------------------------------------------------------------------------


def way_python(n, maxi, threads):
    xs, ys = axes(n)

    def run():
        escape = []
        for ci in ys:
            for cr in xs:
                zr = zi = 0.0
                e = maxi
                for i in range(1, maxi):
                    zr, zi = zr * zr - zi * zi + cr, zr * zi + zi * zr + ci
                    if zr * zr + zi * zi > 4.0:
                        e = i
                        break
                escape.append(e)
        return escape

    return run


def flat_grid(np, n):
    """The grid's real and imaginary parts as flat float64 arrays, row by row."""
    x = np.linspace(-2.0, 1.0, n)
    y = np.linspace(-1.0, 1.0, n)
    return np.tile(x, n), np.repeat(y, n)


def way_numpy(n, maxi, threads):
    import numpy as np

    cr, ci = flat_grid(np, n)

    def run():
        zr = np.zeros_like(cr)
        zi = np.zeros_like(ci)
        escape = np.full(cr.shape, maxi, dtype=np.int32)
        # The points still in, as indices rather than a boolean mask: each iteration
        # then costs what the points still in cost, not the whole grid.
        inside = np.arange(cr.size)
        for i in range(1, maxi):
            r, m = zr[inside], zi[inside]
            r, m = r * r - m * m + cr[inside], r * m + m * r + ci[inside]
            zr[inside], zi[inside] = r, m
            escaped = r * r + m * m > 4.0
            escape[inside[escaped]] = i
            inside = inside[~escaped]
        return escape

    return run


def way_numexpr(n, maxi, threads):
    import numexpr as ne
    import numpy as np

    ne.set_num_threads(threads)
    cr, ci = flat_grid(np, n)
    limit = np.int32(maxi)

    def run():
        # A point is still in while its escape is maxi: no separate mask to update.
        v = {"cr": cr, "ci": ci, "maxi": limit}
        v["zr"], v["zi"] = np.zeros_like(cr), np.zeros_like(ci)
        v["escape"] = np.full(cr.shape, maxi, dtype=np.int32)
        for i in range(1, maxi):
            v["i"] = np.int32(i)
            zr = ne.evaluate("where(escape == maxi, zr*zr - zi*zi + cr, zr)", local_dict=v)
            v["zi"] = ne.evaluate("where(escape == maxi, zr*zi + zi*zr + ci, zi)", local_dict=v)
            v["zr"] = zr
            v["escape"] = ne.evaluate(
                "where((escape == maxi) & (zr*zr + zi*zi > 4.0), i, escape)", local_dict=v
            )
        return v["escape"]

    return run


def way_cython(n, maxi, threads):
    import mandel_cy
    import numpy as np

    xs = np.linspace(-2.0, 1.0, n)
    ys = np.linspace(-1.0, 1.0, n)

    def run():
        escape = np.empty((n, n), dtype=np.int32)
        mandel_cy.escape_counts(xs, ys, maxi, escape)
        return escape

    return run


def numba_loops(parallel):
    """The escape loop compiled by numba: rows by prange when parallel."""
    import numba
    import numpy as np

    @numba.njit(parallel=parallel)
    def escape_counts(xs, ys, maxi, escape):
        for r in numba.prange(ys.shape[0]):
            ci = ys[r]
            for k in range(xs.shape[0]):
                cr = xs[k]
                zr = 0.0
                zi = 0.0
                e = maxi
                for i in range(1, maxi):
                    t = zr * zr - zi * zi + cr
                    zi = zr * zi + zi * zr + ci
                    zr = t
                    if zr * zr + zi * zi > 4.0:
                        e = i
                        break
                escape[r, k] = e

    # Compiled here, on the argument types of the timed calls, so no run pays for it.
    escape_counts(np.zeros(2), np.zeros(2), np.int32(2), np.empty((2, 2), dtype=np.int32))
    return escape_counts


def numba_way(parallel):
    def way(n, maxi, threads):
        import numba
        import numpy as np

        if parallel:
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        loops = numba_loops(parallel)
        xs = np.linspace(-2.0, 1.0, n)
        ys = np.linspace(-1.0, 1.0, n)

        def run():
            escape = np.empty((n, n), dtype=np.int32)
            loops(xs, ys, np.int32(maxi), escape)
            return escape

        return run

    return way


# ElementwiseKernel's own loop names the element index `i`: this loop counts in `k`.
CUPY_LOOP = """
double zr = 0.0, zi = 0.0;
int e = maxi;
for (int k = 1; k < maxi; k++) {
    double t = zr * zr - zi * zi + cr;
    zi = zr * zi + zi * zr + ci;
    zr = t;
    if (zr * zr + zi * zi > 4.0) { e = k; break; }
}
escape = e;
"""


def way_cupy(n, maxi, threads):
    import cupy as cp

    # --fmad=false: NVRTC would otherwise fuse multiply-adds and change escape counts.
    kernel = cp.ElementwiseKernel(
        "float64 cr, float64 ci, int32 maxi",
        "int32 escape",
        CUPY_LOOP,
        "mandel_escape",
        options=("--fmad=false",),
    )
    x = cp.linspace(-2.0, 1.0, n)
    y = cp.linspace(-1.0, 1.0, n)
    cr = cp.broadcast_to(x[cp.newaxis, :], (n, n))
    ci = cp.broadcast_to(y[:, cp.newaxis], (n, n))
    escape = cp.empty((n, n), dtype=cp.int32)
    kernel(cr[:2, :2], ci[:2, :2], cp.int32(maxi), escape[:2, :2])  # compiled here
    cp.cuda.Device().synchronize()

    def run():
        kernel(cr, ci, cp.int32(maxi), escape)
        cp.cuda.Device().synchronize()
        return escape

    return run


WAYS = {
    "python": way_python,
    "numpy": way_numpy,
    "numexpr": way_numexpr,
    "cython": way_cython,
    "numba": numba_way(parallel=False),
    "numba_par": numba_way(parallel=True),
    "cupy": way_cupy,
}


def checksum(escape):
    if isinstance(escape, list):
        return sum(escape)
    return int(escape.sum(dtype="int64"))


# ---------------------------------------------------------------------------------
# Whether a way can run here
# ---------------------------------------------------------------------------------

CYTHON_LOG = os.path.join(HERE, ".venv", "mandel_cy-unbuilt.txt")


def missing_module(module):
    """Why `module` does not import, or None."""
    try:
        __import__(module)
    except ImportError as e:
        return f"{module} does not import in {sys.executable} ({e})"
    return None


def why_not(way):
    """One line saying why `way` cannot run here, or None when it can."""
    if way == "python":
        return None
    if way == "cython":
        if missing_module("mandel_cy") is None:
            return None
        if os.path.exists(CYTHON_LOG):
            with open(CYTHON_LOG) as f:
                return f.read().strip()
        return "the Cython module is not built (run prepare.py)"
    if way == "cupy":
        why = missing_module("cupy")
        if why is not None:
            return f"no CuPy in {sys.executable} (pip install cupy-cuda12x where there is a GPU)"
        import cupy as cp

        try:
            if cp.cuda.runtime.getDeviceCount() == 0:
                return "no GPU"
        except Exception as e:  # CuPy raises its own error types without a driver.
            first = (str(e).splitlines() or [type(e).__name__])[0]
            return f"no GPU ({first})"
        return None
    module = {"numba_par": "numba"}.get(way, way)
    return missing_module(module)


def check(ways):
    for way in ways:
        if way not in WAYS:
            print(f"{way}: no such way")
            continue
        why = why_not(way)
        print(f"{way} ok" if why is None else f"{way}: {why}")


# ---------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------


def timed_runs(way, n, maxi, runs, slow, threads):
    run = WAYS[way](n, maxi, threads)
    for _ in range(runs):
        t0 = time.perf_counter()
        escape = run()
        seconds = time.perf_counter() - t0
        print(f"{way} {seconds:.9f} {checksum(escape)}", flush=True)
        if seconds > slow:
            break


def main(argv):
    if argv[:1] == ["--check"]:
        check(argv[1:])
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("way", choices=sorted(WAYS))
    p.add_argument("n", type=int)
    p.add_argument("maxi", type=int)
    p.add_argument("runs", type=int)
    p.add_argument("slow", type=float)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    if a.n < 1 or a.maxi < 1 or a.runs < 1 or a.threads < 1:
        p.error("n, maxi, runs and --threads must be at least 1")
    timed_runs(a.way, a.n, a.maxi, a.runs, a.slow, a.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
