#!/usr/bin/env bash
# Micro-data benchmark of BENCHMARKS.md: individuals in 50 states x 40 years x 3,000 counties,
# `y ~ x1 + x2 | county + state^year + industry`, CR1 by state. The command users run,
# `regspec run` (release, fresh output directory) on a Parquet file declared as repeated
# cross-sections (time: year, group: state), against a Python process that reads the same file
# with pandas and fits pyfixest 0.60, alternating the two in the same run. Wall time and peak
# RSS from /usr/bin/time.
#   PY=/tmp/ref/bin/python tests/bench/micro_bench.sh [REPS] [SIZES]
# SIZES defaults to "1e7"; with "1e8" pyfixest runs only when PYFIXEST_1E8=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-python3}
REPS=${1:-3}
SIZES=${2:-"1e7"}
DATA=${BENCH_DATA:-/tmp/micro}
BIN=$PWD/target/release/regspec
cargo build --release -p regspec >/dev/null 2>&1
mkdir -p "$DATA"
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
for n in $SIZES; do
  f="$DATA/micro$n.parquet"
  [ -f "$f" ] || "$PY" tests/bench/make_micro_data.py "$n" "$f" >/dev/null
  ws="$DATA/ws$n"
  mkdir -p "$ws/specs"
  printf 'data: {file: %s, time: year, group: state}\n' "$f" > "$ws/regspec.yaml"
  printf 'models:\n  - name: micro\n    formula: "y ~ x1 + x2 | county + state^year + industry"\n    cluster: state\n' > "$ws/specs/micro.yaml"
  for r in $(seq "$REPS"); do
    rm -rf "$ws/out"
    echo "n=$n rep=$r regspec  $( cd "$ws" && measure "$BIN" run --quiet --out out specs/micro.yaml )"
    echo "n=$n rep=$r cached   $( cd "$ws" && measure "$BIN" run --quiet --out out specs/micro.yaml )"
    if [ "$n" != 1e8 ] || [ "${PYFIXEST_1E8:-0}" = 1 ]; then
      echo "n=$n rep=$r pyfixest $(measure "$PY" tests/bench/pyfixest_micro.py "$f" || echo failed)"
    fi
  done
  # The two programs' estimates, for the record.
  ( cd "$ws" && "$BIN" run --quiet --out out specs/micro.yaml && "$PY" -c "import json,sys; c=json.load(open(sys.argv[1]))['models'][0]['result']['coefficients'][0]; print('regspec', c['name'], repr(c['estimate']), repr(c['std_error']))" out/micro.json )
  if [ "$n" != 1e8 ] || [ "${PYFIXEST_1E8:-0}" = 1 ]; then "$PY" tests/bench/pyfixest_micro.py "$f"; fi
done
