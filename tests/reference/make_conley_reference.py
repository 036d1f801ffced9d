"""Reference values for regspec's Conley spatial HAC errors (`vcov: conley(...)`), and the
simulated data they are computed on (written here: no real data):
tests/fixtures/shapes/data/spatial.csv, 90 districts at random points of a box the size of the
continental United States (latitude 25-49, longitude -124 to -67) over 6 years. Each year's
outcome shock and regressor x1 are smooth spatial fields (sums of Gaussian bumps of 300-900
km), so neighbouring districts' errors are correlated. Some district-years are missing (an
unbalanced panel: the serial kernel runs over period differences, not positions) and one row
has no latitude (dropped as missing).

References:
- coefficients: pyfixest 0.60 `feols` (FE absorbed);
- Conley standard errors: diff-diff 3.13 `solve_ols(vcov_type="conley")` on the full design
  (FE as dummies: the slope block of its sandwich equals the within one by Frisch-Waugh-Lovell;
  diff-diff matches R's conleyreg 0.1.9 at 1e-14 on its parity fixtures): haversine distance on
  a sphere of radius 6371.01 km, Bartlett or uniform kernel, within each period on a panel,
  plus each unit's own scores over `lag` periods with Bartlett weights (conleyreg's block
  decomposition), no small-sample factor. pyfixest 0.60 has no Conley errors; fixest's
  `vcov_conley` uses the uniform kernel, its own distance approximation and a small-sample
  factor, and is not on PyPI: regspec follows conleyreg.
- p-values: t distribution with N - K degrees of freedom (K counting the FE), computed here.

    /tmp/ref/bin/python tests/reference/make_conley_reference.py
"""
import json
import pathlib

import numpy as np
import pandas as pd
import pyfixest as pf
from diff_diff.linalg import solve_ols
from scipy import stats

here = pathlib.Path(__file__).parent
rng = np.random.default_rng(20261207)
n_d, years = 90, list(range(2015, 2021))
lat = rng.uniform(25, 49, n_d)
lon = rng.uniform(-124, -67, n_d)
alpha = rng.normal(0, 1, n_d)


def field(n_bumps):
    """A smooth random field over the box: Gaussian bumps of 300-900 km."""
    cy, cx = rng.uniform(25, 49, n_bumps), rng.uniform(-124, -67, n_bumps)
    amp, scale = rng.normal(0, 1, n_bumps), rng.uniform(3, 9, n_bumps)
    d2 = (lat[:, None] - cy) ** 2 + ((lon[:, None] - cx) * np.cos(np.radians(37))) ** 2
    return (amp * np.exp(-d2 / (2 * scale**2))).sum(axis=1)


rows = []
for t, year in enumerate(years):
    shock, x_field = field(6), field(5)
    for d in range(n_d):
        if rng.uniform() < 0.08:
            continue  # an unbalanced panel
        x1 = x_field[d] + rng.normal(0, 0.5)
        x2 = rng.normal()
        y = alpha[d] + 0.1 * t + 0.7 * x1 - 0.3 * x2 + shock[d] + rng.normal(0, 0.5)
        rows.append({"district": f"d{d + 1:03d}", "year": year, "lat": round(lat[d], 6),
                     "lon": round(lon[d], 6), "x1": round(x1, 6), "x2": round(x2, 6),
                     "y": round(y, 6)})
df = pd.DataFrame(rows)
df.loc[7, "lat"] = np.nan
df.to_csv(here.parent / "fixtures/shapes/data/spatial.csv", index=False)
df = df.dropna().reset_index(drop=True)

# name: (formula, FE, cutoff km, kernel, lag; None: the pooled rows as one cross-section)
CASES = {
    "pooled_bartlett": ("y ~ x1 + x2", [], 500.0, "bartlett", None),
    "fe_uniform": ("y ~ x1 + x2 | district + year", ["district", "year"], 300.0, "uniform", 0),
    "fe_bartlett_lag2": ("y ~ x1 | district + year", ["district", "year"], 800.0, "bartlett", 2),
}

out = {}
for name, (fml, fe, cutoff, kernel, lag) in CASES.items():
    fit = pf.feols(fml, data=df, vcov="iid", fixef_tol=1e-14)
    slopes = list(fit.coef().index)
    xs = [c for c in fml.split("~")[1].split("|")[0].split("+")]
    xs = [c.strip() for c in xs]
    design = [np.ones(len(df))] if not fe else []
    names = ["Intercept"] if not fe else []
    for c in xs:
        design.append(df[c].to_numpy(float))
        names.append(c)
    for f in fe:
        dummies = pd.get_dummies(df[f], drop_first=(f != fe[0]), dtype=float)
        design.extend(dummies.to_numpy().T)
    X = np.column_stack(design)
    panel = {} if lag is None else {"conley_time": df["year"].to_numpy(),
                                    "conley_unit": df["district"].to_numpy(),
                                    "conley_lag_cutoff": lag}
    beta, resid, vcov = solve_ols(X, df["y"].to_numpy(float), vcov_type="conley",
                                  conley_coords=df[["lat", "lon"]].to_numpy(float),
                                  conley_cutoff_km=cutoff, conley_kernel=kernel, **panel)
    n, k = X.shape
    coefs = {}
    for j, c in enumerate(names):
        est, se = float(beta[j]), float(np.sqrt(vcov[j, j]))
        assert abs(est - fit.coef().get(c, est)) <= 1e-8 * abs(est), (name, c)
        tq = stats.t.ppf(0.975, n - k)
        coefs[c] = {"estimate": est, "se": se, "p": float(2 * stats.t.sf(abs(est / se), n - k)),
                    "ci_low": est - tq * se, "ci_high": est + tq * se}
    out[name] = {"nobs": int(n), "df": int(n - k), "coefficients": coefs}

(here / "conley_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps(out, indent=1))
