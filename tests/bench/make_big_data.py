"""The 1e8-row panel of the issue on speed (BENCHMARKS.md, "1e8 rows"), written by this script
(simulated, seeded; no real data).

    python tests/bench/make_big_data.py N OUT.parquet

N rows of N/10 units (a text key "u0001234", 1e7 levels at N = 1e8) x 10 periods (`t`,
2011..2020), in a random row order (a seeded permutation), so that the file's order says nothing
about its keys. Columns: `unit`, `t`, `x1`, `x2`, `y` = x1 + 0.05 x2 + unit effect + period
effect + noise. The model: `y ~ x1 + x2 | unit + t`, CR1 by unit. Written in row groups of 1e6.
"""
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

n = int(float(sys.argv[1]))
out = sys.argv[2]
T = 10
units = n // T
rng = np.random.default_rng(20261206)
unit_fe = rng.normal(0, 1.0, units)
t_fe = rng.normal(0, 0.3, T)
order = rng.permutation(units * T)
ls = pa.large_string()
writer = None
chunk = 1_000_000
for start in range(0, units * T, chunk):
    idx = order[start:start + chunk]
    u, t = idx // T, idx % T
    m = len(idx)
    x1 = rng.normal(size=m) + 0.2 * unit_fe[u]
    x2 = rng.normal(size=m)
    y = x1 + 0.05 * x2 + unit_fe[u] + t_fe[t] + rng.normal(size=m)
    digits = pc.utf8_lpad(pc.cast(pa.array(u), ls), 8, "0")
    table = pa.table({
        "unit": pc.binary_join_element_wise(pa.scalar("u", ls), digits, pa.scalar("", ls)),
        "t": pa.array((2011 + t).astype(np.int32)),
        "x1": pa.array(x1),
        "x2": pa.array(x2),
        "y": pa.array(y),
    })
    if writer is None:
        writer = pq.ParquetWriter(out, table.schema)
    writer.write_table(table)
writer.close()
print(out, units * T)
