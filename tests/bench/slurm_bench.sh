#!/usr/bin/env bash
# Benchmark of BENCHMARKS.md, "On a Slurm cluster": the 10,000-model grid of tests/slurm.rs
# (10 outcomes x 1,000 samples on the demo panel) as one `regspec run` and as `regspec slurm`
# with 8 array tasks and a merge job, on the single-node test cluster of
# tests/slurm/start_cluster.sh (2 CPUs; each task asks for 2, so tasks run one after another:
# the cluster measures the overhead of the array, not a speed-up). Release build.
# One process: wall time and peak RSS (/usr/bin/time). Array: wall time from submission to the
# end of the merge job; each task's own wall time and peak RSS (from its shard's marker); the
# merge's time (the merge job's log).
#   SLURM_CONF=$(tests/slurm/start_cluster.sh) tests/bench/slurm_bench.sh [REPS]
set -euo pipefail
cd "$(dirname "$0")/../.."
REPS=${1:-1}
BIN=$PWD/target/release/regspec
cargo build --release -p regspec >/dev/null 2>&1
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
ws=$(mktemp -d)
trap 'rm -rf "$ws"' EXIT
mkdir -p "$ws/specs"
cp -r data "$ws/"
cp regspec.yaml "$ws/"
python3 - "$ws/specs/grid.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('title: "A grid of 10,000 models"\n')
    f.write("defaults: {treatment: treat_post, fe: [iso3, year], cluster: iso3}\n")
    f.write('grid:\n  - name: "g_{outcome}_{sample}"\n    vary:\n')
    f.write("      outcome: [homic, hosic, sd, cd, pgdp, adv, labor, urban, open, coop]\n")
    f.write("      sample:\n")
    for k in range(1000):
        f.write(f'        s{k}: "gni_pc > {1000 + k}"\n')
PY
cd "$ws"
for r in $(seq "$REPS"); do
  rm -rf single slurm merged
  echo "rep=$r one process: $(measure "$BIN" run --quiet --out single)"
  t0=$(date +%s.%N)
  "$BIN" slurm --tasks 8 --submit --out merged >/dev/null
  ids=$(python3 -c "import json; s=json.load(open('slurm/state.json'))['submissions']; print(' '.join(x for y in s for x in (y['array_job'], y['finish_job']) if x))")
  while squeue -h -o %i | grep -qE "^($(echo "$ids" | tr ' ' '|'))(_|$)"; do sleep 0.2; done
  t1=$(date +%s.%N)
  echo "rep=$r array of 8: wall $(python3 -c "print(f'{$t1 - $t0:.1f}')") s (submission to merged set)"
  python3 - <<'PY'
import json, glob
for f in sorted(glob.glob("slurm/shards/*/.slurm-done"), key=lambda p: int(p.split("/")[2])):
    d = json.load(open(f))
    print(f"  task {d['job']}: {d['models']} models, {d['seconds']:.2f} s, peak {d['max_rss_mb']:.0f} MB")
PY
  grep -h "merged" slurm/logs/finish-*.out | sed 's/^/  /'
  diff -r single merged -x .cache >/dev/null && echo "  merged set identical to the one-process run"
done
