"""Runs pandas' own tests of numexpr's uses (and PyTables' query tests) with nexpr
installed as numexpr, and sorts every test that does not pass by why.

    python tests/pandas_suite/run.py [pytest args...]

Two pytest runs, each with ``nexpr_plugin.py`` loaded first (it installs nexpr as
numexpr before pandas or PyTables is imported, and fails the run when no evaluation
reached nexpr):

* pandas: ``tests/computation``, ``tests/test_expressions.py``, ``tests/io/pytables``
  and ``tests/frame/test_arithmetic.py``, without the ``slow``, ``network`` and ``db``
  marks. The installed pandas' tests when its wheel ships them, else those of pandas'
  sdist of the same version, extracted to a cache folder (``NEXPR_CACHE``, else
  ``~/.cache/nexpr``), never into the repository;
* PyTables: its query tests, ``tables.tests.test_queries`` (``Table.where()`` through
  numexpr's virtual machine, and ``numexpr.evaluate`` of the indexed queries' chunk
  maps), the 1,620 tests its ``suite()`` lists, as PyTables' own runner
  (``tables.tests.test_all``) runs them.

The summary is printed and written to ``_work/summary.md``; the exit status is 1 when
a failure is not in ``KNOWN`` (see python/README.md) or a run reached nexpr too rarely.
"""

import importlib.metadata
import importlib.util
import os
import re
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # run as a script: junit_summary is one folder up
from junit_summary import read_junit  # noqa: E402

WORK = os.path.join(HERE, "_work")
INI = os.path.join(WORK, "pytest.ini")
# pandas' own settings (its pyproject.toml) but for empty parameter sets: the wheel
# ships no data files, so parametrizations over them are empty (skipped, as the
# tests that need a missing data file are with --no-strict-data-files).
PYTEST_INI = """[pytest]
xfail_strict = true
empty_parameter_set_mark = skip
"""
PANDAS_PATHS = [
    "tests/computation",
    "tests/test_expressions.py",
    "tests/io/pytables",
    "tests/frame/test_arithmetic.py",
]

# (reason, test-id pattern, message pattern): the first match explains a failure.
KNOWN = [
    ("bool arithmetic refused with a class that is both TypeError (NumPy's) and "
     "NotImplementedError (numexpr's): pandas catches TypeError first and so skips the "
     "UserWarning it gives before falling back to NumPy, which raises the same TypeError",
     r"test_binop_other\[numexpr-sub-True-bool\]", r"expected warning"),
    ("numexpr's own message text: the test matches numexpr's \"couldn't find matching "
     "opcode\"; nexpr raises the same class (TypeError, NotImplementedError) with its message",
     r"test_(frame|series)_(invert|negate)", r"matching opcode"),
    ("unary + of a bool array: nexpr refuses it as NumPy does (np.positive has no bool "
     "loop); numexpr returns the array",
     r"test_(frame|series)_pos", r"unary `\+` is not supported for bool"),
    ("numexpr's limit of 32 operands: PyTables' indexed query that numexpr refuses with "
     "ValueError runs in nexpr, which has no such limit",
     r"test_select_too_many_conditions_raises", r"DID NOT RAISE"),
]


def site_dir(package):
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"{package} is not installed: pip install -r requirements/dev.txt")
    return spec.submodule_search_locations[0]


def sdist_tests(version):
    """pandas' ``pandas/tests`` and ``pandas/conftest.py`` of ``version``, from its sdist,
    extracted once into the cache; returns the folder holding ``pandas/``."""
    cache = os.environ.get("NEXPR_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "nexpr")
    root = os.path.join(cache, f"pandas-{version}-tests")
    if os.path.isdir(os.path.join(root, "pandas", "tests")):
        return root
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:",
                        "--no-deps", "-d", tmp, f"pandas=={version}"], check=True)
        (archive,) = [os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".tar.gz")]
        with tarfile.open(archive) as tar:
            wanted = [m for m in tar.getmembers()
                      if re.match(r"[^/]+/pandas/(tests/|conftest\.py$)", m.name)]
            for m in wanted:
                m.name = m.name.split("/", 1)[1]
            tar.extractall(root + ".part", members=wanted, filter="data")
    os.replace(root + ".part", root)
    return root


def pandas_run(extra):
    pandas_dir = site_dir("pandas")
    args = ["-m", "not slow and not network and not db", "--no-strict-data-files"]
    if os.path.isdir(os.path.join(pandas_dir, "tests")):
        base = pandas_dir
    else:
        root = sdist_tests(importlib.metadata.version("pandas"))
        base = os.path.join(root, "pandas")
        args += ["--nexpr-pandas-tests", base]
    return [os.path.join(base, p) for p in PANDAS_PATHS] + ["--confcutdir", base, *args, *extra]


def tables_run(extra):
    path = os.path.join(site_dir("tables"), "tests", "test_queries.py")
    return [path, "--confcutdir", os.path.dirname(path),
            "--nexpr-unittest-suite", "tables.tests.test_queries", *extra]


def run(name, args):
    xml = os.path.join(WORK, f"{name}.xml")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "nexpr_plugin", "-p", "no:cacheprovider",
           "--rootdir", WORK, "-c", INI, f"--junitxml={xml}", "-o", "junit_family=xunit1",
           "-W", "ignore::DeprecationWarning", *args]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=os.pathsep.join([HERE, os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run(cmd, env=env, cwd=WORK, capture_output=True, text=True)
    calls = re.search(r"nexpr: evaluate ran (\d+) times", proc.stderr)
    if not os.path.exists(xml) or calls is None:
        print(proc.stdout[-5000:], proc.stderr[-5000:])
        return None
    return xml, int(calls.group(1)), "fewer than" in proc.stderr


def summarize(name, xml, calls):
    out = read_junit(xml, KNOWN)
    lines = [f"# {name}: {out.passed} pass, {out.nfail} fail, {out.nskip} skipped; "
             f"nexpr evaluated {calls} expressions", ""]
    return lines + out.failure_lines(), len(out.unexplained)


def main(argv):
    os.makedirs(WORK, exist_ok=True)
    with open(INI, "w") as f:
        f.write(PYTEST_INI)
    runs = [("pandas", pandas_run(argv)), ("PyTables queries", tables_run(argv))]
    lines, bad = [], 0
    for name, args in runs:
        result = run(name.split()[0].lower(), args)
        if result is None:
            return 2
        xml, calls, too_few = result
        part, unexplained = summarize(name, xml, calls)
        lines += part
        bad += unexplained + too_few
    text = "\n".join(lines)
    with open(os.path.join(WORK, "summary.md"), "w") as f:
        f.write(text)
    print(text)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
