"""Sets up the Python peers of the Mandelbrot example, once: the venv and Cython module.

    python3 prepare.py

makes `.venv` next to this file with the packages pinned in requirements.txt (NumPy,
numexpr, numba, Cython, setuptools) and compiles mandel_cy.pyx into it. Each step is
skipped when a stamp in `.venv` says it was done for the same requirements.txt
(and mandel_cy.pyx); a changed lock makes a fresh venv. The example runs this before
every run (a fraction of a second once done); the first time takes one to four minutes
with a fast network.

Progress goes to stderr. When the venv cannot be made, stdout gets one line saying
why and the exit status is 1. When only the Cython module cannot be built, the reason
is written to `.venv/mandel_cy-unbuilt.txt` (mandel_ways.py --check reports it) and
the status is 0.
"""

import hashlib
import os
import subprocess
import sys
import sysconfig
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(HERE, ".venv")
REQUIREMENTS = os.path.join(HERE, "requirements.txt")
PYX = os.path.join(HERE, "mandel_cy.pyx")
CYTHON_UNBUILT = os.path.join(VENV, "mandel_cy-unbuilt.txt")


def venv_python():
    if os.name == "nt":
        return os.path.join(VENV, "Scripts", "python.exe")
    return os.path.join(VENV, "bin", "python")


def digest(*paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def read_stamp(name):
    """What the stamp `name` in the venv says was done for, or None."""
    try:
        with open(os.path.join(VENV, name)) as f:
            return f.read()
    except OSError:
        return None


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def last_line(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


class SetupError(Exception):
    """A step that cannot be done here, with the one-line reason."""


def run_quietly(argv, why):
    """Runs argv; on failure raises SetupError(why + its last line of output)."""
    try:
        r = subprocess.run(argv, capture_output=True, text=True)
    except OSError as e:
        raise SetupError(f"{why} ({e})") from None
    if r.returncode != 0:
        raise SetupError(f"{why}: {last_line(r.stderr + r.stdout)}")


def make_venv():
    """A fresh venv with requirements.txt installed; skipped when already made."""
    want = digest(REQUIREMENTS)
    installed = read_stamp("prepared-requirements")
    if installed == want and os.path.exists(venv_python()):
        return
    print(
        f"setting up the Mandelbrot peers' Python environment in {VENV} (once; a few "
        "minutes to download and install NumPy, numexpr, numba, Cython)",
        file=sys.stderr,
        flush=True,
    )
    try:
        import ensurepip  # noqa: F401  (Debian's python3 lacks it without python3-venv)
    except ImportError:
        raise SetupError(
            f"{sys.executable} cannot make a venv (no ensurepip: apt-get install python3-venv)"
        ) from None
    # A venv whose install failed (no network) is reused on the next try; one made
    # for another lock is made afresh.
    if installed is not None or not os.path.exists(venv_python()):
        venv = [sys.executable, "-m", "venv", "--clear", VENV]
        run_quietly(venv, f"{sys.executable} -m venv failed")
    run_quietly(
        [
            venv_python(),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            "--retries",
            "1",
            "--timeout",
            "20",
            "-r",
            REQUIREMENTS,
        ],
        "pip could not install requirements.txt (no network?)",
    )
    write(os.path.join(VENV, "prepared-requirements"), want)


def build_cython():
    """mandel_cy.pyx compiled into the venv, by the venv's Python; skipped when built."""
    want = digest(REQUIREMENTS, PYX)
    if read_stamp("prepared-cython") == want:
        return
    print("building the Cython peer (mandel_cy.pyx)", file=sys.stderr, flush=True)
    try:
        run_quietly(
            [venv_python(), os.path.abspath(__file__), "--build-cython-here"],
            "the Cython module did not build (no C compiler?)",
        )
    except SetupError as e:
        write(CYTHON_UNBUILT, str(e))
        return
    if os.path.exists(CYTHON_UNBUILT):
        os.remove(CYTHON_UNBUILT)
    write(os.path.join(VENV, "prepared-cython"), want)


def build_cython_here():
    """Run by the venv's Python: cythonize and compile into its site-packages."""
    from Cython.Build import cythonize
    from setuptools import Extension, setup

    # -ffp-contract=off: IEEE operations one at a time, as nexpr does them.
    flags = ["-O3", "-march=native", "-ffp-contract=off"]
    ext = Extension("mandel_cy", [PYX], extra_compile_args=flags)
    with tempfile.TemporaryDirectory(prefix="mandel_cy-") as tmp:
        setup(
            name="mandel_cy",
            ext_modules=cythonize([ext], build_dir=tmp, quiet=True),
            script_args=[
                "--quiet",
                "build_ext",
                "--build-lib",
                sysconfig.get_paths()["platlib"],
                "--build-temp",
                tmp,
            ],
        )


def main(argv):
    if argv == ["--build-cython-here"]:
        build_cython_here()
        return 0
    try:
        make_venv()
    except SetupError as e:
        print(e)
        return 1
    build_cython()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
