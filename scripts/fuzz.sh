#!/usr/bin/env bash
# Builds the libFuzzer targets (src/**/*_fuzz.cpp) with clang into build-fuzz and runs each
# for a short time over its seed corpus (tests/fuzz/<target>/): `ctest -L fuzz` there, one
# scripts/run_fuzzer.sh per target. A crash, hang or out-of-memory fails the script.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not installed; skipping the fuzz targets"
  exit 0
fi
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSLUICE_FUZZ=ON -DSLUICE_TESTS=OFF -DSLUICE_BENCH=OFF "${launcher[@]}" >/dev/null
# Not the rooms that link Boost.Asio coroutines (runtime, server): clang 14 cannot build them
# (src/CMakeLists.txt says why).
targets=$(find src -name '*_fuzz.cpp' -not -path 'src/runtime/*' -not -path 'src/server/*' \
  -exec basename {} .cpp \; | sort)
cmake --build build-fuzz -j"$(nproc)" --target $targets
FUZZ_SECONDS=$seconds ctest --test-dir build-fuzz -L fuzz --output-on-failure
