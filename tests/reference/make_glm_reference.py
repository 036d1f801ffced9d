"""Reference values for regspec's logit and probit with fixed effects (`estimator: logit |
probit`, fixest's `feglm`), and the simulated panel they are computed on (written here: no real
data): tests/fixtures/shapes/data/glm.csv, 300 firms x 8 years, a binary outcome from a logit
with firm and year effects, `y = 1{a_firm + g_year + 0.8 x1 - 0.5 x2 + logistic noise > 0}`.
Firms 1-5 have y = 0 throughout and firms 6-10 y = 1 throughout: their firm effect is minus or
plus infinity and the firm FE separates them (with the firms whose draws happen to be all 0 or
all 1).

References: pyfixest 0.60 `feglm` (IRLS to a deviance tolerance of 1e-14, demeaning to 1e-14)
for every case; statsmodels 0.15 `Logit` for the case without FE (coefficients, iid SEs and
McFadden's pseudo R2), where the two agree to 1e-8 once statsmodels' iid SEs are multiplied by
fixest's small-sample factor sqrt((n - 1) / (n - k)) (checked when this script runs).

Separation: fixest drops the observations of a FE group whose outcome is 0 throughout or 1
throughout (for a binomial family). pyfixest 0.60's `feglm` checks only for all-zero groups
(its Poisson check), so it would keep the all-one firms and push their FE towards infinity
until the deviance criterion stops it. regspec follows fixest; this script drops both kinds of
firm before calling pyfixest, and records how many observations that is.

McFadden's pseudo R2 (fixest's `pr2`, 1 - ll / ll0 with ll0 the log-likelihood of a constant
probability) is computed here from pyfixest's fitted probabilities; pyfixest reports none.

    /tmp/ref/bin/python tests/reference/make_glm_reference.py
"""
import json
import pathlib
import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import statsmodels.api as sm

here = pathlib.Path(__file__).parent
rng = np.random.default_rng(20261207)
firms, years = 300, 8
a = rng.normal(0, 1, firms)
g = rng.normal(0, 0.5, years)
rows = []
for f in range(firms):
    for t in range(years):
        x1, x2 = rng.normal(), rng.normal()
        latent = a[f] + g[t] + 0.8 * x1 - 0.5 * x2 + rng.logistic()
        y = int(latent > 0)
        if f < 5:
            y = 0
        elif f < 10:
            y = 1
        rows.append({"firm": f"f{f + 1:03d}", "year": 2011 + t, "x1": round(x1, 6), "x2": round(x2, 6), "y": y})
df = pd.DataFrame(rows)
out_csv = here.parent / "fixtures/shapes/data/glm.csv"
df.to_csv(out_csv, index=False)

share = df.groupby("firm")["y"].transform("mean")
kept = df[(share > 0) & (share < 1)].copy()
n_separated = len(df) - len(kept)

CASES = {
    "logit_fe_cluster": ("logit", "y ~ x1 + x2 | firm + year", {"CRV1": "firm"}),
    "logit_fe_iid": ("logit", "y ~ x1 | firm + year", "iid"),
    "probit_fe_cluster": ("probit", "y ~ x1 + x2 | firm + year", {"CRV1": "firm"}),
    "probit_fe_hetero": ("probit", "y ~ x1 + x2 | firm + year", "hetero"),
    "logit_no_fe_iid": ("logit", "y ~ x1 + x2", "iid"),
}


def pseudo_r2(y, mu):
    ll = np.sum(y * np.log(mu) + (1 - y) * np.log(1 - mu))
    p = y.mean()
    ll0 = np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
    return 1 - ll / ll0


out = {"n_separated_by_firm": n_separated}
for name, (family, fml, vcov) in CASES.items():
    data = kept if "|" in fml else df
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feglm(fml, data=data, family=family, vcov=vcov, iwls_tol=1e-14,
                       iwls_maxiter=200, fixef_tol=1e-14, separation_check=["fe"])
    tidy = fit.tidy()
    y = np.asarray(data["y"], dtype=float)
    mu = np.asarray(fit._Y_hat_response, dtype=float)
    out[name] = {
        "nobs": int(fit._N),
        "deviance": float(np.asarray(fit.deviance).ravel()[0]),
        "pseudo_r2": float(pseudo_r2(y, mu)),
        "coefficients": {
            k: {"estimate": float(r["Estimate"]), "se": float(r["Std. Error"]),
                "p": float(r["Pr(>|t|)"]), "ci_low": float(r["2.5%"]), "ci_high": float(r["97.5%"])}
            for k, r in tidy.iterrows()
        },
    }

# The case without FE, again by statsmodels' maximum likelihood (a second implementation).
sm_fit = sm.Logit(df["y"].astype(float), sm.add_constant(df[["x1", "x2"]])).fit(disp=0, tol=1e-14, maxiter=200, method="newton")
ref = out["logit_no_fe_iid"]["coefficients"]
# fixest's small-sample adjustment (n - 1) / (n - k) on the iid vcov; statsmodels has none.
adj = np.sqrt((len(df) - 1) / (len(df) - 3))
for k, smk in [("Intercept", "const"), ("x1", "x1"), ("x2", "x2")]:
    for what, v in [("estimate", sm_fit.params[smk]), ("se", sm_fit.bse[smk] * adj)]:
        assert abs(ref[k][what] - v) <= 1e-8 * abs(v), (k, what, ref[k][what], v)
assert abs(out["logit_no_fe_iid"]["pseudo_r2"] - sm_fit.prsquared) <= 1e-10
out["logit_no_fe_iid"]["statsmodels"] = {
    "pseudo_r2": float(sm_fit.prsquared),
    "coefficients": {k: {"estimate": float(sm_fit.params[s]), "se": float(sm_fit.bse[s])}
                     for k, s in [("Intercept", "const"), ("x1", "x1"), ("x2", "x2")]},
    "note": "statsmodels' iid SEs times sqrt((n - 1) / (n - k)), fixest's adjustment, equal pyfixest's to 1e-8",
}
(here / "glm_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps(out, indent=1))
