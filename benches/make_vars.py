"""Writes the benchmark variables (same distributions as expr_peers.py) to an .npz.

Usage: python benches/make_vars.py N OUT.npz
"""
import sys

import numpy as np

n, out = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
a, b, c = (rng.random(n) for _ in range(3))
f, g = a.astype(np.float32), b.astype(np.float32)
np.savez(out, a=a, b=b, c=c, f=f, g=g, z=a + 1j * b, zc=b + 1j * a)
