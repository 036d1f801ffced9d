#!/usr/bin/env bash
# Benchmark of BENCHMARKS.md, "Checking a grid of 100,000 models": a grid on the demo panel of
# 10 outcomes x 10,000 samples (`gni_pc > 1000 + k`), one spec file; times `regspec check` (every
# model planned and checked against the data) and `regspec list` (release). Wall time and peak
# RSS from /usr/bin/time.
#   tests/bench/check_bench.sh [REPS]
set -euo pipefail
cd "$(dirname "$0")/../.."
REPS=${1:-3}
BIN=$PWD/target/release/regspec
cargo build --release -p regspec >/dev/null 2>&1
ws=$(mktemp -d)
[ -n "${KEEP_WS:-}" ] && echo "workspace: $ws" || trap 'rm -rf "$ws"' EXIT
mkdir -p "$ws/specs" "$ws/data"
cp data/demo_panel.csv data/demo_panel.csv.meta.json "$ws/data/"
cp regspec.yaml "$ws/"
python3 - "$ws/specs/grid100k.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("title: \"A grid of 100,000 models\"\n")
    f.write("defaults: {treatment: treat_post, fe: [iso3, year], cluster: iso3}\n")
    f.write("grid:\n  - name: \"g_{outcome}_{sample}\"\n    vary:\n")
    f.write("      outcome: [homic, hosic, sd, cd, pgdp, adv, labor, urban, open, coop]\n")
    f.write("      sample:\n")
    for k in range(10000):
        f.write(f"        s{k}: \"gni_pc > {1000 + k}\"\n")
PY
measure() { /usr/bin/time -f "wall_s=%e peak_mb=%M" "$@" 2>&1 >/dev/null | tail -1 | awk '{split($2,a,"="); printf "%s peak_mb=%.0f\n", $1, a[2]/1024}'; }
for r in $(seq "$REPS"); do
  echo "rep=$r check $( cd "$ws" && measure "$BIN" check specs/grid100k.yaml )"
  echo "rep=$r list  $( cd "$ws" && measure "$BIN" list specs/grid100k.yaml )"
done
( cd "$ws" && "$BIN" check specs/grid100k.yaml | tail -2 )
