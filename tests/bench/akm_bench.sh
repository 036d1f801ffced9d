#!/usr/bin/env bash
# Worker-firm benchmark of BENCHMARKS.md: a panel whose fixed-effects graph mixes slowly
# (tests/bench/make_akm_data.py: workers x 10 years in 5,000 firms on a line, 5% move each year
# to a firm at most 10 places away), `y ~ x1 + x2 | worker + firm`, CR1 by worker. The command
# users run, `regspec run` (release, fresh output directory) with its default solver choice
# (`demean: auto`) and with `demean: krylov`, against a Python process that reads the same file
# with pandas and fits pyfixest 0.60 with its Krylov demeaner (`within`) and with its default
# alternating projections (`map`, given at most MAP_TIMEOUT seconds), all in the same run.
# Wall time and peak RSS from /usr/bin/time.
#   PY=/tmp/ref/bin/python tests/bench/akm_bench.sh [REPS] [WORKERS...]
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-python3}
REPS=${1:-3}
shift || true
SIZES=${*:-100000}
DATA=${BENCH_DATA:-/tmp/akm}
MAP_TIMEOUT=${MAP_TIMEOUT:-120}
BIN=$PWD/target/release/regspec
cargo build --release -p regspec >/dev/null 2>&1
mkdir -p "$DATA"
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
for w in $SIZES; do
  f="$DATA/akm$w.parquet"
  [ -f "$f" ] || "$PY" tests/bench/make_akm_data.py "$w" "$f" >/dev/null
  ws="$DATA/ws$w"
  mkdir -p "$ws/specs"
  printf 'data: {file: %s, unit: worker, time: year}\n' "$f" > "$ws/regspec.yaml"
  for d in auto krylov; do
    printf 'models:\n  - name: akm\n    formula: "y ~ x1 + x2 | worker + firm"\n    cluster: worker\n    demean: %s\n' "$d" > "$ws/specs/$d.yaml"
  done
  for r in $(seq "$REPS"); do
    for d in auto krylov; do
      rm -rf "$ws/out"
      echo "workers=$w rep=$r regspec-$d $( cd "$ws" && measure "$BIN" run --quiet --out out "specs/$d.yaml" )"
    done
    echo "workers=$w rep=$r pyfixest-within $(measure "$PY" tests/bench/pyfixest_akm.py "$f" within || echo failed)"
    echo "workers=$w rep=$r pyfixest-map $(measure timeout "$MAP_TIMEOUT" "$PY" tests/bench/pyfixest_akm.py "$f" map || echo "failed: no convergence (pyfixest raises after its 10,000 iterations) or killed at ${MAP_TIMEOUT} s")"
  done
  # The estimates, for the record.
  ( cd "$ws" && rm -rf out && "$BIN" run --quiet --out out specs/auto.yaml && "$PY" -c "import json,sys; r=json.load(open(sys.argv[1]))['models'][0]['result']; c=r['coefficients'][0]; print('regspec auto', c['name'], repr(c['estimate']), repr(c['std_error']), 'krylov columns', r.get('krylov_columns', 0), 'iterations', r['demean_iterations'])" out/auto.json )
  "$PY" tests/bench/pyfixest_akm.py "$f" within
done
