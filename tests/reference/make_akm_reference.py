"""A worker-firm panel whose fixed-effects graph mixes slowly, and its reference values.

    /tmp/ref/bin/python tests/reference/make_akm_reference.py

Writes, simulated by this script (seeded; no real data):
- tests/fixtures/shapes/data/akm.csv: 1,000 workers x 2011-2020 in 100 firms laid out on a
  line; each year 5% of workers move, to a firm at most 3 places away. Moves are rare and
  local, so alternating projections converge slowly (the AKM design of labour economics) and
  regspec's automatic choice hands the fit to its Krylov solver;
- tests/reference/akm_reference.json: `y ~ x1 + x2 | worker + firm` and
  `y ~ x1 + x2 | worker + firm + year`, CR1 by worker, fitted by pyfixest 0.60 with both of its
  demeaners: `LsmrDemeaner(backend="within")` (the preconditioned Krylov solver, tolerance
  1e-12) and `MapDemeaner` (alternating projections, tolerance 1e-13). The two agree to about
  1e-14 relative here (printed); the tests compare regspec with both at 1e-8.
"""
import json
import pathlib

import numpy as np
import pandas as pd
import pyfixest as pf

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "shapes" / "data" / "akm.csv"
rng = np.random.default_rng(20261206)
WORKERS, YEARS, FIRMS, MOVE, REACH = 1000, 10, 100, 0.05, 3
worker_fe = rng.normal(0, 1.0, WORKERS)
firm_fe = rng.normal(0, 0.5, FIRMS)
firm = np.empty((WORKERS, YEARS), dtype=np.int64)
firm[:, 0] = rng.integers(0, FIRMS, WORKERS)
for t in range(1, YEARS):
    moves = rng.random(WORKERS) < MOVE
    step = rng.integers(-REACH, REACH + 1, WORKERS)
    firm[:, t] = np.where(moves, np.clip(firm[:, t - 1] + step, 0, FIRMS - 1), firm[:, t - 1])
n = WORKERS * YEARS
df = pd.DataFrame({
    "worker": np.repeat(np.arange(WORKERS), YEARS),
    "firm": firm.ravel(),
    "year": np.tile(np.arange(2011, 2011 + YEARS), WORKERS),
})
df["x1"] = np.round(rng.normal(size=n) + 0.3 * firm_fe[df["firm"]], 6)
df["x2"] = np.round(rng.normal(size=n), 6)
df["y"] = np.round(0.5 * df["x1"] - 0.2 * df["x2"] + worker_fe[df["worker"]]
                   + firm_fe[df["firm"]] + 0.02 * (df["year"] - 2011) + rng.normal(size=n), 6)
df.to_csv(OUT, index=False)
df = pd.read_csv(OUT)

DEMEANERS = {
    "within": pf.LsmrDemeaner(backend="within", fixef_atol=1e-12, fixef_btol=1e-12,
                              fixef_maxiter=100_000),
    "map": pf.MapDemeaner(fixef_tol=1e-13, fixef_maxiter=1_000_000),
}
FORMULAS = {
    "akm": "y ~ x1 + x2 | worker + firm",
    "akm_year": "y ~ x1 + x2 | worker + firm + year",
}
out = {"pyfixest": pf.__version__}
for model, formula in FORMULAS.items():
    for kind, demeaner in DEMEANERS.items():
        fit = pf.feols(formula, data=df, vcov={"CRV1": "worker"}, demeaner=demeaner)
        t = fit.tidy()
        out[f"{model}_{kind}"] = {
            "coefficients": {
                str(name): {"estimate": float(r["Estimate"]), "std_error": float(r["Std. Error"])}
                for name, r in t.iterrows()
            },
            "nobs": int(fit._N),
        }
    a, b = (out[f"{model}_{k}"]["coefficients"]["x1"]["estimate"] for k in DEMEANERS)
    print(model, "within vs map, x1:", abs(a - b) / abs(b))
path = ROOT / "tests" / "reference" / "akm_reference.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print("wrote", path, "and", OUT)
