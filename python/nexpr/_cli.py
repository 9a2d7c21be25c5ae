"""The ``nexpr`` command installed with the wheel: the Rust command line, in-process."""

import sys

from nexpr._nexpr import run_cli


def main() -> int:
    """Runs ``nexpr`` with this process's arguments and exits with its code."""
    sys.stdout.flush()
    sys.exit(run_cli(sys.argv))
