#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit tests, integration tests
# (the real binary on fixture workflows), and each fuzz target briefly.
# Usage: scripts/test.sh [--sanitize]   (--sanitize: ASan+UBSan build in build-asan)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh "$@"
# The official Actions toolkit clients (@actions/cache, @actions/artifact) that the runtime
# integration tests run, exactly as package-lock.json pins them; those tests skip without.
if command -v node >/dev/null && command -v npm >/dev/null; then
  clients=tests/runtime/clients
  if [ ! -f "$clients/node_modules/.package-lock.json" ] ||
    [ "$clients/package-lock.json" -nt "$clients/node_modules/.package-lock.json" ]; then
    (cd "$clients" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  # playwright-core, pinned the same way, drives Debian's chromium in test_web_ui.sh.
  browser=tests/browser
  if [ ! -f "$browser/node_modules/.package-lock.json" ] ||
    [ "$browser/package-lock.json" -nt "$browser/node_modules/.package-lock.json" ]; then
    (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error)
  fi
else
  echo "test: node/npm not found: the cache, artifact and web UI browser tests will be skipped" >&2
fi
build_dir=build
[ "${1:-}" = "--sanitize" ] && build_dir=build-asan
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 300
if [ "${1:-}" != "--sanitize" ]; then
  scripts/fuzz.sh 20
fi
