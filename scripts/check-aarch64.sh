#!/usr/bin/env bash
# The aarch64 check (.ci/run runs it): the library checked for
# aarch64-unknown-linux-gnu; every kernel of the generated expression corpus (200
# expressions that type-check), the program corpus and kernels/*.nx compiled for
# aarch64 (cranelift-object), linked with a C harness and nexpr's own math functions
# by aarch64-linux-gnu-gcc, run under qemu-aarch64 and compared with the interpreter
# bit for bit (tests/it/cross_aarch64.rs); what objects for other ISAs may call
# (tests/it/cross_isa.rs: no x86 batch functions or libmvec on aarch64, the scalar
# loop on riscv64 without V); and the aarch64 golden CLIF (tests/golden/clif-aarch64/,
# UPDATE_GOLDEN=1 rewrites it). Exit status 0 when every case agrees.
#
# Time: CI gives this check about 5 minutes. The corpus runs in about 3 s under qemu
# (240 elements per case, all cases in one executable); the rest is compiling: the
# test binary with the `cross-isa` feature (Cranelift's arm64 and riscv64 backends)
# and the dependencies checked for aarch64, about 11 CPU-minutes from cold (measured
# in docs/installing.md). The script prints what it took.
#
# Installs the Debian tools it needs when they are missing (as root); exits 3 when
# they cannot be installed, so that the caller can tell a missing tool from a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
    echo "== installing gcc-aarch64-linux-gnu and qemu-user"
    if ! { apt-get update -qq &&
        apt-get install -y -qq gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user; }; then
        echo "check-aarch64: could not install gcc-aarch64-linux-gnu and qemu-user" >&2
        exit 3
    fi
fi

echo "== the library builds for aarch64, without warnings (x86-only code is cfg'd out)"
rustup target add aarch64-unknown-linux-gnu
cargo clippy --lib --target aarch64-unknown-linux-gnu -- -D warnings

echo "== kernels compiled for aarch64, run under qemu, against the interpreter"
NEXPR_REQUIRE_AARCH64=1 cargo test --features cross-isa --test it -- \
    cross_aarch64 cross_isa golden::clif_aarch64 --nocapture

echo "== check-aarch64: passed in $((SECONDS - start)) s"
