"""Writes the benchmark variables (same distributions as expr_peers.py) to an .npz.

Usage: python benches/make_vars.py N OUT.npz

The other benchmark scripts call `cached(n)`: the file for N elements, written once to
$TMPDIR/nexpr-bench-N.npz.
"""
import os
import sys
import tempfile

import numpy as np


def write(n, out):
    rng = np.random.default_rng(0)
    a, b, c = (rng.random(n) for _ in range(3))
    f, g = a.astype(np.float32), b.astype(np.float32)
    np.savez(out, a=a, b=b, c=c, f=f, g=g, z=a + 1j * b, zc=b + 1j * a)


def cached(n):
    """The path of the variables for `n` elements, written first if it is not there (to
    a temporary name, renamed when complete, so an interrupted run leaves no partial
    file behind for the next one to read)."""
    path = os.path.join(tempfile.gettempdir(), f'nexpr-bench-{n}.npz')
    if not os.path.exists(path):
        part = f'{path}.{os.getpid()}.npz'
        try:
            write(n, part)
            os.replace(part, path)
        finally:
            if os.path.exists(part):
                os.remove(part)
    return path


if __name__ == '__main__':
    write(int(sys.argv[1]), sys.argv[2])
