"""``nexpr.dask`` without Dask installed: the import error says how to get it."""

import subprocess
import sys

# Runs in a fresh interpreter where `import dask` fails, as it does without Dask.
HIDE_DASK = """
import sys
sys.modules["dask"] = None
try:
    import nexpr.dask
except ImportError as e:
    print(e)
else:
    print("imported")
"""


def test_import_without_dask_names_the_extra():
    r = subprocess.run(
        [sys.executable, "-c", HIDE_DASK], capture_output=True, text=True, check=True
    )
    assert "pip install nexpr[dask]" in r.stdout, r.stdout + r.stderr
