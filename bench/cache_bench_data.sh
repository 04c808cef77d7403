#!/usr/bin/env bash
# The data of the cache benchmarks (issue 9 §5 (b)): 262,144 files of 2 KiB (hex text, which
# zstd halves, like source trees) and one 512 MiB random file, 1 GiB in all, under DIR.
# Usage: bench/cache_bench_data.sh DIR
set -euo pipefail
DIR=${1:?usage: cache_bench_data.sh DIR}
echo "generating 256k x 2 KiB files + one 512 MiB file under $DIR ..." >&2
mkdir -p "$DIR"
python3 - "$DIR" <<'PY'
import os, sys
root = sys.argv[1]
rnd = os.urandom(1 << 20)
for d in range(256):
    sub = os.path.join(root, "d%03d" % d)
    os.mkdir(sub)
    for f in range(1024):
        i = (d * 1024 + f) * 1024 % ((1 << 20) - 1024)
        with open(os.path.join(sub, "f%04d.txt" % f), "w") as out:
            out.write(rnd[i:i + 1024].hex())
PY
head -c $((512 << 20)) /dev/urandom >"$DIR/large.bin"
sync
