#!/usr/bin/env bash
# Installs what is missing (Debian 12, as root) and builds sluice into ./build.
# Usage: scripts/setup.sh [--sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config git sqlite3 python3 nodejs procps nginx
  libyaml-cpp-dev nlohmann-json3-dev libsqlite3-dev libre2-dev libcli11-dev libfmt-dev
  libspdlog-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev clang-format libtomlplusplus-dev libarchive-dev
  podman runc netavark aardvark-dns iptables libboost-dev
  chromium)  # headless browser of the web UI tests (tests/browser, driven by playwright-core)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${missing[@]}" >/dev/null
fi

build_dir=build
cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  build_dir=build-asan
  cmake_args=(-DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON -DSLUICE_BENCH=OFF)
fi
# ccache, when installed, makes a rebuild of unchanged sources nearly free.
if command -v ccache >/dev/null; then
  cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build_dir" "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
