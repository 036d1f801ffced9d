#!/usr/bin/env bash
# Benchmark of BENCHMARKS.md, "Specification curve of 10,000 models": a grid on the demo panel
# (samples dropping up to four of the eleven years x 3 treatment dates x 2 outcomes x with and
# without controls x 2 clusterings = 10,008 TWFE models), `regspec run` (release) once, then
# `regspec table curve10k` to time rendering alone: deriving the curve, the LaTeX, Markdown and
# HTML tables (10,008 columns), the curve figure (thinned to 500 points), SVG and PDF, and the
# index pages. Wall time and peak RSS from /usr/bin/time.
#   tests/bench/curve_bench.sh [REPS]
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
python3 - "$ws/specs/curve10k.yaml" <<'PY'
import itertools, sys
years = list(range(2008, 2019))
samples = {"full": ""}
for k in (1, 2, 3, 4):
    for c in itertools.combinations(years, k):
        samples["x" + "_".join(str(y) for y in c)] = " and ".join(f"year != {y}" for y in c)
        if len(samples) == 417:
            break
    if len(samples) == 417:
        break
with open(sys.argv[1], "w") as f:
    f.write("title: \"Curve of 10,008 models\"\ncurve: true\nadjust: [holm]\n")
    f.write("keep: [treat_post, treat_post_alt, treat_post_route]\n")
    f.write("defaults: {fe: [iso3, year]}\n")
    f.write("fragments:\n  controls: {controls: [ln_pgdp, adv, labor, urban, open]}\n  none: {}\n")
    f.write("grid:\n  - name: \"m_{outcome}_{treatment}_{sample}_{extends}_{cluster}\"\n    vary:\n")
    f.write("      outcome: [homic, hosic]\n      treatment: [treat_post, treat_post_alt, treat_post_route]\n")
    f.write("      extends: [controls, none]\n      cluster: [iso3, year]\n      sample:\n")
    for k, v in samples.items():
        f.write(f"        {k}: \"{v}\"\n")
PY
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
cd "$ws"
echo "models: $("$BIN" check specs/curve10k.yaml 2>/dev/null | tail -1)"
echo "run (estimate 10,008 models and render): $(measure "$BIN" run --quiet specs/curve10k.yaml)"
for r in $(seq "$REPS"); do
  echo "render only (regspec table curve10k), rep $r: $(measure "$BIN" table curve10k)"
done
ls -la reports/figures/curve10k_curve.svg reports/figures/curve10k_curve.pdf reports/curve10k.md | awk '{print $5, $9}'
