"""A child forked while other threads of the parent evaluate must not hang: it gets a
fresh engine (worker pool, compile caches) and empty kernel caches."""

import os
import signal
import sys
import threading
import time

import numpy as np
import pytest
from conftest import same

import nexpr as ne

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or sys.platform == "darwin", reason="needs os.fork (Linux)"
)

FORKS = 40
CHILD_DEADLINE = 20.0  # seconds for all children together


def _child(a, b, threads):
    """Runs in the child: evaluates over enough elements to use several threads, with a
    cached expression and a new one, and exits 0 only when both are right."""
    try:
        got = ne.evaluate("2*a + 3*b", local_dict={"a": a, "b": b})
        ok = np.array_equal(got, 2 * a + 3 * b)
        k = ne.compile("sin(a) + b", threads=threads)
        ok = ok and np.allclose(k(a=a, b=b), np.sin(a) + b)
        ok = ok and ne.get_num_threads() == threads
        os._exit(0 if ok else 3)
    except BaseException:
        os._exit(4)


def _wait_all(pids, deadline):
    """pid -> exit code, None for a child still running at `deadline` (then killed)."""
    codes = dict.fromkeys(pids)
    pending = set(pids)
    while pending and time.monotonic() < deadline:
        for pid in list(pending):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                codes[pid] = os.waitstatus_to_exitcode(status)
                pending.discard(pid)
        time.sleep(0.01)
    for pid in pending:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return codes


def test_forks_while_other_threads_evaluate():
    threads = max(2, ne.get_num_threads())
    old = ne.set_num_threads(threads)
    a = np.linspace(0.0, 1.0, 400_000)
    b = np.linspace(1.0, 2.0, 400_000)
    stop = threading.Event()
    errors = []

    def evaluate_until_stopped(seed):
        x = a + seed
        while not stop.is_set():
            try:
                ne.evaluate("2*a + 3*b", local_dict={"a": x, "b": b})
                ne.evaluate(f"a * {seed} + sin(b)", local_dict={"a": x, "b": b})
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)
                return

    workers = [threading.Thread(target=evaluate_until_stopped, args=(s,)) for s in range(3)]
    for w in workers:
        w.start()
    children = []
    try:
        for _ in range(FORKS):
            time.sleep(0.002)
            pid = os.fork()
            if pid == 0:
                _child(a, b, threads)
            children.append(pid)
        codes = _wait_all(children, time.monotonic() + CHILD_DEADLINE)
        hung = [pid for pid, code in codes.items() if code is None]
        assert not hung, f"{len(hung)} of {FORKS} children hung past {CHILD_DEADLINE} s"
        failed = {pid: code for pid, code in codes.items() if code != 0}
        assert not failed, f"children exited with {failed}"
    finally:
        stop.set()
        for w in workers:
            w.join()
        ne.set_num_threads(old)
    assert not errors, errors


def test_the_parent_keeps_its_engine_and_caches():
    a = np.arange(10.0)
    ne.evaluate("a + 1", local_dict={"a": a})
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    same(ne.evaluate("a + 1", local_dict={"a": a}), a + 1, exact=True)
