"""nexpr.compile, nexpr.program, nexpr.kernels: reusable, thread-safe, picklable."""

import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import same

import nexpr


def test_compile_call_by_name_and_position():
    k = nexpr.compile("2*a + b")
    a = np.arange(5.0)
    b = np.ones(5)
    same(k(a=a, b=b), 2 * a + b, exact=True)
    same(k(a, b), 2 * a + b, exact=True)
    same(k(a, b=b), 2 * a + b, exact=True)
    assert k.input_names == ["a", "b"]
    assert k.source == "2*a + b"
    with pytest.raises(ValueError, match="no input"):
        k(a=a, b=b, c=b)
    with pytest.raises(KeyError):
        k(a=a)


def test_kernel_out_and_dtypes():
    k = nexpr.compile("x * 2", threads=1)
    for dt in [np.int32, np.float32, np.complex128]:
        x = np.arange(6).astype(dt)
        same(k(x=x), x * 2, exact=True)
    x = np.arange(6.0)
    assert k(x=x, out=x) is x
    same(x, np.arange(6.0) * 2, exact=True)


@pytest.mark.parametrize("target", ["interp", "cpu"])
def test_targets(target):
    k = nexpr.compile("where(a > 2, sin(a), a**2)", target=target)
    a = np.linspace(0, 5, 101)
    same(k(a=a), np.where(a > 2, np.sin(a), a**2), rtol=1e-14)
    # out= may alias an input on every target.
    k(a=a, out=a)


def test_cuda_target_reports_absence_cleanly():
    try:
        nexpr.compile("a + 1", target="cuda")
    except nexpr.errors.BackendError as e:
        assert isinstance(e, RuntimeError)


def test_emit():
    k = nexpr.compile("a * 2 + 1")
    a = np.arange(3.0)
    ir = k.emit("ir", a=a)
    assert "mul" in ir and "f64" in ir
    assert "fadd" in k.emit("clif", a=a) or "fma" in k.emit("clif", a=a)
    assert "__global__" in k.emit("cuda", a=a)
    with pytest.raises(ValueError):
        k.emit("wat", a=a)


def test_pickle_kernel_and_program():
    k = nexpr.compile("a - b", target="interp")
    k2 = pickle.loads(pickle.dumps(k))
    assert k2.source == k.source and k2.target == "interp"
    same(k2(a=np.ones(2), b=np.ones(2)), np.zeros(2), exact=True)
    k = nexpr.compile("a - b", threads=2)
    assert pickle.loads(pickle.dumps(k)).threads == 2
    p = nexpr.kernels.load("mandelbrot")
    p2 = pickle.loads(pickle.dumps(p))
    assert p2.is_program and p2.output_names == ["escape"]


def test_kernel_thread_safe():
    k = nexpr.compile("sqrt(a) * b + a")
    rng = np.random.default_rng(0)
    data = [(rng.random(n), rng.random(n)) for n in (10, 1000, 100_000, 300_000)] * 8

    def job(ab):
        a, b = ab
        return np.allclose(k(a=a, b=b), np.sqrt(a) * b + a)

    with ThreadPoolExecutor(8) as ex:
        assert all(ex.map(job, data))


def mandelbrot_numpy(c, maxi):
    z = np.zeros_like(c)
    escape = np.full(c.shape, maxi, dtype=np.int64)
    done = np.zeros(c.shape, bool)
    for i in range(1, maxi):
        z = np.where(done, z, z * z + c)
        hit = ~done & (z.real**2 + z.imag**2 > 4)
        escape[hit] = i
        done |= hit
    return escape


def test_program_mandelbrot_matches_numpy():
    x = np.linspace(-2, 1, 60)
    y = np.linspace(-1.5, 1.5, 40)
    c = x[None, :] + 1j * y[:, None]
    prog = nexpr.program(nexpr.kernels.source("mandelbrot"))
    out = prog.run(c=c, maxi=64)
    assert set(out) == {"escape"}
    same(out["escape"], mandelbrot_numpy(c, 64), exact=True)
    # Calling a program returns its outputs by name too.
    same(prog(c=c, maxi=64)["escape"], out["escape"], exact=True)


def test_program_several_outputs():
    src = "output s, d\ns = a + b\nd = a - b\n"
    p = nexpr.program(src)
    r = p.run(a=np.arange(3.0), b=1.0)
    same(r["s"], np.arange(3.0) + 1, exact=True)
    same(r["d"], np.arange(3.0) - 1, exact=True)


def test_kernels_package():
    names = nexpr.kernels.names()
    assert "mandelbrot" in names and "julia" in names
    path = nexpr.kernels.path("mandelbrot")
    with open(path) as f:
        assert f.read() == nexpr.kernels.source("mandelbrot")
    with pytest.raises(KeyError):
        nexpr.kernels.source("nope")
    for name in names:
        assert nexpr.kernels.load(name).is_program


def test_kernel_path_outlives_the_process(tmp_path):
    import subprocess
    import sys

    env = {**__import__("os").environ, "XDG_CACHE_HOME": str(tmp_path)}
    code = "import nexpr; print(nexpr.kernels.path('julia'))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    p = r.stdout.strip()
    assert p.startswith(str(tmp_path))
    with open(p) as f:  # still there after the interpreter exited
        assert f.read() == nexpr.kernels.source("julia")
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert again.stdout.strip() == p
