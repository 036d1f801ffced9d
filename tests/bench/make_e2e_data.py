"""Data for the end-to-end benchmark (BENCHMARKS.md, "regspec run against pyfixest"):
fixest's benchmark design as a panel file, written by this script (simulated, seeded).

    python tests/bench/make_e2e_data.py N OUT.parquet

Columns: `unit` (text key "u0000123", N/20 levels, 20 periods each), `t` (1..20, the time key),
`firm` (integer, sqrt(N) levels, random), `x1`, `x2`, `y` = x1 + 0.05 x2 + unit effect + firm
effect + noise.
"""
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

n = int(float(sys.argv[1]))
out = sys.argv[2]
rng = np.random.default_rng(42)
units = n // 20
u = np.repeat(np.arange(units), 20)
t = np.tile(np.arange(1, 21), units)
firm = rng.integers(0, int(np.sqrt(n)), n)
x1 = rng.normal(size=n)
x2 = rng.normal(size=n) ** 2
a = rng.normal(size=units)
b = rng.normal(size=int(np.sqrt(n)))
y = x1 + 0.05 * x2 + a[u] + b[firm] + rng.normal(size=n)
# "u0000123": built in Arrow (no Python string per row), so 1e8 rows fit in memory.
ls = pa.large_string()
digits = pc.utf8_lpad(pc.cast(pa.array(u), ls), 7, "0")
unit = pc.binary_join_element_wise(pa.scalar("u", ls), digits, pa.scalar("", ls))
table = pa.table({
    "unit": unit,
    "t": pa.array(t.astype(np.int32)),
    "firm": pa.array(firm.astype(np.int64)),
    "x1": pa.array(x1),
    "x2": pa.array(x2),
    "y": pa.array(y),
})
pq.write_table(table, out, row_group_size=1 << 20)
print(f"wrote {n} rows to {out}")
