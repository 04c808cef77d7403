#!/usr/bin/env bash
# Builds the libFuzzer targets (src/**/*_fuzz.cpp) with clang into build-fuzz and runs each
# for a short time over its seed corpus (tests/fuzz/<target>/). A crash fails the script.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not installed; skipping the fuzz targets"
  exit 0
fi
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSLUICE_FUZZ=ON -DSLUICE_TESTS=OFF -DSLUICE_BENCH=OFF >/dev/null
targets=$(find src -name '*_fuzz.cpp' -exec basename {} .cpp \; | sort)
cmake --build build-fuzz -j"$(nproc)" --target $targets
for t in $targets; do
  corpus=$(mktemp -d)
  [ -d "tests/fuzz/$t" ] && cp -r "tests/fuzz/$t/." "$corpus/"
  echo "fuzz: $t for ${seconds}s"
  build-fuzz/fuzz/$t -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=0 "$corpus" 2>&1 | tail -n 3
  rm -rf "$corpus"
done
