#!/usr/bin/env bash
# Builds the nexpr wheel into python/.venv (created when missing) and runs the Python
# tests, ruff, numexpr's own suite, and pandas' suite, against nexpr.
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
# Exactly the pinned versions (requirements/dev.txt, refreshed by requirements/lock.sh),
# so that a new upstream release cannot change what the tests run against.
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements/dev.txt
if [ "${NEXPR_DEBUG:-0}" = 1 ]; then
    .venv/bin/maturin develop
else
    .venv/bin/maturin develop --release
fi
.venv/bin/ruff check . ../examples ../benches ../tests
# The language generator's cases for tests/test_differential.py (conftest.py runs it).
cargo build -q -p nexpr-gen --bin gen
export NEXPR_GEN="${CARGO_TARGET_DIR:-$PWD/../target}/debug/gen"
.venv/bin/python -m pytest tests -q -rs
.venv/bin/python tests/numexpr_suite/run.py
.venv/bin/python tests/pandas_suite/run.py
