"""numexpr's module surface on ``import nexpr as ne``, and its thread settings."""

import os
import subprocess
import sys
import warnings

import pytest

import nexpr as ne

NUMEXPR_NAMES = [
    "evaluate", "re_evaluate", "validate", "set_num_threads", "get_num_threads",
    "detect_number_of_cores", "detect_number_of_threads", "ncores", "nthreads",
    "MAX_THREADS", "use_vml", "get_vml_version", "set_vml_accuracy_mode",
    "set_vml_num_threads", "get_vml_num_threads", "print_versions", "utils", "test",
]


def test_numexprs_names_are_there():
    missing = [n for n in NUMEXPR_NAMES if not hasattr(ne, n)]
    assert not missing
    for n in ("set_num_threads", "get_num_threads", "detect_number_of_cores", "MAX_THREADS"):
        assert hasattr(ne.utils, n)
    assert ne.use_vml is False and ne.get_vml_version() is None
    assert ne.set_vml_accuracy_mode("fast") is None
    with pytest.raises(ValueError):
        ne.set_vml_accuracy_mode("bogus")


def test_print_versions(capsys):
    ne.print_versions()
    out = capsys.readouterr().out
    assert ne.__version__ in out and "NumPy" in out


def test_thread_counts_beyond_limits():
    old = ne.get_num_threads()
    try:
        with pytest.raises(ValueError, match="MAX_THREADS"):
            ne.set_num_threads(ne.MAX_THREADS + 1)
        with pytest.raises(ValueError):
            ne.set_num_threads(0)
        assert ne.get_num_threads() == old
        cap = ne._nexpr._max_threads()
        if cap < ne.MAX_THREADS:
            with pytest.warns(RuntimeWarning, match=f"at most {cap} threads"):
                ne.set_num_threads(cap + 1)
            assert ne.get_num_threads() == cap and ne.nthreads == cap
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert ne.set_num_threads(2) in (cap, old)
        assert ne.get_num_threads() == 2
    finally:
        ne.set_num_threads(old)


def _fresh(code, **env):
    r = subprocess.run(
        [sys.executable, "-W", "always", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NEXPR_NUM_THREADS": "", "OMP_NUM_THREADS": "", **env},
    )
    assert r.returncode == 0, r.stderr
    return r.stdout, r.stderr


@pytest.mark.parametrize("value", ["abc", "0", "-2"])
def test_bad_thread_environment_warns(value):
    out, err = _fresh(
        "import nexpr; print(nexpr.get_num_threads(), nexpr.detect_number_of_cores())",
        NUMEXPR_NUM_THREADS=value,
    )
    threads, cores = map(int, out.split())
    assert threads == min(cores, nexpr_cap_in_child())
    assert "NUMEXPR_NUM_THREADS" in err and "not a positive integer" in err


def nexpr_cap_in_child():
    return ne._nexpr._max_threads()


def test_numexpr_max_threads_is_read():
    out, err = _fresh(
        "import nexpr\n"
        "print(nexpr.MAX_THREADS, nexpr.get_num_threads())\n"
        "try:\n    nexpr.set_num_threads(4)\nexcept ValueError:\n    print('refused')\n",
        NUMEXPR_MAX_THREADS="3",
        NUMEXPR_NUM_THREADS="5",
    )
    assert out.split() == ["3", "3", "refused"]


def test_selftest_passes():
    # nexpr.test() is what a user runs to check an installation: it must pass here.
    result = ne.test(verbosity=0)
    assert result.testsRun == 56
    assert result.wasSuccessful(), [str(t) for t, _ in result.failures + result.errors]
