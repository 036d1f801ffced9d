#!/usr/bin/env bash
# Runs the HDFE benchmark of BENCHMARKS.md: regspec (release) and pyfixest on the same files,
# same machine, same run. Needs a virtualenv with pyfixest==0.60.0 (PY=path/to/python).
#   PY=/tmp/ref/bin/python tests/bench/run_bench.sh [REPS]
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-python3}
REPS=${1:-3}
DATA=${BENCH_DATA:-/tmp/regspec-bench}
cargo bench -p estimators --bench hdfe --no-run >/dev/null 2>&1
BIN=$(cargo bench -p estimators --bench hdfe --no-run 2>&1 | sed -n 's/.*Executable .* (\(.*\))/\1/p')
for n in 1e5 1e6 1e7; do [ -f "$DATA/n$n/y.bin" ] || "$BIN" gen "$n" "$DATA/n$n"; done
[ -f "$DATA/hard1e6/y.bin" ] || "$BIN" gen 1e6 "$DATA/hard1e6" hard
for case in "n1e5 2" "n1e5 3" "n1e6 2" "n1e6 3" "n1e7 2" "n1e7 3" "hard1e6 2" "hard1e6 3"; do
  set -- $case
  echo "case $1 fe=$2"
  for r in $(seq "$REPS"); do
    "$BIN" fit "$DATA/$1" "$2"
    "$PY" tests/bench/pyfixest_bench.py "$DATA/$1" "$2" rust 2>/dev/null | tail -1
    case $1 in hard*) "$PY" tests/bench/pyfixest_bench.py "$DATA/$1" "$2" within 2>/dev/null | tail -1;; esac
  done
done
