#!/usr/bin/env bash
# Every test: the Rust crate's, then the Python package's (python/run-tests.sh builds
# the extension into python/.venv first).
set -euo pipefail
cd "$(dirname "$0")"
cargo test
python/run-tests.sh
