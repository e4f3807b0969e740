#!/usr/bin/env bash
# Run the benchmarks one after another (never in parallel: they time each other).
set -u
cd "$(dirname "$0")"
py="${PYTHON:-python}"
mkdir -p results
for b in "$@"; do
    echo "== $b"
    "$py" "bench_$b.py" 2>&1 | tee "results/$b.log"
done
