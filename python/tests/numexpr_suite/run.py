"""Runs numexpr's own test suite (``numexpr/tests/test_numexpr.py``, from the installed
numexpr wheel) against nexpr, and sorts every test that does not pass by why.

    python tests/numexpr_suite/run.py [pytest args...]

The suite is copied to ``_work/`` next to a ``conftest.py`` that calls
``nexpr.install_as_numexpr()`` first, so its ``import numexpr`` gets nexpr. The summary
(counts, then each reason with its tests) is printed and written to
``_work/summary.md``; the exit status is 1 when a failure is unexplained (a bug).
"""

import importlib.util
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # run as a script: junit_summary is one folder up
from junit_summary import read_junit  # noqa: E402

WORK = os.path.join(HERE, "_work")

CONFTEST = '''\
import nexpr

nexpr.install_as_numexpr()


def pytest_configure(config):
    config.addinivalue_line("markers", "thread_unsafe: mark test as unsafe for parallel execution")
'''

# (reason, test-id pattern, message pattern): the first match explains a failure.
# Reasons are deliberate, documented differences, or numexpr internals.
KNOWN = [
    ("numexpr internals (NumExpr, disassemble, E, ConstantNode): numexpr's virtual machine, "
     "which nexpr replaces with compiled code",
     r"", r"internal of numexpr|numexpr\.E builds|internal of numexpr's virtual machine"),
    ("byte strings (numexpr's string comparisons and `contains`): nexpr has no string dtype",
     r"test_strings|str_contains", r""),
    ("byte strings: the last check of test_sanitize compares a bytes array with a string "
     "literal (every check before it passes)",
     r"test_sanitize", r"x == 'b:'"),
    ("NumPy 2 typing: an expression of integer literals alone is int64 (NumPy's default "
     "integer), where numexpr makes small ones int32",
     r"test_small_int", r"'int64' != 'int32'"),
    ("NumPy's axes: negative `axis=` counts from the end, as in NumPy, where numexpr "
     "refuses it",
     r"test_axis", r"should raise exception"),
]


def suite_file():
    spec = importlib.util.find_spec("numexpr")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("numexpr is not installed: pip install numexpr (its wheel ships the suite)")
    path = os.path.join(spec.submodule_search_locations[0], "tests", "test_numexpr.py")
    if not os.path.exists(path):
        sys.exit(f"{path} is missing from this numexpr install")
    return path


def main(argv):
    os.makedirs(WORK, exist_ok=True)
    shutil.copy(suite_file(), os.path.join(WORK, "test_numexpr.py"))
    with open(os.path.join(WORK, "conftest.py"), "w") as f:
        f.write(CONFTEST)
    with open(os.path.join(WORK, "pytest.ini"), "w") as f:  # not the package's settings
        f.write("[pytest]\n")
    xml = os.path.join(WORK, "report.xml")
    cmd = [sys.executable, "-m", "pytest", WORK, "-q", "-p", "no:cacheprovider",
           "--rootdir", WORK, f"--junitxml={xml}", "-o", "junit_family=xunit1", *argv]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if not os.path.exists(xml):
        print(proc.stdout[-5000:], proc.stderr[-5000:])
        return 2
    out = read_junit(xml, KNOWN, lambda m: m.split(" not implemented for")[0][:90])
    passed, nfail, nskip, unexplained = out.passed, out.nfail, out.nskip, out.unexplained
    total = passed + nfail + nskip
    lines = [f"# numexpr's suite against nexpr: {passed} of {total} pass, {nfail} fail, {nskip} skipped", ""]
    lines += out.failure_lines(most=40)
    if out.skipped:
        lines.append(f"## skipped, {nskip} (the suite skips a test when evaluate raises NotImplementedError)")
        for msg, tests in sorted(out.skipped.items(), key=lambda kv: -len(kv[1])):
            lines.append(f"- {len(tests)} x {msg}")
        lines.append("")
    text = "\n".join(lines)
    with open(os.path.join(WORK, "summary.md"), "w") as f:
        f.write(text)
    print(text)
    known = nfail - len(unexplained)
    print(f"numexpr's suite: {passed} of {total} tests pass; {known} fail for the known reasons "
          f"above, {len(unexplained)} for no known reason; {nskip} skipped")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
