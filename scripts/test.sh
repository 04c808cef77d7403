#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit tests, integration tests
# (the real binary on fixture workflows), and each fuzz target briefly.
# Usage: scripts/test.sh [--sanitize]   (--sanitize: ASan+UBSan build in build-asan)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh "$@"
build_dir=build
[ "${1:-}" = "--sanitize" ] && build_dir=build-asan
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 300
if [ "${1:-}" != "--sanitize" ]; then
  scripts/fuzz.sh 20
fi
