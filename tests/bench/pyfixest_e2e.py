"""The alternative a user would pick, end to end: a Python process that reads the Parquet file
with pandas and fits pyfixest 0.60 feols with CR1 by unit (BENCHMARKS.md).

    python tests/bench/pyfixest_e2e.py FILE NFE

NFE 2: y ~ x1 + x2 | unit + firm; NFE 3: ... | unit + firm + t. Wall time and peak memory are
measured from outside (/usr/bin/time), like regspec's.
"""
import sys

import pandas as pd
import pyfixest as pf

df = pd.read_parquet(sys.argv[1])
fe = ["unit", "firm", "t"][: int(sys.argv[2])]
fit = pf.feols("y ~ x1 + x2 | " + " + ".join(fe), data=df, vcov={"CRV1": "unit"})
se = fit.se()
print(f"x1={fit.coef()['x1']:.10f} se={se['x1']:.10f} x2={fit.coef()['x2']:.10f} n={fit._N}")
