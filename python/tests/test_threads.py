"""Many Python threads calling evaluate at once (the GIL is released while a kernel runs)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import nexpr as ne

EXPRS = [
    ("2*a + 3*b", lambda a, b: 2 * a + 3 * b),
    ("where(a > b, a, b)", lambda a, b: np.where(a > b, a, b)),
    ("sin(a)**2 + cos(b)**2", lambda a, b: np.sin(a) ** 2 + np.cos(b) ** 2),
    ("sum(a * b)", lambda a, b: np.sum(a * b)),
]


def test_concurrent_evaluate():
    rng = np.random.default_rng(0)
    cases = []
    for i in range(64):
        n = [5, 1000, 50_000, 400_000][i % 4]
        dt = [np.float64, np.float32][i % 2]
        ex, f = EXPRS[i % len(EXPRS)]
        cases.append((ex, f, rng.random(n).astype(dt), rng.random(n).astype(dt)))

    def job(case):
        ex, f, a, b = case
        got = ne.evaluate(ex, local_dict={"a": a, "b": b})
        want = f(a, b)
        return got.dtype == np.asarray(want).dtype and np.allclose(got, want, rtol=1e-4)

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(job, cases * 3))


def test_gil_released_during_large_evaluation():
    a = np.random.default_rng(1).random(4_000_000)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.01)
    t0 = time.perf_counter()
    for _ in range(3):
        ne.evaluate("exp(-a*a) * log1p(a) + sin(a)", local_dict={"a": a})
    t1 = time.perf_counter()
    stop.set()
    t.join()
    during = [x for x in ticks if t0 < x < t1]
    # The other thread kept running while the kernels ran.
    assert len(during) >= max(2, int((t1 - t0) / 0.001) // 10)
