"""A user script that uses nexpr's API type-checks under ``mypy --strict``."""

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("mypy")

SCRIPT = """
    import numpy as np
    import nexpr
    import nexpr.dask
    import nexpr.kernels

    a = np.arange(10.0)
    old: int = nexpr.set_num_threads(2)
    n: int = nexpr.get_num_threads() + nexpr.detect_number_of_cores() + nexpr.MAX_THREADS
    r: np.ndarray = nexpr.evaluate("a * 2")
    k: nexpr.Kernel = nexpr.compile("a + 1", "cpu", threads=1)
    names: list[str] = nexpr.kernels.names()
    text: str = nexpr.kernels.source(names[0])
    path: str = nexpr.kernels.path(names[0])
    m: nexpr.Kernel = nexpr.kernels.load("mandelbrot")
    ne = nexpr.install_as_numexpr()
    nexpr.uninstall_numexpr()
    with nexpr.numexpr_installed():
        pass
    nexpr.utils.set_num_threads(old)
    lazy = nexpr.dask.evaluate("a + 1", {"a": a})
    outs = nexpr.dask.run(m, c=a, maxi=10)
    split = nexpr.dask.split_reduction("sum(a, axis=0)")
    rows: list[tuple[str, int, list[str], bool]] = nexpr.functions()
    again: np.ndarray = nexpr.re_evaluate()
    dt: np.dtype = k.result_dtype(a)
    by_name: dict[str, np.ndarray] = m.run(c=a, maxi=10)
"""


def test_user_script_passes_mypy_strict(tmp_path):
    script = tmp_path / "user.py"
    script.write_text(textwrap.dedent(SCRIPT))
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull,
         str(script)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert r.returncode == 0, r.stdout + r.stderr
