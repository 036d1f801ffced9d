"""Worker-firm panel for the sparse fixed-effects benchmark (BENCHMARKS.md, "Worker-firm fixed
effects"), written by this script (simulated, seeded; no real data).

    python tests/bench/make_akm_data.py WORKERS OUT.parquet

WORKERS workers observed 10 years (2011..2020) in 5,000 firms laid out on a line. A worker
starts in a random firm; each year 5% of workers move, to a firm at most 10 places away. Moves
are rare and local, so the worker-firm graph mixes slowly: the hard case for alternating
projections (the AKM design of labour economics). Columns: `worker` (integer), `firm`
(integer), `year`, `x1`, `x2` (correlated with the firm effect), `y` = 0.5 x1 - 0.2 x2 + worker
effect + firm effect + noise. 100,000 workers give 1e6 rows.
"""
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

workers = int(float(sys.argv[1]))
out = sys.argv[2]
YEARS, FIRMS, MOVE, REACH = 10, 5000, 0.05, 10
rng = np.random.default_rng(11)
worker_fe = rng.normal(0, 1.0, workers)
firm_fe = rng.normal(0, 0.5, FIRMS)
firm = np.empty((workers, YEARS), dtype=np.int64)
firm[:, 0] = rng.integers(0, FIRMS, workers)
for t in range(1, YEARS):
    moves = rng.random(workers) < MOVE
    step = rng.integers(-REACH, REACH + 1, workers)
    firm[:, t] = np.where(moves, np.clip(firm[:, t - 1] + step, 0, FIRMS - 1), firm[:, t - 1])
n = workers * YEARS
worker = np.repeat(np.arange(workers), YEARS)
firm = firm.ravel()
year = np.tile(np.arange(2011, 2011 + YEARS), workers)
x1 = rng.normal(size=n) + 0.3 * firm_fe[firm]
x2 = rng.normal(size=n)
y = 0.5 * x1 - 0.2 * x2 + worker_fe[worker] + firm_fe[firm] + rng.normal(size=n)
pq.write_table(pa.table({
    "worker": pa.array(worker.astype(np.int32)),
    "firm": pa.array(firm.astype(np.int32)),
    "year": pa.array(year.astype(np.int32)),
    "x1": pa.array(x1),
    "x2": pa.array(x2),
    "y": pa.array(y),
}), out)
print(out, n)
