#!/bin/sh
# Side-by-side: NumPy and numexpr (expr_peers.py), then nexpr's CLI on the same data.
# Usage: benches/compare.sh NEXPR_BINARY PYTHON [N]
# PEERS names the NumPy/numexpr script (default: the anchors' expr_peers.py beside the
# repository, ../shared/anchors).
set -e
BIN=$1; PY=$2; N=${3:-10000000}
PEERS=${PEERS:-$(dirname "$0")/../../shared/anchors/expr_peers.py}
VARS=${TMPDIR:-/tmp}/nexpr-bench-$N.npz
[ -f "$VARS" ] || "$PY" "$(dirname "$0")/make_vars.py" "$N" "$VARS"
"$PY" "$PEERS" "$N"
for e in '2*a+3*b' 'a*b+c' 'where(a>b,a,b)' '(a>0.5)&(b<0.5)' 'sin(a)**2+cos(b)**2' \
         'exp(-a*a)*log1p(b)' '2*f+3*g' 'z*z+zc' 'sum(a*b)'; do
  for t in 1 2; do
    "$BIN" bench "$e" --vars "$VARS" --threads $t --repeat 7 --json
  done
done
