#!/bin/sh
# Side-by-side in one run: NumPy and numexpr (in PYTHON's process), then nexpr's CLI on
# the same data, every expression of benches/compare.py once (one round of it).
# Usage: benches/compare.sh NEXPR_BINARY PYTHON [N]
# PYTHON needs numpy and numexpr; the data is benches/make_vars.py's, written once.
set -e
if [ $# -lt 2 ]; then
  echo "usage: $0 NEXPR_BINARY PYTHON [N]" >&2
  exit 2
fi
BIN=$1; PY=$2; N=${3:-10000000}
exec "$PY" "$(dirname "$0")/compare.py" "$BIN" 1 "$N"
