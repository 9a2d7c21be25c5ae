"""The ``nexpr`` command that ``pip install`` puts next to the interpreter."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def nexpr_command() -> str:
    # The script sits beside the interpreter of the environment the wheel went into.
    here = Path(sys.executable).parent / ("nexpr.exe" if os.name == "nt" else "nexpr")
    found = str(here) if here.exists() else shutil.which("nexpr")
    if found is None:
        pytest.fail("no `nexpr` command installed with the package")
    return found


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [nexpr_command(), *args], capture_output=True, text=True, timeout=120
    )


def test_help_lists_the_commands():
    r = run("--help")
    assert r.returncode == 0, r.stderr
    for command in ("eval", "run", "bench"):
        assert command in r.stdout


def test_eval_prints_like_numpy():
    r = run("eval", "1+2")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "array(3)\n"


def test_errors_have_the_commands_exit_codes():
    r = run("eval", "1 + * 2")
    assert r.returncode == 2
    assert "syntax error" in r.stderr
