#!/usr/bin/env bash
# Builds the nexpr wheel into python/.venv (created when missing) and runs the Python
# tests, ruff, and numexpr's own suite against nexpr.
#
#   python/run-tests.sh            # release build (what users get)
#   NEXPR_DEBUG=1 python/run-tests.sh   # debug build of the extension: faster to build
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
export VIRTUAL_ENV="$PWD/.venv"
.venv/bin/python -m pip install -q --disable-pip-version-check "maturin>=1.5,<2" numpy pandas numexpr pytest ruff "dask[array]" distributed
if [ "${NEXPR_DEBUG:-0}" = 1 ]; then
    .venv/bin/maturin develop
else
    .venv/bin/maturin develop --release
fi
.venv/bin/ruff check . ../examples ../benches ../tests
.venv/bin/python -m pytest tests -q
.venv/bin/python tests/numexpr_suite/run.py
