#!/usr/bin/env bash
# Wall time of the panel build and of the whole study, cold (fresh output directory, so no
# cache), in a release build. Figures go to BENCHMARKS.md.
#   tests/bench/study_bench.sh [RAW_DIR] [REPS]
set -euo pipefail
cd "$(dirname "$0")/../.."
RAW=${1:-../shared/data/raw}
REPS=${2:-5}
cargo build --release -p regspec >/dev/null 2>&1
BIN=target/release/regspec
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
for i in $(seq "$REPS"); do
  echo "panel_wall_s $(t "$BIN" panel --raw-data "$RAW" --out "$(mktemp -d)/panel.parquet")"
done
for i in $(seq "$REPS"); do
  echo "study_real_cold_wall_s $(t "$BIN" run --raw-data "$RAW" --out "$(mktemp -d)" --quiet)"
done
NOBOOT=$(ls specs/*.yaml | grep -v inference.yaml)
for i in $(seq "$REPS"); do
  # shellcheck disable=SC2086
  echo "study_real_cold_without_bootstraps_wall_s $(t "$BIN" run --raw-data "$RAW" --out "$(mktemp -d)" --quiet $NOBOOT)"
done
for i in $(seq "$REPS"); do
  echo "study_demo_cold_wall_s $(t "$BIN" run --out "$(mktemp -d)" --quiet)"
done
