"""nexpr against NumPy and numexpr, alternating: every round times each expression with
NumPy, numexpr at 1 and 2 threads (in this process) and nexpr at 1 and 2 threads
(`nexpr bench --json`, a subprocess), medians of 7 each, on the same data. Each of
these returns a fresh output per evaluation; the columns marked `into` time the same
evaluations into one output allocated before and reused (numexpr's `out=`, nexpr's
`bench --into`), whose pages are present: the kernel's time without the first-touch
page faults (and the kernel's zeroing) of a new output.

Usage: python benches/compare.py NEXPR_BINARY [ROUNDS] [N] [EXPR_SUBSTRING ...]

Every round also runs the STREAM-style probe (`cargo bench --bench bandwidth`, built
on the first call) at 1 and 2 threads, and the memory-bound expressions (those with no
transcendental function) are reported as a fraction of the triad's bandwidth at the
same thread count (reductions, which only read, also as a fraction of the probe's
`dot`): the bytes an expression must move (its inputs and its output, once)
over its time, against the bytes a second the triad moves. The probe's triad into a
fresh output per run (`triad-fresh`) is printed beside it: the ceiling where the output
is new, its pages zeroed by the OS at first touch. Set NEXPR_NO_BANDWIDTH=1 to
leave the probe out (e.g. where cargo is not installed).

The data is benches/make_vars.py's, written once to $TMPDIR/nexpr-bench-N.npz. At the
end, per expression and tool: the median of the round medians (and the minimum of
all runs), and nexpr's 1-thread time over NumPy's and over numexpr's.
Run it with an interpreter that has numpy and numexpr.
"""
import json
import os
import re
import subprocess
import sys
import time

import make_vars
import numexpr as ne
import numpy as np

binary = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
n = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000_000
only = sys.argv[4:]
path = make_vars.cached(n)
d = np.load(path)
a, b, c, f, g, z, zc = (d[k] for k in ('a', 'b', 'c', 'f', 'g', 'z', 'zc'))
local = dict(a=a, b=b, c=c, f=f, g=g, z=z, zc=zc)
EXPRS = [
    ('2*a+3*b', lambda: 2 * a + 3 * b),
    ('a*b+c', lambda: a * b + c),
    ('where(a>b,a,b)', lambda: np.where(a > b, a, b)),
    ('(a>0.5)&(b<0.5)', lambda: (a > 0.5) & (b < 0.5)),
    ('sin(a)**2+cos(b)**2', lambda: np.sin(a) ** 2 + np.cos(b) ** 2),
    ('exp(-a*a)*log1p(b)', lambda: np.exp(-a * a) * np.log1p(b)),
    ('2*f+3*g', lambda: 2 * f + 3 * g),
    ('z*z+zc', lambda: z * z + zc),
    ('sum(a*b)', lambda: (a * b).sum()),
]
EXPRS = [e for e in EXPRS if not only or any(o in e[0] for o in only)]


def median_min(fn, k=7):
    fn()
    ts = []
    for _ in range(k):
        t = time.perf_counter()
        r = fn()
        ts.append(time.perf_counter() - t)
        del r
    ts.sort()
    return ts[k // 2], ts[0]


def nexpr(expr, threads, into=False):
    out = subprocess.run([binary, 'bench', expr, '--vars', path, '--threads', str(threads),
                          '--repeat', '7', '--json'] + ['--into'] * into,
                         capture_output=True, text=True, check=True)
    j = json.loads(out.stdout.strip().splitlines()[-1])
    return j['median_s'], j['min_s']


def bandwidth():
    """GB/s by (kernel, thread count), from benches/bandwidth.rs (medians of its runs):
    `triad` into arrays it reuses, `triad-fresh` into a fresh output per run, `dot`
    (reading two arrays, writing nothing: the ceiling of a reduction)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(['cargo', 'bench', '-q', '--bench', 'bandwidth', '--', '--json',
                          '--n', str(n), '--threads', '1,2', '--repeat', '7'],
                         cwd=root, capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith('{')]
    return {(r['kernel'], r['threads']): r['median_gbs'] for r in rows
            if r['kernel'] in ('triad', 'triad-fresh', 'dot')}


def moved_bytes(expr, result):
    """What an expression must read and write at least: each input once, the output once."""
    names = set(re.findall(r'[A-Za-z_]\w*', expr))
    return sum(v.nbytes for k, v in local.items() if k in names) + np.asarray(result).nbytes


MEMORY_BOUND = [e for e, _ in EXPRS if not re.search(r'sin|cos|exp|log', e)]
probe = os.environ.get('NEXPR_NO_BANDWIDTH') != '1'
probes = {}

cols = ['numpy', 'numexpr 1t', 'numexpr 2t', 'nexpr 1t', 'nexpr 2t',
        'numexpr 1t into', 'numexpr 2t into', 'nexpr 1t into', 'nexpr 2t into']
res = {}
for r in range(rounds):
    if probe:
        for key, gbs in bandwidth().items():
            probes.setdefault(key, []).append(gbs)
        print(f'round {r} ' + '  '.join(f'{k} {th}t {v[-1]:.1f} GB/s'
                                        for (k, th), v in sorted(probes.items())), flush=True)
    for expr, numpy_fn in EXPRS:
        row = {'numpy': median_min(numpy_fn)}
        for th in (1, 2):
            ne.set_num_threads(th)
            row[f'numexpr {th}t'] = median_min(lambda e=expr: ne.evaluate(e, local_dict=local))
        for th in (1, 2):
            row[f'nexpr {th}t'] = nexpr(expr, th)
        out = np.empty_like(numpy_fn())
        for th in (1, 2):
            ne.set_num_threads(th)
            row[f'numexpr {th}t into'] = median_min(
                lambda e=expr, o=out: ne.evaluate(e, local_dict=local, out=o))
        for th in (1, 2):
            row[f'nexpr {th}t into'] = nexpr(expr, th, into=True)
        for k, v in row.items():
            res.setdefault((expr, k), []).append(v)
        print(f'round {r} load {os.getloadavg()[0]:.1f} {expr:22s} '
              + '  '.join(f'{k} {m * 1e3:.1f}' for k, (m, _) in row.items()), flush=True)
print(f'\n{n} elements, {rounds} rounds: median of the round medians (minimum of all runs), ms')
print('| expression | ' + ' | '.join(cols) + ' | nexpr 1t / NumPy | nexpr 1t / numexpr 1t |')
print('|---|' + '---:|' * (len(cols) + 2))
for expr, _ in EXPRS:
    v = {}
    for k in cols:
        runs = res[(expr, k)]
        meds = sorted(m for m, _ in runs)
        v[k] = (meds[len(meds) // 2], min(x for _, x in runs))
    cells = ' | '.join(f'{v[k][0] * 1e3:.1f} ({v[k][1] * 1e3:.1f})' for k in cols)
    print(f'| `{expr}` | {cells} | {v["nexpr 1t"][0] / v["numpy"][0]:.2f} | '
          f'{v["nexpr 1t"][0] / v["numexpr 1t"][0]:.2f} |')

if probe and MEMORY_BOUND:
    gbs = {key: sorted(v)[len(v) // 2] for key, v in probes.items()}
    ceiling = {th: gbs[('triad', th)] for th in (1, 2)}
    print(f'\nMemory-bound expressions as a fraction of the triad bandwidth (median of '
          f'the round medians: 1 thread {ceiling[1]:.1f} GB/s, 2 threads {ceiling[2]:.1f} GB/s)')
    print('The triad into a fresh output per run (the OS zeroing its pages at first '
          'touch): ' + ', '.join(f'{th} thread(s) {gbs[("triad-fresh", th)]:.1f} GB/s, '
                                 f'{gbs[("triad-fresh", th)] / ceiling[th]:.0%} of the triad'
                                 for th in (1, 2)))
    print('| expression | bytes/element | ' + ' | '.join(cols) + ' |')
    print('|---|---:|' + '---:|' * len(cols))
    funcs = dict(EXPRS)

    def fractions(expr, ceilings):
        """Per column, the expression's bytes a second over the ceiling at its threads."""
        moved = moved_bytes(expr, funcs[expr]())
        out = []
        for k in cols:
            runs = res[(expr, k)]
            med = sorted(m for m, _ in runs)[len(runs) // 2]
            out.append(moved / med / 1e9 / ceilings[2 if '2t' in k else 1])
        return moved, out

    for expr in MEMORY_BOUND:
        moved, fr = fractions(expr, ceiling)
        print(f'| `{expr}` | {moved / n:.0f} | ' + ' | '.join(f'{f:.0%}' for f in fr) + ' |')
    reductions = [e for e in MEMORY_BOUND if e.startswith('sum')]
    if reductions:
        dot = {th: gbs[('dot', th)] for th in (1, 2)}
        print(f'\nReductions (they only read) as a fraction of the probe\'s dot (1 thread '
              f'{dot[1]:.1f} GB/s, 2 threads {dot[2]:.1f} GB/s)')
        for expr in reductions:
            _, fr = fractions(expr, dot)
            print(f'`{expr}`: ' + ', '.join(f'{k} {f:.0%}' for k, f in zip(cols, fr)))
