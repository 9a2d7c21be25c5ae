"""How steady repeated evaluations are, nexpr's Python package against numexpr in one
process, taking turns evaluation by evaluation.

Usage: python benches/steady.py EXPR [PROCESSES] [ROUNDS] [REPEAT] [N]

`benches/spread.py` times each tool in processes of its own; how fast a process runs
can depend on the memory bandwidth the machine gives it at the time, which differs
from process to process on a shared VM. Here both tools run in the same process, at 1
and 2 threads, one evaluation each in turn (fresh outputs, as `evaluate` returns
them), so both see the same conditions. Each of PROCESSES processes runs ROUNDS rounds
of REPEAT evaluations per tool and thread count, after 2 untimed ones; per process it
prints, per tool and thread count, the median of the round medians, the minimum, and
their ratio (the spread). Data: benches/make_vars.py, written once to
$TMPDIR/nexpr-bench-N.npz. Run it with an interpreter that has numpy, numexpr and
nexpr.
"""
import json
import statistics
import subprocess
import sys

import make_vars

ONE_PROCESS = """
import json, sys, time
import numexpr as ne
import numpy as np
import nexpr
path, expr, rounds, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = np.load(path)
local = {k: data[k] for k in data.files}
tools = {'numexpr': ne, 'nexpr': nexpr}
medians = {}
for threads in (1, 2):
    for m in tools.values():
        m.set_num_threads(threads)
        for _ in range(2):
            m.evaluate(expr, local_dict=local)
    for _ in range(rounds):
        times = {name: [] for name in tools}
        for _ in range(repeat):
            for name, m in tools.items():
                m.set_num_threads(threads)
                t = time.perf_counter()
                r = m.evaluate(expr, local_dict=local)
                times[name].append(time.perf_counter() - t)
                del r
        for name, ts in times.items():
            medians.setdefault(f'{name} {threads}t', []).append((sorted(ts)[len(ts) // 2], min(ts)))
print(json.dumps(medians))
"""


def main():
    expr = sys.argv[1]
    processes = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 9
    n = int(sys.argv[5]) if len(sys.argv) > 5 else 10_000_000
    path = make_vars.cached(n)
    print(f'{expr}, {n} elements; per process and tool: median of {rounds} round medians '
          f'of {repeat} (ms), minimum, spread')
    for p in range(processes):
        out = subprocess.run([sys.executable, '-c', ONE_PROCESS, path, expr, str(rounds), str(repeat)],
                             capture_output=True, text=True, check=True)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        cells = []
        for key in sorted(res, key=lambda k: (k.split()[1], k)):
            med = statistics.median(m for m, _ in res[key])
            lo = min(x for _, x in res[key])
            cells.append(f'{key} {med * 1e3:6.2f} / {lo * 1e3:6.2f} = {med / lo:4.2f}')
        print(f'process {p}: ' + ' | '.join(cells), flush=True)


if __name__ == '__main__':
    main()
