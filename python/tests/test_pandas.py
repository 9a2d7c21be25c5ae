"""pandas with nexpr installed as numexpr (in a fresh interpreter: pandas must import it)."""

import os
import subprocess
import sys

import pytest

pytest.importorskip("pandas")


def test_pandas_uses_nexpr():
    script = os.path.join(os.path.dirname(__file__), "pandas_check.py")
    r = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OK" in r.stdout


def test_install_as_numexpr_module():
    code = (
        "import sys, nexpr; m = nexpr.install_as_numexpr(); import numexpr; "
        "assert numexpr is m and numexpr.evaluate is nexpr.evaluate; "
        "from numexpr.utils import detect_number_of_cores; "
        "from numexpr import evaluate, re_evaluate, validate, set_num_threads; "
        "from pandas.util.version import Version; "
        "assert Version(numexpr.__version__) >= Version('2.11.0'); "
        "import numpy as np; a = np.arange(3.0); print(numexpr.evaluate('a*2'))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "[0. 2. 4.]" in r.stdout
