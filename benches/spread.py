"""How steady repeated evaluations are: nexpr against numexpr, alternating.

Usage: python benches/spread.py NEXPR_BINARY[,NEXPR_BINARY2...] EXPR [ROUNDS] [REPEAT] [N]

Each round times numexpr and every nexpr binary (`nexpr bench --json`, which reports
every evaluation's time), each in a process of its own, at 1 and 2 threads, REPEAT
evaluations each after 2 untimed ones, on the data of benches/make_vars.py (written
once to $TMPDIR/nexpr-bench-N.npz). A fresh process per round for both tools: how
fast a process runs can depend on where its memory and threads land, so timing one
tool in a single long-lived process and the other in fresh ones would compare unlike
things. Per round it prints the median, the minimum and their ratio (the spread); at
the end, per tool and thread count, the round medians, the overall minimum, the median
of the round medians over that minimum, and the worst.
Run it with PYTHON = an interpreter with numpy and numexpr.
"""
import json
import os
import subprocess
import sys

import make_vars

bins = sys.argv[1].split(',')
expr = sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 7
n = int(sys.argv[5]) if len(sys.argv) > 5 else 10_000_000
path = make_vars.cached(n)

NUMEXPR_TIMES = """
import json, sys, time
import numexpr as ne
import numpy as np
path, expr, threads, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = np.load(path)
local = {k: data[k] for k in data.files}
ne.set_num_threads(threads)
for _ in range(2):
    ne.evaluate(expr, local_dict=local)
times = []
for _ in range(repeat):
    t = time.perf_counter()
    r = ne.evaluate(expr, local_dict=local)
    times.append(time.perf_counter() - t)
    del r
print(json.dumps(times))
"""


def numexpr_times(threads):
    out = subprocess.run([sys.executable, '-c', NUMEXPR_TIMES, path, expr, str(threads), str(repeat)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def nexpr_times(binary, threads):
    out = subprocess.run([binary, 'bench', expr, '--vars', path, '--threads', str(threads),
                          '--repeat', str(repeat), '--json'], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])['times_s']


results = {}
for r in range(rounds):
    load = os.getloadavg()[0]
    for threads in (1, 2):
        tools = [('numexpr', lambda t=threads: numexpr_times(t))]
        tools += [(b, lambda b=b, t=threads: nexpr_times(b, t)) for b in bins]
        for name, run in tools:
            ts = sorted(run())
            med, lo = ts[len(ts) // 2], ts[0]
            results.setdefault((name, threads), []).append((med, lo))
            print(f'round {r} load {load:4.1f} {name:30s} {threads} thread(s): median {med * 1e3:7.2f} ms, '
                  f'min {lo * 1e3:7.2f}, spread {med / lo:4.2f}', flush=True)
print(f'\n{expr}, {n} elements: round medians (ms), minimum, median of the medians / minimum, worst median / minimum')
for (name, threads), v in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    meds = sorted(m for m, _ in v)
    lo = min(x for _, x in v)
    print(f'{name:30s} {threads}t: {" ".join(f"{m * 1e3:.1f}" for m, _ in v)}; min {lo * 1e3:.1f}; '
          f'{meds[len(meds) // 2] / lo:.2f}; worst {meds[-1] / lo:.2f}')
