#!/usr/bin/env bash
# The 1e8-row benchmark of the issue on speed (BENCHMARKS.md, "1e8 rows: the issue's panel"):
# 1e7 units with a text key x 10 periods, rows shuffled (tests/bench/make_big_data.py),
# `y ~ x1 + x2 | unit + t`, CR1 by unit. The command users run, `regspec run` (release, fresh
# output directory), then a cached rerun; wall time and peak RSS from /usr/bin/time. The file is
# read once before the first repetition so that every repetition starts from the page cache.
#   PY=/tmp/ref/bin/python tests/bench/big_bench.sh [REPS] [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-python3}
REPS=${1:-3}
N=${2:-1e8}
DATA=${BENCH_DATA:-/tmp/big}
BIN=$PWD/target/release/regspec
cargo build --release -p regspec >/dev/null 2>&1
mkdir -p "$DATA"
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
f="$DATA/big$N.parquet"
[ -f "$f" ] || "$PY" tests/bench/make_big_data.py "$N" "$f" >/dev/null
ws="$DATA/ws$N"
mkdir -p "$ws/specs"
printf 'data: {file: %s, unit: unit, time: t}\n' "$f" > "$ws/regspec.yaml"
printf 'models:\n  - name: big\n    formula: "y ~ x1 + x2 | unit + t"\n    cluster: unit\n' > "$ws/specs/big.yaml"
cat "$f" > /dev/null
echo "memory: $(awk '/MemTotal/ {printf "%.0f MB", $2/1024}' /proc/meminfo)"
for r in $(seq "$REPS"); do
  rm -rf "$ws/out"
  echo "n=$N rep=$r regspec $( cd "$ws" && measure "$BIN" run --quiet --out out )"
  echo "n=$N rep=$r cached  $( cd "$ws" && measure "$BIN" run --quiet --out out )"
done
"$PY" -c "import json,sys; r=json.load(open(sys.argv[1]))['models'][0]['result']; c=r['coefficients'][0]; print('regspec', c['name'], repr(c['estimate']), repr(c['std_error']), 'nobs', r['nobs'])" "$ws/out/big.json"
