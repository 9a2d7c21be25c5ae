#!/usr/bin/env bash
# The aarch64 check: every kernel of the generated expression corpus, the program
# corpus and kernels/*.nx compiled for aarch64-unknown-linux-gnu (cranelift-object),
# linked with a C harness by aarch64-linux-gnu-gcc, run under qemu-aarch64 and compared
# with the interpreter (tests/it/cross_aarch64.rs); and the aarch64 golden CLIF
# (tests/golden/clif-aarch64/, UPDATE_GOLDEN=1 rewrites it). Exit status 0 when every
# case agrees. Installs the Debian tools it needs when they are missing (as root).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
    echo "== installing gcc-aarch64-linux-gnu and qemu-user"
    apt-get update -qq
    apt-get install -y -qq gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
fi

echo "== the library builds for aarch64"
rustup target add aarch64-unknown-linux-gnu
cargo check --lib --target aarch64-unknown-linux-gnu

echo "== kernels compiled for aarch64, run under qemu, against the interpreter"
NEXPR_REQUIRE_AARCH64=1 cargo test --features cross-isa --test it -- \
    cross_aarch64 golden::clif_aarch64 --nocapture
