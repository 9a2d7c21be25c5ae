"""The Mandelbrot set on a Dask cluster: nexpr's fused program per chunk, against the
same chunked computation with NumPy masked arrays and with numexpr's three-expression
loop per chunk.

    python/.venv/bin/python examples/dask_mandelbrot.py                 # n=8000, maxi=512
    python/.venv/bin/python examples/dask_mandelbrot.py --n 2000 --workers 1,2

Needs ``nexpr`` (a release build: ``python/run-tests.sh`` or ``pip install ./python``),
``dask[array]``, ``distributed``, ``numexpr`` and Pillow. For each worker count it starts
a ``LocalCluster`` on loopback (one thread per worker process), builds the grid
lazily chunk by chunk, and times:

* nexpr, fused: ``kernels/mandelbrot.nx`` once per chunk (``nexpr.dask.run``), whole grid;
* the same nexpr program, NumPy masked arrays and numexpr (one thread per task) on a
  subset of the chunks, the band of chunk rows through the middle of the picture
  (the real axis: the main cardioid, the slowest rows), unless ``--subset all``:
  at n = 8000 NumPy and numexpr over the whole grid would take many minutes on a small
  machine.

Prints a Markdown table and writes the picture (``--png``), downsampled to at most
``--png-px`` pixels a side.

On a real cluster only the scheduler address changes: ``Client("tcp://scheduler:8786")``
instead of a ``LocalCluster``; the workers need the ``nexpr`` wheel installed.
"""

import argparse
import time

import numpy as np

X0, X1, Y0, Y1 = -2.0, 1.0, -1.0, 1.0


# -- per-chunk methods (they run on the workers) ------------------------------------


def numpy_masked_chunk(c, maxi):
    """Escape counts of one chunk with NumPy masked updates: each iteration updates only
    the points still inside (escape == maxi); a point escapes at the first i with
    |z| > 2."""
    z = np.zeros(c.shape, np.complex128)
    escape = np.full(c.shape, maxi, np.int32)
    for i in range(1, maxi):
        inside = escape == maxi
        zi = z[inside]
        zi = zi * zi + c[inside]
        z[inside] = zi
        out = np.abs(zi) > 2
        escape[inside] = np.where(out, i, maxi)
    return escape


def numexpr_chunk(c, maxi):
    """Escape counts of one chunk with numexpr: three expressions per iteration (the
    mask, the update of z, the update of escape), one thread per task."""
    import numexpr

    numexpr.set_num_threads(1)
    z = np.zeros(c.shape, np.complex128)
    escape = np.full(c.shape, maxi, np.int32)
    env = {"c": c, "maxi": maxi}
    for i in range(1, maxi):
        env.update(z=z, escape=escape, i=np.int32(i))
        env["live"] = numexpr.evaluate("escape == maxi", local_dict=env)
        z = env["z"] = numexpr.evaluate("where(live, z**2 + c, 0)", local_dict=env)
        escape = numexpr.evaluate("where(live & (abs(z).real > 2), i, escape)", local_dict=env)
    return escape.astype(np.int32)


# -- the driver (runs on the client) -------------------------------------------------


def grid(n, chunk):
    """c[j, i] = x_i + 1j*y_j over [-2, 1] x [-1, 1], a lazy Dask array built by a nexpr
    expression from its two axes, chunk by chunk."""
    import dask.array as da

    import nexpr.dask

    cx = da.linspace(X0, X1, n, chunks=chunk)
    cy = da.linspace(Y0, Y1, n, chunks=chunk)[:, None]
    return nexpr.dask.evaluate("cx + 1j * cy", local_dict={"cx": cx, "cy": cy})


def methods(c, maxi):
    import dask.array as da

    import nexpr
    import nexpr.dask

    mandel = nexpr.kernels.load("mandelbrot")
    m = np.int32(maxi)
    return {
        "nexpr, fused program": lambda: nexpr.dask.run(mandel, c=c, maxi=m)["escape"],
        "NumPy masked arrays": lambda: da.map_blocks(numpy_masked_chunk, c, m, dtype=np.int32),
        "numexpr, 3 expressions per iteration": lambda: da.map_blocks(
            numexpr_chunk, c, m, dtype=np.int32
        ),
    }


def timed(client, arr, repeat=1):
    best = None
    for _ in range(repeat):
        t = time.perf_counter()
        r = arr.compute(scheduler=client)
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best, r


def picture(escape, maxi, path, px):
    from PIL import Image

    step = max(1, int(np.ceil(max(escape.shape) / px)))
    e = escape[::step, ::step].astype(np.float64)
    inside = e >= maxi
    t = np.log(e) / np.log(maxi)  # 0 .. 1
    rgb = np.stack(
        [
            255 * np.clip(1.6 * t - 0.2, 0, 1),
            255 * np.clip(2.0 * t - 0.6, 0, 1) ** 1.5,
            255 * np.clip(0.3 + 1.2 * t, 0, 1) * (1 - 0.5 * t),
        ],
        axis=-1,
    )
    rgb[inside] = 0
    Image.fromarray(rgb.astype(np.uint8)).save(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=8000)
    ap.add_argument("--maxi", type=int, default=512)
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--workers", default="1,2", help="worker counts, e.g. 1,2")
    ap.add_argument("--subset", default="middle", choices=["middle", "all"],
                    help="the chunks NumPy and numexpr run on")
    ap.add_argument("--subset-methods", default="nexpr,numpy,numexpr",
                    help="the methods run on the subset (nexpr,numpy,numexpr)")
    ap.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    ap.add_argument("--png", default="mandelbrot_dask.png")
    ap.add_argument("--png-px", type=int, default=2000)
    args = ap.parse_args()

    import dask
    import numexpr
    from distributed import Client, LocalCluster

    import nexpr

    n, maxi, chunk = args.n, args.maxi, args.chunk
    c = grid(n, chunk)
    if args.subset == "all":
        rows = slice(0, n)
    else:
        nrow = len(c.chunks[0])
        r0 = sum(c.chunks[0][: nrow // 2])
        rows = slice(r0, r0 + c.chunks[0][nrow // 2])
    sub = c[rows]
    subset_text = (
        f"rows {rows.start}..{rows.stop - 1} ({rows.stop - rows.start} x {n} points, "
        f"{len(sub.chunks[1])} chunks)"
    )
    print(f"n = {n}, maxi = {maxi}, chunks {chunk} x {chunk} ({c.numblocks[0] * c.numblocks[1]} "
          f"chunks); subset for every method: {subset_text}")
    print(f"nexpr {nexpr.__version__}, numexpr {numexpr.__version__}, NumPy {np.__version__}, "
          f"dask {dask.__version__}")

    results = {}
    escape = None
    for w in [int(x) for x in args.workers.split(",")]:
        with LocalCluster(n_workers=w, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster) as client:
            client.wait_for_workers(w)
            # Warm up every worker (imports, kernel compilation) on a tiny grid.
            small = grid(64, 16)
            for make in methods(small, 8).values():
                make().compute(scheduler=client)
            fused = methods(c, maxi)["nexpr, fused program"]
            t, escape = timed(client, fused(), args.repeat)
            results[("nexpr, fused program (whole grid)", w)] = t
            print(f"{w} worker(s): nexpr fused, whole grid: {t:.2f} s", flush=True)
            keys = dict(zip(["nexpr", "numpy", "numexpr"], methods(sub, maxi)))
            chosen = [keys[k.strip()] for k in args.subset_methods.split(",") if k.strip()]
            for name, make in methods(sub, maxi).items():
                if name not in chosen:
                    continue
                t, r = timed(client, make(), args.repeat)
                results[(name + " (subset)", w)] = t
                diff = int((r != escape[rows]).sum())
                print(f"{w} worker(s): {name}, subset: {t:.2f} s (checksum "
                      f"{int(r.astype(np.int64).sum())}, {diff} points differ from the "
                      "whole-grid nexpr result)", flush=True)

    ws = sorted({w for _, w in results})
    print()
    print("| method | " + " | ".join(f"{w} worker{'s' if w > 1 else ''}" for w in ws)
          + " | vs nexpr fused |")
    print("| --- | " + " | ".join("---:" for _ in ws) + " | ---: |")
    for name in dict.fromkeys(k for k, _ in results):
        cells = [f"{results[(name, w)]:.2f} s" for w in ws]
        if (name.endswith("(subset)") and not name.startswith("nexpr")
                and ("nexpr, fused program (subset)", ws[0]) in results):
            ratios = [results[(name, w)] / results[("nexpr, fused program (subset)", w)]
                      for w in ws]
            ratio = " / ".join(f"{r:.0f}×" for r in ratios) + " slower"
        else:
            ratio = ""
        print(f"| {name} | " + " | ".join(cells) + f" | {ratio} |")
    print(f"\nescape checksum (whole grid): {int(escape.astype(np.int64).sum())}")
    picture(escape, maxi, args.png, args.png_px)
    print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
