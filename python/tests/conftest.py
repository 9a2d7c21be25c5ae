"""What the Python tests share: the one comparison of nexpr's results with NumPy's
(`same`, `same_outcome`), and the cases of the language's one generator
(`crates/nexpr-gen`, through its `gen` command: the `generated` fixture)."""

import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]

# Generated cases are fetched from `gen` in one batch of this many, from seed 0.
GENERATED_BATCH = 1024


def _native(a):
    a = np.asarray(a)
    return a.astype(a.dtype.newbyteorder("=")) if a.dtype.byteorder not in "=|" else a


def _parts(a):
    """The real arrays a complex one is made of (a real array is its own part)."""
    return (a.real, a.imag) if a.dtype.kind == "c" else (a,)


def same(got, want, *, rtol=None, atol=0.0, exact=False, signed_zeros=None):
    """Asserts that nexpr's `got` is NumPy's `want`: the same dtype and shape; booleans
    and integers equal; floats and complex numbers with NaNs in the same places (each
    part of a complex number on its own) and otherwise equal (`exact`) or within `rtol`
    (default: 1e-5 for float32/complex64, 1e-12 otherwise) and `atol`; and, where
    `signed_zeros` (default: `exact`), zeros of the same sign."""
    got, want = _native(got), _native(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.dtype.kind not in "fc":
        np.testing.assert_array_equal(got, want)
        return
    for g, w in zip(_parts(got), _parts(want)):
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg="NaN placement")
        if exact:
            np.testing.assert_array_equal(g, w)
        else:
            if rtol is None:
                rtol = 1e-5 if want.dtype in (np.float32, np.complex64) else 1e-12
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
        if exact if signed_zeros is None else signed_zeros:
            zeros = w == 0
            np.testing.assert_array_equal(
                np.signbit(g[zeros]), np.signbit(w[zeros]), err_msg="sign of zero")


def same_outcome(numpy_call, nexpr_call, tolerance=None, **kw):
    """Runs `numpy_call` (warnings silenced): where NumPy raises, `nexpr_call` must raise
    the same exception class; otherwise its result must be `same` as NumPy's, with `kw`
    and what `tolerance(want)` adds (a tolerance that depends on the values)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = numpy_call()
        except Exception as e:  # noqa: BLE001 - any class NumPy raises, nexpr must too
            with pytest.raises(type(e)):
                nexpr_call()
            return
    same(nexpr_call(), want, **kw, **(tolerance(np.asarray(want)) if tolerance else {}))


def _gen_command():
    """`gen` as `NEXPR_GEN` names it (`python/run-tests.sh` builds it), or through
    cargo; `None` with the reason where neither is there."""
    exe = os.environ.get("NEXPR_GEN")
    if exe:
        return [os.path.abspath(exe)], None
    cargo = shutil.which("cargo")
    if cargo is None:
        return None, ("cargo is not on PATH and NEXPR_GEN is not set: the generated cases "
                      "come from `cargo run -p nexpr-gen --bin gen`")
    return [cargo, "run", "-q", "-p", "nexpr-gen", "--bin", "gen", "--"], None


def _run_gen(cmd, first, count):
    args = cmd + ["--seed", str(first), "--count", str(count)]
    out = subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout)


@pytest.fixture(scope="session")
def generated():
    """`generated(first, count)`: the generator's cases of seeds `first`, `first + 1`,
    ... (each `{"seed", "expr", "vars": {name: dtype}}`). Skips, saying why, where the
    generator cannot be run."""
    cmd, why = _gen_command()
    if cmd is None:
        pytest.skip(why)
    batch = []

    def cases(first, count):
        if first + count > GENERATED_BATCH:
            return _run_gen(cmd, first, count)
        if not batch:
            batch.extend(_run_gen(cmd, 0, GENERATED_BATCH))
        return batch[first:first + count]

    return cases
