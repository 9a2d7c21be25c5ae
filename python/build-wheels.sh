#!/usr/bin/env bash
# Builds nexpr's manylinux2014 wheels (glibc 2.17 and later) for x86-64 and aarch64 into
# python/dist/, linked by zig against glibc 2.17's symbols, and checks each with
# `auditwheel show`: the run fails unless every wheel is consistent with manylinux2014.
#
#   python/build-wheels.sh                                   # both architectures
#   TARGETS=x86_64-unknown-linux-gnu python/build-wheels.sh  # one
#
# Needs rustup (the targets are added here) and Python 3; maturin, zig (PyPI `ziglang`)
# and auditwheel come pinned from requirements/dev.txt into $BUILD_VENV.
set -euo pipefail
cd "$(dirname "$0")"
TARGETS=${TARGETS:-"x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu"}
BUILD_VENV=${BUILD_VENV:-.venv}

if [ ! -x "$BUILD_VENV/bin/python" ]; then
    python3 -m venv "$BUILD_VENV"
fi
"$BUILD_VENV/bin/python" -m pip install -q --disable-pip-version-check \
    -c requirements/dev.txt maturin ziglang auditwheel
# maturin runs zig as `python -m ziglang` of the Python it finds first.
export PATH="$(cd "$BUILD_VENV" && pwd)/bin:$PATH"

mkdir -p dist
for target in $TARGETS; do
    rustup target add "$target"
    arch=${target%%-*}
    rm -f dist/nexpr-*"$arch".whl
    maturin build --release --zig --compatibility manylinux2014 --target "$target" --out dist
    for wheel in dist/nexpr-*"$arch".whl; do
        report=$(auditwheel show "$wheel")
        echo "$report"
        if ! grep -q "manylinux_2_17_$arch" <<<"$report"; then
            echo "error: $wheel is not consistent with manylinux2014 (glibc 2.17)" >&2
            exit 1
        fi
    done
done
ls -l dist
