#!/usr/bin/env bash
# Refreshes dev.txt, the lock of every Python package the tests, CI, benchmarks and
# examples install, from dev.in. Needs uv (`pip install uv`). Versions already in
# dev.txt are kept unless dev.in asks otherwise; pass --upgrade to move them all to
# the newest compatible releases.
set -euo pipefail
cd "$(dirname "$0")"
uv pip compile dev.in -o dev.txt --universal --python-version 3.11 \
    --custom-compile-command "python/requirements/lock.sh" "$@"
