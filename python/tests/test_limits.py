"""Results too large for memory, results of many dimensions, and panics: each is a
Python exception of a proper class (``MemoryError``, a result, ``RuntimeError``),
never an abort of the interpreter or pyo3's ``PanicException``."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import nexpr as ne
from nexpr import errors


def test_a_column_plus_a_row_of_a_million_is_a_memory_error():
    a = np.zeros((2**20, 1))
    b = np.zeros((1, 2**20))
    with pytest.raises(MemoryError):
        ne.evaluate("a + b")
    # An axis reduction needs only its output: here 2^40 elements.
    a3, b3 = a.reshape(2**20, 1, 1), b.reshape(1, 2**20, 1)  # noqa: F841 - by name
    with pytest.raises(MemoryError):
        ne.evaluate("sum(a3 + b3, axis=2)")


def test_an_axis_sum_to_an_output_too_large_is_a_memory_error():
    b = np.broadcast_to(np.ones((1, 1)), (2**40, 4))  # noqa: F841 - by name
    with pytest.raises(MemoryError) as ei:
        ne.evaluate("sum(b, axis=1)")
    assert isinstance(ei.value, errors.NexprMemoryError)


def test_a_program_with_two_outputs_over_a_broadcast_view():
    b = np.broadcast_to(np.ones((1, 1)), (4, 2**40))
    k = ne.program("output x, y\nx = b + 1\ny = b * 2\n")
    with pytest.raises(MemoryError):
        k(b)


def test_results_of_more_than_32_dimensions():
    a = np.zeros((1,) * 40)
    r = ne.evaluate("sum(a, axis=0)")
    assert r.shape == (1,) * 39
    k = ne.program("output x, y\nx = a + 1\ny = a * 2\n")
    out = k(a)
    assert out["x"].shape == (1,) * 40
    assert out["y"].shape == (1,) * 40
    assert out["x"].ravel()[0] == 1.0


def test_an_axis_sum_under_an_address_space_limit():
    """``sum(a, axis=1)`` of 800 MB needs its output, not the 800 MB of elementwise
    values: under an address-space limit 300 MB above what the process already uses
    (its threads started by a first evaluation), it still succeeds."""
    code = textwrap.dedent(
        """
        import resource, numpy as np, nexpr as ne
        a = np.ones((100, 1_000_000))
        ne.evaluate("sum(a, axis=1)")
        with open("/proc/self/status") as f:
            used = int(f.read().split("VmSize:")[1].split()[0]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (used + 300 * 2**20,) * 2)
        r = ne.evaluate("sum(a * 2, axis=1)")
        print("ok", r[0])
        """
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["ok", "2000000.0"], p.stdout


def test_internal_errors_are_runtime_errors():
    assert issubclass(errors.InternalError, RuntimeError)
    assert issubclass(errors.NexprMemoryError, MemoryError)


def test_no_memory_for_machine_code_is_a_memory_error():
    """Compiling a kernel when the address space is used up is a ``MemoryError`` (the
    JIT could not map memory for the code), not a backend error or an abort."""
    code = textwrap.dedent(
        """
        import resource, numpy as np, nexpr as ne
        b = np.ones(10**6)
        print(ne.compile("sum(b * 2)", threads=1)(b))
        with open("/proc/self/status") as f:
            used = int(f.read().split("VmSize:")[1].split()[0]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (used,) * 2)
        try:
            ne.compile("sum(b * 3)", threads=1)(b)
        except MemoryError as e:
            print("memoryerror", type(e).__name__)
        """
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["2000000.0", "memoryerror", "NexprMemoryError"], p.stdout
