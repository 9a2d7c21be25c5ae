"""nexpr over Dask arrays: on the threaded scheduler and on a real
``dask.distributed.LocalCluster`` (two worker processes, loopback only, one cluster for
the whole module)."""

import logging
import math
import os
import pickle
import signal
import sys
import threading
import time

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
import cloudpickle  # noqa: E402
import dask  # noqa: E402
from conftest import same  # noqa: E402

import nexpr  # noqa: E402
import nexpr.dask as nd  # noqa: E402
from nexpr import errors  # noqa: E402

# Workers unpickle this module's helper functions by value (they cannot import it).
cloudpickle.register_pickle_by_value(sys.modules[__name__])

MEMORY_LIMIT = 400 * 2**20


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dask-worker-space")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        memory_limit=MEMORY_LIMIT,
        local_directory=str(workdir),
        silence_logs=logging.CRITICAL,
    ) as cluster, distributed.Client(cluster, set_as_default=False) as c:
        c.wait_for_workers(2, timeout=60)
        yield c


@pytest.fixture(params=["threads", "distributed"])
def compute(request):
    """Computes Dask collections on the threaded scheduler or on the cluster."""
    if request.param == "threads":
        return lambda *xs: dask.compute(*xs, scheduler="threads")
    c = request.getfixturevalue("client")
    return lambda *xs: dask.compute(*xs, scheduler=c)



# ---------------------------------------------------------------------------------
# Element-wise
# ---------------------------------------------------------------------------------


def test_cluster_listens_on_loopback(client):
    info = client.scheduler_info()
    assert info["address"].startswith("tcp://127.0.0.1:")
    assert len(info["workers"]) == 2
    assert all(w.startswith("tcp://127.0.0.1:") for w in info["workers"])


def test_elementwise_broadcasting_unequal_chunks(compute):
    rng = np.random.default_rng(1)
    a_np = rng.standard_normal((60, 70))
    b_np = rng.standard_normal(70).astype(np.float32)
    c_np = rng.integers(-5, 5, (60, 1)).astype(np.int32)
    a = da.from_array(a_np, chunks=((10, 25, 25), (30, 40)))
    b = da.from_array(b_np, chunks=((7, 21, 42),))
    c = da.from_array(c_np, chunks=((35, 25), (1,)))
    s = 2.5
    r = nd.evaluate("where(a > b, a * c + s, b - c)")
    assert isinstance(r, da.Array)
    want = np.where(a_np > b_np, a_np * c_np + s, b_np - c_np)
    assert r.dtype == want.dtype and r.shape == want.shape
    (got,) = compute(r)
    same(got, want, exact=True)


def test_elementwise_dtypes_and_scalars(compute):
    x_np = np.arange(1000, dtype=np.float32).reshape(10, 100) / 7
    z_np = (np.arange(100) + 1j * np.arange(100)[::-1]).astype(np.complex128)
    i_np = np.arange(100, dtype=np.int32)
    x = da.from_array(x_np, chunks=(3, 30))
    z = da.from_array(z_np, chunks=45)
    i = da.from_array(i_np, chunks=60)
    d = {"x": x, "z": z, "i": i, "k": np.int32(3), "s": 2.5, "n": 7}
    cases = [
        ("x * 2 + 1", x_np * 2 + 1),  # float32 stays float32 (weak literals)
        ("x * s + i * n", x_np * 2.5 + i_np * 7),  # and weak Python-scalar variables
        ("i // k + i % k", i_np // np.int32(3) + i_np % np.int32(3)),
        ("z * z + x", z_np * z_np + x_np),
        ("(x > 3) & (i < 50)", (x_np > 3) & (i_np < 50)),
    ]
    for ex, want in cases:
        r = nd.evaluate(ex, local_dict=d)
        assert r.dtype == want.dtype, ex
        (got,) = compute(r)
        same(got, want, exact=want.dtype.kind not in "fc", rtol=1e-12)


def test_mixed_numpy_and_dask(compute):
    a_np = np.linspace(0, 1, 4000).reshape(40, 100)
    b_np = np.linspace(-1, 1, 100)
    a = da.from_array(a_np, chunks=(13, 50))
    r = nd.evaluate("sin(a) * b_np + 1", local_dict={"a": a, "b_np": b_np})
    (got,) = compute(r)
    same(got, np.sin(a_np) * b_np + 1, exact=False, rtol=1e-12)
    # Only NumPy inputs: still a Dask array.
    r = nd.evaluate("a_np + b_np")
    assert isinstance(r, da.Array)
    (got,) = compute(r)
    same(got, a_np + b_np, exact=True)


def test_names_from_the_callers_frame():
    a = da.arange(10, chunks=3)
    b = 2
    r = nd.evaluate("a * b + 1")
    same(r.compute(scheduler="threads"), np.arange(10) * 2 + 1, exact=True)
    with pytest.raises(errors.UnknownNameError) as e:
        nd.evaluate("a + nowhere")
    assert isinstance(e.value, KeyError) and e.value.name == "nowhere"


def test_dtype_comes_from_type_checking():
    x = da.ones((4, 4), chunks=2, dtype=np.int32)
    r = nd.evaluate("sum(x)")
    assert r.dtype == np.int64 and r.shape == ()
    r = nd.evaluate("x / 2")
    assert r.dtype == np.float64 and r._meta.dtype == np.float64
    r = nd.evaluate("x > 2")
    assert r.dtype == bool
    k = nexpr.compile("a * b")
    assert k.result_dtype(np.float32, "f4") == np.float32
    assert k.result_dtype(x, 1.5) == np.float64
    # An example Python scalar is weak, as in a call; the type `float` is float64.
    assert k.result_dtype(np.float32, 1.5) == np.float32
    assert k.result_dtype(np.float32, float) == np.float64
    assert k.result_dtype(a=np.int8, b=np.int16) == np.int32  # widened on entry
    assert nexpr.program("output s, d\ns = a + b\nd = a > b").result_dtypes(
        a=np.float32, b=np.float32
    ) == {"s": np.float32, "d": np.bool_}
    with pytest.raises(errors.ExpressionTypeError):
        nexpr.compile("a - b").result_dtype(bool, bool)
    with pytest.raises(errors.UnsupportedDTypeError):
        k.result_dtype(np.uint64, np.float64)


def test_incompatible_inputs_error_clearly():
    a = da.ones(10, chunks=5)
    b = da.ones(7, chunks=5)
    with pytest.raises(errors.ShapeError) as e:
        nd.evaluate("a + b")
    assert isinstance(e.value, ValueError) and e.value.kind == "shape"
    assert "`a` (10,)" in str(e.value) and "`b` (7,)" in str(e.value)
    # Chunks of unknown size cannot be aligned with anything.
    x = da.arange(20, chunks=5)
    y = x[x > 7]
    z = da.ones(12, chunks=4)
    with pytest.raises(errors.ShapeError, match="compute_chunk_sizes"):
        nd.evaluate("y + z")
    # ... but alone they work.
    same(nd.evaluate("y * 2").compute(scheduler="threads"), np.arange(8, 20) * 2, exact=True)
    with pytest.raises(errors.ShapeError, match="out of bounds"):
        nd.evaluate("sum(x, axis=1)")


def test_threads_argument_and_usage_errors():
    a = da.ones(10, chunks=5)
    r = nd.evaluate("a + 1", threads=2)
    same(r.compute(scheduler="threads"), np.full(10, 2.0), exact=True)
    with pytest.raises(errors.UsageError):
        nd.evaluate("a + 1", threads=0)
    with pytest.raises(errors.UsageError):
        nd.evaluate("a + 1", out=np.empty(10))


# ---------------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------------


REDUCTIONS = [
    ("sum(a * b)", lambda a, b: np.sum(a * b)),
    ("sum(a * b, axis=0)", lambda a, b: np.sum(a * b, axis=0)),
    ("sum(a * b, axis=1)", lambda a, b: np.sum(a * b, axis=1)),
    ("prod(a / 4 + 1, axis=-1)", lambda a, b: np.prod(a / 4 + 1, axis=-1)),
    ("min(a - b)", lambda a, b: np.min(a - b)),
    ("max(a - b, axis=0)", lambda a, b: np.max(a - b, axis=0)),
    ("(min(where(a > b, a, b), 1))", lambda a, b: np.min(np.where(a > b, a, b), axis=1)),
]


@pytest.mark.parametrize("ex,np_f", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reductions(compute, ex, np_f):
    rng = np.random.default_rng(2)
    a_np = rng.random((50, 60))
    b_np = rng.random(60)
    a = da.from_array(a_np, chunks=((10, 15, 25), (20, 11, 29)))
    b = da.from_array(b_np, chunks=((30, 30),))
    r = nd.evaluate(ex, local_dict={"a": a, "b": b})
    want = np.asarray(np_f(a_np, b_np))
    assert r.dtype == want.dtype and r.shape == want.shape
    (got,) = compute(r)
    same(got, want, exact=False, rtol=1e-12)


def test_integer_and_bool_reductions(compute):
    i_np = np.arange(-300, 300, dtype=np.int32).reshape(20, 30)
    i = da.from_array(i_np, chunks=(7, 9))
    cases = {
        "sum(i)": np.sum(i_np),  # int64, as NumPy
        "sum(i * i, axis=0)": np.sum(i_np * i_np, axis=0),
        "sum(i > 0)": np.sum(i_np > 0),
        "max(i, axis=1)": np.max(i_np, axis=1),
        "prod(i % 3 + 1, axis=0)": np.prod(i_np % 3 + 1, axis=0),
        "min(i > -200)": np.min(i_np > -200),
    }
    rs = [nd.evaluate(ex, local_dict={"i": i}) for ex in cases]
    got = compute(*rs)
    for g, want in zip(got, cases.values()):
        same(g, np.asarray(want), exact=True)


def test_float32_and_complex_sums(compute):
    f_np = (np.arange(10_000, dtype=np.float32) / 3).reshape(100, 100)
    z_np = np.exp(1j * np.linspace(0, 6, 10_000)).reshape(100, 100)
    f = da.from_array(f_np, chunks=(30, 40))
    z = da.from_array(z_np, chunks=(45, 100))
    r1, r2, r3 = compute(nd.evaluate("sum(f)"), nd.evaluate("sum(z * 2, axis=0)"),
                         nd.evaluate("sum(z * f)"))
    assert r1.dtype == np.float32 and r2.dtype == np.complex128
    np.testing.assert_allclose(r1, np.sum(f_np.astype(np.float64)), rtol=1e-6)
    np.testing.assert_allclose(r2, np.sum(z_np * 2, axis=0), rtol=1e-13)
    np.testing.assert_allclose(r3, np.sum(z_np * f_np), rtol=1e-13)


def test_sum_accuracy_against_fsum(compute):
    # Values of widely different magnitudes and both signs: the partial sums of the
    # chunks cancel one another.
    rng = np.random.default_rng(3)
    n = 1_000_000
    x_np = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 9, n)
    x = da.from_array(x_np, chunks=n // 97)
    exact = math.fsum(x_np)
    (got,) = compute(nd.evaluate("sum(x)", split_every=3))
    err = abs(got - exact)
    np_err = abs(np.sum(x_np) - exact)
    scale = math.fsum(np.abs(x_np))
    assert err <= max(np_err, 1e-16 * abs(exact)) + 4e-17 * scale, (err, np_err)
    # The combining tree adds no error of its own: one huge partial sum, many small
    # ones, and its negation give the small ones exactly.
    y_np = np.concatenate([[1e16], np.full(1000, 1.0), [-1e16]])
    y = da.from_array(y_np, chunks=((1,) + (100,) * 10 + (1,),))
    (got,) = compute(nd.evaluate("sum(y)", split_every=2))
    assert got == math.fsum(y_np) == 1000.0
    (got,) = compute(nd.evaluate("sum(y * 1j + y)", split_every=4))
    assert got == 1000.0 + 1000.0j
    # Overflow and NaN behave as NumPy's sum.
    big = da.from_array(np.array([1e308, 1e308, -1.0, 2.0]), chunks=1)
    (got,) = compute(nd.evaluate("sum(big)"))
    assert got == np.inf
    nan = da.from_array(np.array([1.0, np.nan, 2.0]), chunks=1)
    (got,) = compute(nd.evaluate("sum(nan)"))
    assert np.isnan(got)


def test_split_reduction():
    assert nd.split_reduction("sum(a*b)") == ("sum", "a*b", None)
    assert nd.split_reduction(" ( max( (a), axis = -1 ,) ) ") == ("max", "a", -1)
    assert nd.split_reduction("min(a, axis=None)") == ("min", "a", None)
    assert nd.split_reduction("sum(a, 1, axis=0)") is None
    assert nd.split_reduction("prod(where(a > 0, a, 1), 1)") == ("prod", "where(a > 0, a, 1)", 1)
    assert nd.split_reduction("sum(a) + sum(b)") is None
    assert nd.split_reduction("a + 1") is None


# ---------------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------------


TWO_OUTPUTS = """\
output s, m
s = a + b
m = 0
for i in range(n):
    if s > i:
        m = i
"""


def test_program_several_outputs(compute):
    rng = np.random.default_rng(4)
    a_np = rng.random((30, 40)) * 10
    b_np = rng.random(40)
    a = da.from_array(a_np, chunks=(7, 15))
    b = da.from_array(b_np, chunks=25)
    prog = nexpr.program(TWO_OUTPUTS)
    out = nd.run(prog, a=a, b=b, n=12)
    assert sorted(out) == ["m", "s"]
    want = prog.run(a=a_np, b=b_np, n=12)
    assert out["m"].dtype == want["m"].dtype and out["s"].dtype == np.float64
    s, m = compute(out["s"], out["m"])
    same(s, want["s"], exact=True)
    same(m, want["m"], exact=True)
    # The source works as well as a kernel.
    (s2,) = compute(nd.run(TWO_OUTPUTS, a=a, b=b, n=12)["s"])
    same(s2, want["s"], exact=True)


def test_program_runs_once_per_chunk(monkeypatch):
    calls = []
    orig = nd._RunBlock.__call__

    def counting(self, *blocks):
        calls.append(1)
        return orig(self, *blocks)

    monkeypatch.setattr(nd._RunBlock, "__call__", counting)
    a = da.ones((20, 20), chunks=5)  # 16 chunks
    out = nd.run(nexpr.program(TWO_OUTPUTS), a=a, b=1.0, n=3)
    s, m = dask.compute(out["s"], out["m"], scheduler="threads")
    assert len(calls) == 16
    same(m, np.full((20, 20), 1, np.int64), exact=True)


def test_mandelbrot_program(compute):
    n = 300
    x = np.linspace(-2, 1, n)
    y = np.linspace(-1, 1, n)
    c_np = x[None, :] + 1j * y[:, None]
    c = da.from_array(c_np, chunks=(70, 110))
    mandel = nexpr.kernels.load("mandelbrot")
    out = nd.run(mandel, c=c, maxi=np.int32(64))
    assert list(out) == ["escape"] and out["escape"].dtype == np.int32
    (esc,) = compute(out["escape"])
    same(esc, mandel.run(c=c_np, maxi=np.int32(64))["escape"], exact=True)
    # From a grid built lazily from its axes (broadcast by nexpr.dask.evaluate).
    cx = da.from_array(x, chunks=100)
    cy = da.from_array(y, chunks=150)[:, None]
    grid = nd.evaluate("cx + 1j * cy")
    assert grid.shape == (n, n) and grid.dtype == np.complex128
    (esc2,) = compute(nd.run(mandel, c=grid, maxi=np.int32(64))["escape"])
    same(esc2, esc, exact=True)


def test_run_usage_errors():
    a = da.ones(4, chunks=2)
    prog = nexpr.program(TWO_OUTPUTS)
    with pytest.raises(errors.UsageError, match="no input `q`"):
        nd.run(prog, a=a, b=1.0, n=2, q=1)
    with pytest.raises(errors.UnknownNameError):
        nd.run(prog, a=a, b=1.0)
    with pytest.raises(errors.ShapeError):
        nd.run(prog, a=a, b=da.ones(3, chunks=2), n=2)


# ---------------------------------------------------------------------------------
# Kernels as Dask functions, pickling, threads on workers
# ---------------------------------------------------------------------------------


def test_map_blocks_with_a_kernel(compute):
    k = nexpr.compile("exp(-x * x) * y", threads=1)
    x = da.linspace(-3, 3, 1000, chunks=128).astype(np.float32)
    y = da.ones(1000, chunks=128, dtype=np.float32)
    r = da.map_blocks(k, x, y, dtype=k.result_dtype(x, y))
    assert r.dtype == np.float32
    (got,) = compute(r)
    x_np = np.linspace(-3, 3, 1000).astype(np.float32)
    np.testing.assert_allclose(got, np.exp(-x_np * x_np), rtol=1e-6)
    assert got.dtype == np.float32


def test_kernels_pickle_by_source_and_are_cached():
    k = nexpr.compile("a * 2 + b", threads=1)
    blob = pickle.dumps(k)
    assert len(blob) < 300
    k1, k2 = pickle.loads(blob), pickle.loads(blob)
    assert k1 is k2  # one kernel per process for one source and options
    assert k1.source == k.source and k1.threads == 1
    # Without threads=, the unpickling process's default applies.
    assert pickle.loads(pickle.dumps(nexpr.compile("a + 1"))).threads == nexpr.get_num_threads()


def _worker_cache_info():
    return nexpr._nexpr._rebuild_cache_info()


def _task_threads(x, k):
    return np.array([k.threads, nexpr.get_num_threads()])


def test_compiled_once_per_worker_and_one_thread_per_task(client):
    before = client.run(_worker_cache_info)
    x = da.random.random((400, 400), chunks=50)  # 64 chunks
    r = nd.evaluate("sqrt(x) * 3 - x * 0.5 + 1.0")
    got = r.compute(scheduler=client)
    np.testing.assert_allclose(got, np.sqrt(x.compute()) * 3 - x.compute() * 0.5 + 1.0)
    after = client.run(_worker_cache_info)
    built = [after[w][1] - before.get(w, (0, 0))[1] for w in after]
    # Each worker built the kernel at most once (64 tasks between 2 workers).
    assert all(b <= 1 for b in built) and sum(built) >= 1, built
    # Workers default to one thread per task (Dask sets OMP_NUM_THREADS=1 there).
    assert set(client.run(nexpr.get_num_threads).values()) == {1}
    k = nexpr.compile("a + 1")  # no threads=: the worker's own default applies
    t = da.map_blocks(_task_threads, da.ones(4, chunks=2), k, chunks=(2,), dtype=int)
    assert set(t.compute(scheduler=client).tolist()) == {1}


# ---------------------------------------------------------------------------------
# Failures and memory on the cluster
# ---------------------------------------------------------------------------------


def _values(block_info=None):
    """Chunk i of the generated input: arange over its range, the same on any worker."""
    (start, stop), = block_info[None]["array-location"]
    return np.arange(start, stop, dtype=np.float64) % 1000.0


def _values_killing_once(marker, block_info=None):
    """As `_values`, but the first task for chunk 5 kills its own worker process."""
    if block_info[None]["chunk-location"] == (5,) and not os.path.exists(marker):
        with open(marker, "w") as f:
            f.write(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.02)
    return _values(block_info)


def test_worker_killed_mid_computation(client, tmp_path):
    client.wait_for_workers(2, timeout=60)
    pids_before = set(client.run(os.getpid).values())
    n, chunk = 400_000, 20_000
    marker = str(tmp_path / "killed")
    x = da.map_blocks(_values_killing_once, marker, chunks=((chunk,) * (n // chunk),),
                      dtype=np.float64, meta=np.empty((0,)))
    s = nd.evaluate("sum(x * x + 1)")
    e = nd.evaluate("x * 2 + 1")
    got_s, got_e = dask.compute(s, e, scheduler=client)
    assert os.path.exists(marker)
    with open(marker) as f:
        assert int(f.read()) in pids_before
    want = np.arange(n) % 1000.0
    assert got_s == pytest.approx(np.sum(want * want + 1), rel=1e-15)
    same(got_e, want * 2 + 1, exact=True)
    client.wait_for_workers(2, timeout=60)


def _start_sampler(dask_worker):
    import psutil

    proc = psutil.Process()
    state = {"peak": proc.memory_info().rss, "stop": False}

    def loop():
        while not state["stop"]:
            state["peak"] = max(state["peak"], proc.memory_info().rss)
            time.sleep(0.005)

    t = threading.Thread(target=loop, daemon=True)
    state["thread"] = t
    dask_worker._nexpr_memory = state
    t.start()
    return state["peak"]


def _stop_sampler(dask_worker):
    state = dask_worker._nexpr_memory
    state["stop"] = True
    state["thread"].join()
    return state["peak"]


def test_memory_stays_bounded(client):
    client.wait_for_workers(2, timeout=60)
    n = 160 * 2**20  # two inputs of 1.25 GiB each: 2.5 GiB, 6.4 worker memory limits
    chunk = 2**21  # 16 MiB chunks
    x = da.random.default_rng(5).random(n, chunks=chunk)
    y = da.map_blocks(_values, chunks=x.chunks, dtype=np.float64, meta=np.empty((0,)))
    r = nd.evaluate("sum(where(x > 0.5, x * y, -y))")
    start = client.run(_start_sampler)
    try:
        got = r.compute(scheduler=client)
    finally:
        peaks = client.run(_stop_sampler)
    mean_y = np.mean(np.arange(chunk) % 1000.0)
    assert got == pytest.approx(n * mean_y * (0.75 * 0.5 - 0.5), rel=0.02)
    assert n * 8 * 2 > 6 * MEMORY_LIMIT
    print("peak RSS MiB", {w: (start[w] // 2**20, p // 2**20) for w, p in peaks.items()})
    for w, peak in peaks.items():
        assert peak <= MEMORY_LIMIT, (w, start[w] / 2**20, peak / 2**20)
