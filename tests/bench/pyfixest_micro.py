"""The alternative a user would pick for the micro-data benchmark (BENCHMARKS.md): a Python
process that reads the Parquet file with pandas and fits pyfixest 0.60,
`y ~ x1 + x2 | county + state^year + industry`, CR1 by state.

    python tests/bench/pyfixest_micro.py FILE
"""
import sys

import pandas as pd
import pyfixest as pf

df = pd.read_parquet(sys.argv[1])
fit = pf.feols("y ~ x1 + x2 | county + state^year + industry", data=df, vcov={"CRV1": "state"})
se = fit.se()
print(f"x1={fit.coef()['x1']:.10f} se={se['x1']:.10f} x2={fit.coef()['x2']:.10f} n={fit._N}")
