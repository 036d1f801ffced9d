"""The alternative a user would pick for the worker-firm benchmark (BENCHMARKS.md): a Python
process that reads the Parquet file with pandas and fits pyfixest 0.60,
`y ~ x1 + x2 | worker + firm`, CR1 by worker, with the demeaner named on the command line:
`within` (LsmrDemeaner, backend "within", the Krylov solver) or `map` (the default alternating
projections). Both at tolerance TOL (default 1e-8, pyfixest's own default).

    python tests/bench/pyfixest_akm.py FILE within|map [TOL]
"""
import sys

import pandas as pd
import pyfixest as pf

df = pd.read_parquet(sys.argv[1])
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-8
kind = sys.argv[2]
if kind == "within":
    demeaner = pf.LsmrDemeaner(backend="within", fixef_atol=tol, fixef_btol=tol)
else:
    demeaner = pf.MapDemeaner(fixef_tol=tol)
fit = pf.feols("y ~ x1 + x2 | worker + firm", data=df, vcov={"CRV1": "worker"}, demeaner=demeaner)
se = fit.se()
print(f"x1={fit.coef()['x1']:.12f} se={se['x1']:.12f} x2={fit.coef()['x2']:.12f} n={fit._N}")
