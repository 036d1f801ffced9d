#!/usr/bin/env bash
# End-to-end benchmark of BENCHMARKS.md: the command users run, `regspec run` (release, fresh
# output directory) on a Parquet file, against a Python process that reads the same file with
# pandas and fits pyfixest 0.60 (CR1 by unit), alternating the two in the same run. Wall time
# and peak RSS from /usr/bin/time for both.
#   PY=/tmp/ref/bin/python tests/bench/e2e_bench.sh [REPS] [SIZES]
# SIZES defaults to "1e6 1e7"; "1e8" adds the 1e8-row, 2-FE run (regspec only by default;
# PYFIXEST_1E8=1 tries pyfixest too).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-python3}
REPS=${1:-3}
SIZES=${2:-"1e6 1e7"}
DATA=${BENCH_DATA:-/tmp/e2e}
BIN=$PWD/target/release/regspec
cargo build --release -p regspec >/dev/null 2>&1
mkdir -p "$DATA"
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
for n in $SIZES; do
  f="$DATA/n$n.parquet"
  [ -f "$f" ] || "$PY" tests/bench/make_e2e_data.py "$n" "$f" >/dev/null
  ws="$DATA/ws$n"
  mkdir -p "$ws/specs"
  printf 'data: {file: %s, unit: unit, time: t}\n' "$f" > "$ws/regspec.yaml"
  printf 'models:\n  - name: fe2\n    formula: "y ~ x1 + x2 | unit + firm"\n    cluster: unit\n' > "$ws/specs/fe2.yaml"
  printf 'models:\n  - name: fe3\n    formula: "y ~ x1 + x2 | unit + firm + t"\n    cluster: unit\n' > "$ws/specs/fe3.yaml"
  for nfe in 2 3; do
    [ "$n" = 1e6 ] && [ "$nfe" = 2 ] && continue
    [ "$n" = 1e8 ] && [ "$nfe" = 3 ] && continue
    for r in $(seq "$REPS"); do
      rm -rf "$ws/out"
      echo "n=$n fe=$nfe rep=$r regspec  $( cd "$ws" && measure "$BIN" run --quiet --out out specs/fe$nfe.yaml )"
      echo "n=$n fe=$nfe rep=$r cached   $( cd "$ws" && measure "$BIN" run --quiet --out out specs/fe$nfe.yaml )"
      if [ "$n" != 1e8 ] || [ "${PYFIXEST_1E8:-0}" = 1 ]; then
        echo "n=$n fe=$nfe rep=$r pyfixest $(measure "$PY" tests/bench/pyfixest_e2e.py "$f" "$nfe" || echo failed)"
      fi
    done
    # The two programs' estimates, for the record.
    ( cd "$ws" && "$BIN" run --quiet --out out specs/fe$nfe.yaml && "$PY" -c "import json,sys; c=json.load(open(sys.argv[1]))['models'][0]['result']['coefficients'][0]; print('regspec', c['name'], repr(c['estimate']), repr(c['std_error']))" out/fe$nfe.json )
  done
done
