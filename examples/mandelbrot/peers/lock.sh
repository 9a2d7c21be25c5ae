#!/usr/bin/env bash
# Refreshes requirements.txt, the lock of the Mandelbrot peers' packages, from
# requirements.in. Needs uv (`pip install uv`). Versions already in requirements.txt are
# kept unless requirements.in asks otherwise; pass --upgrade to move them all to the
# newest compatible releases. prepare.py rebuilds the peers' venv when the lock changes.
set -euo pipefail
cd "$(dirname "$0")"
uv pip compile requirements.in -o requirements.txt --universal --python-version 3.10 \
    --custom-compile-command "examples/mandelbrot/peers/lock.sh" "$@"
