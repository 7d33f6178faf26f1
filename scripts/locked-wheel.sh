#!/bin/sh
# Build the product's wheel and the locked requirements it runs on (every one pinned, with hashes)
# into DIR: what the Dockerfile installs, and what tests/test_wheel.py installs and serves.
# Usage: UV=path/to/uv scripts/locked-wheel.sh DIR
set -eu
out=$(realpath -m "$1")
uv=${UV:-uv}
cd "$(dirname "$0")/.."
mkdir -p "$out"
"$uv" export --quiet --frozen --no-emit-project --format requirements-txt -o "$out/requirements.txt"
"$uv" build --quiet --wheel --out-dir "$out"
