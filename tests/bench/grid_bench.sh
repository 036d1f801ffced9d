#!/usr/bin/env bash
# Benchmark of BENCHMARKS.md, "Grids of up to 100,000 models": on the demo panel, one spec file
# with a grid of 10 outcomes x S samples (`gni_pc > 1000 + k`), S = 1,000, 3,000 and 10,000
# (10,000 to 100,000 models). For each size, times `regspec check` (every model planned and
# checked against the data), `regspec list`, `regspec run` (estimate every model, write the
# table and index) into a fresh directory, and one shard of four (`run --shard 1/4`) into
# another (release). Wall time and peak RSS from /usr/bin/time.
#   tests/bench/grid_bench.sh [REPS] [SAMPLES...]
set -euo pipefail
cd "$(dirname "$0")/../.."
REPS=${1:-1}
shift || true
SIZES=${*:-"1000 3000 10000"}
BIN=$PWD/target/release/regspec
cargo build --release -p regspec >/dev/null 2>&1
ws=$(mktemp -d)
[ -n "${KEEP_WS:-}" ] && echo "workspace: $ws" || trap 'rm -rf "$ws"' EXIT
mkdir -p "$ws/specs" "$ws/data"
cp data/demo_panel.csv data/demo_panel.csv.meta.json "$ws/data/"
cp regspec.yaml "$ws/"
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
for s in $SIZES; do
  rm -f "$ws"/specs/*.yaml
  python3 - "$ws/specs/grid.yaml" "$s" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write(f"title: \"A grid of {10 * int(sys.argv[2])} models\"\n")
    f.write("defaults: {treatment: treat_post, fe: [iso3, year], cluster: iso3}\n")
    f.write("grid:\n  - name: \"g_{outcome}_{sample}\"\n    vary:\n")
    f.write("      outcome: [homic, hosic, sd, cd, pgdp, adv, labor, urban, open, coop]\n")
    f.write("      sample:\n")
    for k in range(int(sys.argv[2])):
        f.write(f"        s{k}: \"gni_pc > {1000 + k}\"\n")
PY
  models=$((10 * s))
  for r in $(seq "$REPS"); do
    echo "models=$models rep=$r check $( cd "$ws" && measure "$BIN" check specs/grid.yaml )"
    echo "models=$models rep=$r list  $( cd "$ws" && measure "$BIN" list specs/grid.yaml )"
    rm -rf "$ws/out" "$ws/shard"
    echo "models=$models rep=$r run   $( cd "$ws" && measure "$BIN" run --quiet --out out specs/grid.yaml )"
    echo "models=$models rep=$r shard $( cd "$ws" && measure "$BIN" run --quiet --shard 1/4 --out shard specs/grid.yaml )"
  done
done
