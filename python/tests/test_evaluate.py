"""nexpr.evaluate against NumPy: dtypes, layouts, out=, order=, scalars, re_evaluate."""

import numpy as np
import pytest
from conftest import same

import nexpr
import nexpr as ne

DTYPES = [np.bool_, np.int32, np.int64, np.float32, np.float64, np.complex64, np.complex128]


def test_simple_frame_lookup():
    a = np.arange(10.0)
    b = np.arange(10.0) * 2
    same(ne.evaluate("2*a + 3*b"), 2 * a + 3 * b)


def test_globals_lookup():
    same(ne.evaluate("G * 2"), np.arange(3) * 2)


G = np.arange(3)


def test_local_dict_then_global_dict():
    a = np.arange(4.0)
    same(ne.evaluate("a + b", local_dict={"a": a}, global_dict={"b": 1.0}), a + 1.0)
    # local_dict given, global_dict not: the caller's globals are still searched.
    same(ne.evaluate("x + G", local_dict={"x": a[:3]}), a[:3] + G)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_identity_and_arith(dtype):
    rng = np.random.default_rng(0)
    a = (rng.random(100) * 10).astype(dtype)
    same(ne.evaluate("a"), a)
    if dtype is np.bool_:
        same(ne.evaluate("a & ~a | a"), a & ~a | a)
        same(ne.evaluate("where(a, 1, 2)"), np.where(a, 1, 2))
    else:
        same(ne.evaluate("a * 2 + 1"), a * 2 + 1)
        same(ne.evaluate("a * a - a"), a * a - a)


@pytest.mark.parametrize(
    "dtype,core",
    [
        (np.int8, np.int32),
        (np.int16, np.int32),
        (np.uint8, np.int32),
        (np.uint16, np.int32),
        (np.uint32, np.int64),
        (np.float16, np.float32),
    ],
)
def test_widened_dtypes(dtype, core):
    a = np.arange(50).astype(dtype)
    got = ne.evaluate("a + a")
    assert got.dtype == core
    np.testing.assert_array_equal(got, a.astype(core) + a.astype(core))


def test_refused_dtypes_raise_typeerror_and_valueerror():
    for arr in [np.arange(3, dtype=np.uint64), np.array(["x"]), np.array([b"x"]),
                np.array([None]), np.zeros(2, dtype="f8,f8"), np.zeros(2, np.longdouble)]:
        with pytest.raises(TypeError):
            ne.evaluate("a", local_dict={"a": arr})
        with pytest.raises(ValueError):
            ne.evaluate("a", local_dict={"a": arr})


def test_bool_bytes_other_than_0_and_1():
    raw = np.array([2, 0, 1, 255, 0, 7], dtype=np.uint8)
    for b in [raw.view(bool), raw.view(bool)[::2], raw.view(bool)[::-1]]:
        canon = b.view(np.uint8) != 0
        same(ne.evaluate("~b"), ~canon)
        same(ne.evaluate("b & b"), canon)
        same(ne.evaluate("where(b, 1, 0)"), np.where(canon, 1, 0))


def test_python_and_numpy_scalars():
    a = np.arange(3, dtype=np.float32)
    # Python scalars are weak (NEP 50), NumPy scalars and 0-d arrays strong.
    same(ne.evaluate("a * x", local_dict={"a": a, "x": 1.5}), a * 1.5)
    same(ne.evaluate("a * x", local_dict={"a": a, "x": 2}), a * 2)
    same(ne.evaluate("a * x", local_dict={"a": a, "x": 2j}), a * 2j)
    same(ne.evaluate("a * x", local_dict={"a": a, "x": np.float64(1.5)}), a * np.float64(1.5))
    same(ne.evaluate("a * x", local_dict={"a": a, "x": np.asarray(1.5)}), a * np.asarray(1.5))
    i = np.arange(3, dtype=np.int32)
    same(ne.evaluate("i + x", local_dict={"i": i, "x": 7}), i + 7)
    with pytest.raises(OverflowError):
        ne.evaluate("i + x", local_dict={"i": i, "x": 2**40})
    same(ne.evaluate("i < x", local_dict={"i": i, "x": 2**40}), i < 2**40)
    same(ne.evaluate("x + 1", local_dict={"x": 5}), np.asarray(5) + 1)
    same(ne.evaluate("x + 1", local_dict={"x": 2.5 + 1j}), np.asarray(2.5 + 1j) + 1)
    same(ne.evaluate("where(x, 1, 2)", local_dict={"x": True}), np.where(True, 1, 2))
    same(ne.evaluate("a * x", local_dict={"a": a, "x": np.float32(2)}), a * np.float32(2))
    same(ne.evaluate("x", local_dict={"x": [1.0, 2.0]}), np.array([1.0, 2.0]))
    with pytest.raises(TypeError):
        ne.evaluate("x", local_dict={"x": 2**70})


def test_zero_d_and_empty():
    z = np.array(3.0)
    r = ne.evaluate("z * 2")
    assert r.shape == () and r == 6.0
    for shape in [(0,), (3, 0), (0, 4, 2)]:
        e = np.ones(shape)
        same(ne.evaluate("e * 2 + 1"), e * 2 + 1)
    same(ne.evaluate("sum(e)", local_dict={"e": np.ones(0)}), np.sum(np.ones(0)))


def test_literal_only_expression():
    same(ne.evaluate("1 + 2"), np.asarray(3))
    same(ne.evaluate("2.5 * 2"), np.asarray(5.0))


def test_broadcasting():
    a = np.arange(12.0).reshape(3, 4)
    b = np.arange(4.0)
    c = np.arange(3.0).reshape(3, 1)
    same(ne.evaluate("a + b * c"), a + b * c)
    with pytest.raises(ValueError, match="broadcast"):
        ne.evaluate("a + d", local_dict={"a": a, "d": np.arange(5.0)})


# --- layouts -------------------------------------------------------------------------


def test_negative_strides():
    a = np.arange(20.0)[::-1]
    b = np.arange(40.0).reshape(5, 8)[::-2, ::-3]
    same(ne.evaluate("a * 2"), a * 2)
    same(ne.evaluate("b + 1"), b + 1)


def test_step_slices_and_transposes():
    a = np.arange(100.0).reshape(10, 10)
    same(ne.evaluate("x + y", local_dict={"x": a[::3, 1::2], "y": a[:4, :5].T[:5, :4].T}),
          a[::3, 1::2] + a[:4, :5].T[:5, :4].T)


def test_unaligned_record_field():
    # An f8 inside a packed 12-byte record: byte stride 12, not a multiple of 8.
    rec = np.zeros(50, dtype=np.dtype([("i", "i4"), ("f", "f8")], align=False))
    assert rec.dtype.itemsize == 12
    rec["f"] = np.arange(50) * 1.5
    rec["i"] = -1
    f = rec["f"]
    assert f.strides == (12,)
    same(ne.evaluate("f * 2"), f * 2)
    same(ne.evaluate("sum(f)"), np.sum(f))
    # i4 followed by u2 (numexpr's own test): stride 6.
    c = np.empty(10, dtype=[("c1", np.int32), ("c2", np.uint16)])
    c["c1"] = np.arange(10)
    c["c2"] = 0xAAAA
    c1 = c["c1"]
    same(ne.evaluate("c1 + 1"), c1 + 1)


def test_misaligned_pointer():
    buf = np.zeros(8 * 64 + 1, dtype=np.uint8)
    a = np.frombuffer(buf.data, dtype=np.float64, count=64, offset=1)
    assert not a.flags.aligned
    same(ne.evaluate("a + 1"), a + 1)


def test_order_of_axis_reductions():
    a = np.arange(60.0).reshape(3, 4, 5)
    for order, fortran in [("F", True), ("C", False), ("K", False), ("A", False)]:
        r = ne.evaluate("sum(a * 2, axis=1)", order=order)
        assert r.flags.f_contiguous == fortran and r.flags.c_contiguous != fortran, order
        same(r, np.sum(a * 2, axis=1))
    f = np.asfortranarray(a)
    for order in ["K", "A", "F"]:
        r = ne.evaluate("max(f, axis=0)", order=order)
        assert r.flags.f_contiguous and not r.flags.c_contiguous, order
        same(r, np.max(f, axis=0))
    # One-dimensional results are both.
    r = ne.evaluate("sum(x, axis=0)", local_dict={"x": np.ones((2, 3))}, order="F")
    same(r, np.ones(3) * 2)


def test_non_native_byte_order():
    a = np.arange(10, dtype=">f8")
    b = np.arange(10, dtype=">i4")
    same(ne.evaluate("a * b"), a.astype("f8") * b.astype("i4"))


def test_broadcast_views_zero_strides():
    a = np.broadcast_to(np.arange(5.0), (4, 5))
    same(ne.evaluate("a * 2"), a * 2)


def test_fortran_order_kept_with_order_k():
    a = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    b = np.asfortranarray(np.ones((3, 4)))
    r = ne.evaluate("a + b")
    assert r.flags.f_contiguous and not r.flags.c_contiguous
    same(r, a + b)
    r = ne.evaluate("a + b", order="C")
    assert r.flags.c_contiguous
    same(r, a + b)
    r = ne.evaluate("x + 1", local_dict={"x": np.arange(6.0).reshape(2, 3)}, order="F")
    assert r.flags.f_contiguous
    same(r, np.arange(6.0).reshape(2, 3) + 1)
    # Mixed layouts give C order.
    r = ne.evaluate("a + c", local_dict={"a": a, "c": np.ones((3, 4))})
    assert r.flags.c_contiguous


@pytest.mark.parametrize("threads", [1, 2])
def test_large_fresh_results(threads):
    # From 4 MiB on a fresh result is the core's own array, handed to NumPy: it starts
    # on a 2 MiB boundary (every page can be a huge page). Values, dtypes, Fortran
    # order and results larger than their (broadcast) inputs as below that size.
    old = nexpr.set_num_threads(threads)
    try:
        rng = np.random.default_rng(1)
        a, b = rng.random(1_000_003), rng.random(1_000_003)
        r = ne.evaluate("2*a + 3*b")
        same(r, 2 * a + 3 * b, exact=True)
        assert r.ctypes.data % (2 << 20) == 0
        same(ne.evaluate("(a > 0.5) & (b < 0.5)"), (a > 0.5) & (b < 0.5))
        z = a + 1j * b
        same(ne.evaluate("z*z + a"), z * z + a, atol=1e-15)
        f = np.asfortranarray(a[:1_000_000].reshape(1000, 1000))
        r = ne.evaluate("f * 2 + 1")
        assert r.flags.f_contiguous and not r.flags.c_contiguous
        same(r, f * 2 + 1, exact=True)
        col, row = a[:1500, None], b[None, :1500]
        same(ne.evaluate("col * row"), col * row, exact=True)
    finally:
        nexpr.set_num_threads(old)


# --- out= ------------------------------------------------------------------------------


def test_out_in_place_returns_out():
    x = np.arange(10000.0).reshape(1000, 10)
    expect = x + 3
    r = ne.evaluate("x + 3", out=x)
    assert r is x
    same(x, expect)
    y = np.arange(10.0)
    expect = (x - 3) * y + (x - 3)
    ne.evaluate("(x - 3) * y + (x - 3)", out=x)
    same(x, expect)


def test_out_overlapping_reversed_input():
    x = np.arange(10.0)
    expect = x[::-1] + 0.5
    ne.evaluate("y + 0.5", local_dict={"y": x[::-1]}, out=x)
    same(x, expect)
    x = np.arange(10.0)
    expect = x[:-1] * 2
    ne.evaluate("y * 2", local_dict={"y": x[:-1]}, out=x[1:])
    same(x[1:], expect)


def test_out_other_dtype_and_casting():
    a = np.arange(5.0)
    o = np.empty(5, np.float32)
    ne.evaluate("a * 2", out=o)
    same(o, (a * 2).astype(np.float32))
    with pytest.raises(TypeError):
        ne.evaluate("a * 2", out=o, casting="safe")
    oi = np.empty(5, np.int8)
    ne.evaluate("a * 2", out=oi, casting="unsafe")
    np.testing.assert_array_equal(oi, (a * 2).astype(np.int8))


def test_out_fortran_and_strided():
    a = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    o = np.asfortranarray(np.empty((3, 4)))
    ne.evaluate("a * 2", out=o)
    same(o, a * 2)
    big = np.zeros((6, 8))
    view = big[::2, ::2]
    ne.evaluate("b + 1", local_dict={"b": np.ones((3, 4))}, out=view)
    same(view, np.full((3, 4), 2.0))
    assert big[1].sum() == 0


def test_out_broadcast_fill_and_unaligned():
    a = np.empty(5, dtype=np.uint8)[1:].view(np.int32)
    ne.evaluate("3", out=a)
    np.testing.assert_array_equal(a, 3)


def test_out_errors():
    a = np.arange(5.0)
    with pytest.raises(ValueError):
        ne.evaluate("a", out=np.empty(4))
    ro = np.empty(5)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        ne.evaluate("a", out=ro)


def test_large_out_in_place_sliced():
    # Above the slicing threshold: the evaluation runs in slices, in place.
    x = np.arange(3_000_000, dtype=np.float64)
    expect = np.sqrt(x) + x
    ne.evaluate("sqrt(x) + x", out=x)
    same(x, expect)
    m = np.arange(2_400_000.0).reshape(3, 800_000)
    same(ne.evaluate("m * 2 + v", local_dict={"m": m, "v": np.arange(800_000.0)}),
          m * 2 + np.arange(800_000.0))


# --- numexpr's API ---------------------------------------------------------------------


def test_re_evaluate_and_validate():
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([4.0, 5.0, 6.0])
    x = ne.evaluate("2*a + 3*b")
    a = np.array([0.0, 0.0, 1.0])
    same(ne.re_evaluate(), 2 * a + 3 * b)
    assert ne.validate("a + b") is None
    same(ne.re_evaluate(local_dict={"a": a, "b": x}), a + x)
    e = ne.validate("a + zz")
    assert isinstance(e, KeyError)
    assert isinstance(ne.validate("a +"), SyntaxError)


def test_re_evaluate_reuses_live_out():
    a = np.array([1.0, 2.0, 3.0])
    out = np.zeros(3)
    assert ne.evaluate("a + 1", out=out) is out
    a = np.array([4.0, 5.0, 6.0])
    assert ne.re_evaluate(local_dict={"a": a}) is out
    same(out, a + 1)


def test_keyword_arguments():
    a = np.arange(4, dtype=np.int32)
    same(ne.evaluate("a / 2", truediv=False), a / 2)
    same(ne.evaluate("a / 2", optimization="none", sanitize=True, disable_cache=True), a / 2)
    with pytest.raises(ValueError, match="Unknown keyword"):
        ne.evaluate("a", bogus=1)
    with pytest.raises(ValueError):
        ne.evaluate("a", optimization="max")
    with pytest.raises(ValueError):
        ne.evaluate("a", order="Q")
    with pytest.raises(ValueError, match="string"):
        ne.evaluate(3)


def test_threads_settings():
    old = ne.set_num_threads(1)
    try:
        assert ne.get_num_threads() == 1
        assert ne.set_num_threads(2) == 1
        a = np.arange(1e6)
        same(ne.evaluate("a * 2"), a * 2)
    finally:
        ne.set_num_threads(old)
    assert ne.detect_number_of_cores() >= 1
    assert ne.ncores >= 1
    with pytest.raises(ValueError):
        ne.set_num_threads(0)


def test_environment_thread_count():
    import subprocess
    import sys

    code = "import nexpr; print(nexpr.get_num_threads(), nexpr.nthreads)"
    for env, want in [({"NEXPR_NUM_THREADS": "3"}, "3 3"),
                      ({"NUMEXPR_NUM_THREADS": "2", "OMP_NUM_THREADS": "5"}, "2 2"),
                      ({"OMP_NUM_THREADS": "5"}, "5 5")]:
        base = {k: v for k, v in __import__("os").environ.items()
                if k not in ("NEXPR_NUM_THREADS", "NUMEXPR_NUM_THREADS", "OMP_NUM_THREADS")}
        out = subprocess.run([sys.executable, "-c", code], env={**base, **env},
                             capture_output=True, text=True, check=True).stdout.strip()
        assert out == want, (env, out)


def test_version():
    assert isinstance(nexpr.__version__, str) and nexpr.__version__
