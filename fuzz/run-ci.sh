#!/bin/sh
# Runs every fuzz target for a bounded time from the committed seeds and fails on any
# crash, panic, timeout or out-of-memory. Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`). The seed is fixed (FUZZ_SEED, default 1) so that a
# finding in CI reproduces here with the same command.
#
#   fuzz/run-ci.sh [seconds per target, default 60]
set -eu
cd "$(dirname "$0")"
secs=${1:-60}
cargo +nightly fuzz build
for target in expr program differential npy; do
    mkdir -p "corpus/$target"
    echo "== $target: $secs s"
    # -timeout: one input may take at most 10 s (a stuck loop is a finding);
    # -max_len: the targets' inputs stay small enough to run quickly.
    cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 -seed="${FUZZ_SEED:-1}"
done
