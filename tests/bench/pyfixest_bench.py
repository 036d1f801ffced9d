"""pyfixest's side of the HDFE benchmark (BENCHMARKS.md), on the files the Rust bench wrote.

    python tests/bench/pyfixest_bench.py DIR NFE [backend]

backend: rust (pyfixest's default MAP demeaner), within (LsmrDemeaner(backend="within")).
Prints wall time of the fit (CR1 by fe1 included) and the process's peak RSS.
"""
import resource
import sys
import time

import numpy as np
import pandas as pd
import pyfixest as pf

d, nfe = sys.argv[1], int(sys.argv[2])
backend = sys.argv[3] if len(sys.argv) > 3 else "rust"
cols = {c: np.fromfile(f"{d}/{c}.bin", dtype="<f8") for c in ("y", "x1", "x2")}
for k in range(1, nfe + 1):
    cols[f"fe{k}"] = np.fromfile(f"{d}/fe{k}.bin", dtype="<u4").astype(np.int64)
df = pd.DataFrame(cols)
fml = "y ~ x1 + x2 | " + " + ".join(f"fe{k}" for k in range(1, nfe + 1))
kw = {}
if backend == "within":
    kw["demeaner"] = pf.LsmrDemeaner(backend="within")
else:
    kw["demeaner_backend"] = backend
# Warm up (JIT compilation, imports) on a small slice, so only the fit itself is timed.
rng = np.random.default_rng(0)
warm = pd.DataFrame({c: rng.normal(size=5000) for c in ("y", "x1", "x2")})
for k in range(1, nfe + 1):
    warm[f"fe{k}"] = rng.integers(0, 20, 5000)
pf.feols(fml, data=warm, vcov={"CRV1": "fe1"}, **kw).se()
t0 = time.perf_counter()
fit = pf.feols(fml, data=df, vcov={"CRV1": "fe1"}, **kw)
se = fit.se()
secs = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"pyfixest[{backend}] n={len(df)} fe={nfe} wall_s={secs:.3f} peak_mb={peak:.0f} "
      f"x1={fit.coef()['x1']:.6f} se_x1={se['x1']:.6f} x2={fit.coef()['x2']:.6f}")
