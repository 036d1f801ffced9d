"""Individual-level data for the micro-data benchmark (BENCHMARKS.md, "Micro data"), written by
this script (simulated, seeded; no real data).

    python tests/bench/make_micro_data.py N OUT.parquet

N individuals (rows, in random order) in 50 states x 40 years x 3,000 counties (60 per state,
a county belongs to one state), 20 industries. Columns: `state` (text, "S07"), `county`
(integer), `year` (1981..2020), `industry` (text, "ind03"), `x1`, `x2`, `y` = 0.5 x1 - 0.2 x2 +
county effect + state-year effect + industry effect + noise. Written in row groups of 1e6 so
1e8 rows fit in memory.
"""
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

n = int(float(sys.argv[1]))
out = sys.argv[2]
rng = np.random.default_rng(7)
STATES, YEARS, COUNTIES, INDUSTRIES = 50, 40, 3000, 20
county_fe = rng.normal(0, 0.5, COUNTIES)
county_state = np.repeat(np.arange(STATES), COUNTIES // STATES)
state_year_fe = rng.normal(0, 0.3, (STATES, YEARS))
industry_fe = rng.normal(0, 0.4, INDUSTRIES)
ls = pa.large_string()


def labels(prefix, codes, width):
    digits = pc.utf8_lpad(pc.cast(pa.array(codes), ls), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix, ls), digits, pa.scalar("", ls))


writer = None
chunk = 1_000_000
for start in range(0, n, chunk):
    m = min(chunk, n - start)
    county = rng.integers(0, COUNTIES, m)
    state = county_state[county]
    year = rng.integers(0, YEARS, m)
    ind = rng.integers(0, INDUSTRIES, m)
    x1 = rng.normal(size=m) + 0.2 * state_year_fe[state, year]
    x2 = rng.normal(size=m)
    y = (0.5 * x1 - 0.2 * x2 + county_fe[county] + state_year_fe[state, year] + industry_fe[ind]
         + rng.normal(size=m))
    table = pa.table({
        "state": labels("S", state, 2),
        "county": pa.array(county.astype(np.int32)),
        "year": pa.array((1981 + year).astype(np.int32)),
        "industry": labels("ind", ind, 2),
        "x1": pa.array(x1),
        "x2": pa.array(x2),
        "y": pa.array(y),
    })
    if writer is None:
        writer = pq.ParquetWriter(out, table.schema)
    writer.write_table(table)
writer.close()
print(out, n)
