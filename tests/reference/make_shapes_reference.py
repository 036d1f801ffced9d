"""Three test workspaces of data that are not a unique panel, and their reference values.

    /tmp/ref/bin/python tests/reference/make_shapes_reference.py

Writes, all simulated by this script (seeded; no real data):
- tests/fixtures/shapes/data/people.csv: repeated cross-sections, 20 US states (text key
  `state`) x 2000-2009, 8-22 individuals per state and year (no person is followed), a state
  policy adopted in 2003, 2005 or 2007 by 15 states (never by 5);
- tests/fixtures/shapes/data/cross.csv: a cross-section of 1,500 firms (no time key), an
  industry (text), an endogenous regressor with an instrument, a count outcome;
- tests/fixtures/shapes/data/spells.csv: worker-firm spells, 400 workers x 2001-2008 at 40
  firms, one or two jobs per worker and year (several rows per (worker, year));
- tests/reference/shapes_reference.json: the workspace's models fitted by pyfixest 0.60
  (feols, fepois, IV, the saturated Sun-Abraham event study and did2s) with every derived
  variable (cohort from the state's first policy year, relative time) computed here in pandas,
  plus the imputation (BJS) effects solved exactly by least squares with numpy.
"""
import json
import pathlib

import numpy as np
import pandas as pd
import pyfixest as pf

ROOT = pathlib.Path(__file__).resolve().parents[2]
WS = ROOT / "tests" / "fixtures" / "shapes"
(WS / "data").mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(20261206)

# --- Repeated cross-sections: individuals in states, a staggered state policy -------------
STATES = ["AL", "AZ", "CA", "CO", "FL", "GA", "IL", "IN", "MA", "MI",
          "MN", "MO", "NC", "NJ", "NY", "OH", "PA", "TN", "TX", "WA"]
ADOPT = dict(zip(STATES, [2003] * 5 + [2005] * 5 + [2007] * 5 + [None] * 5))
state_fe = dict(zip(STATES, rng.normal(0, 0.3, len(STATES))))
year_fe = {y: 0.02 * (y - 2000) + rng.normal(0, 0.05) for y in range(2000, 2010)}
rows = []
for s in STATES:
    for y in range(2000, 2010):
        for _ in range(int(rng.integers(8, 23))):
            educ = int(rng.integers(9, 19))
            a = ADOPT[s]
            policy = int(a is not None and y >= a)
            effect = 0.05 + 0.01 * (y - a) if policy else 0.0
            wage = 2.0 + state_fe[s] + year_fe[y] + 0.08 * educ + effect + rng.normal(0, 0.4)
            rows.append({"state": s, "year": y, "educ": educ, "wage": round(wage, 6), "policy": policy})
people = pd.DataFrame(rows)
# The file's rows in a random order: nothing may depend on it.
people = people.sample(frac=1, random_state=1).reset_index(drop=True)
people.to_csv(WS / "data" / "people.csv", index=False)

# Derived variables, computed here independently of regspec's variable language.
p = people.copy()
first = p[p.policy == 1].groupby("state")["year"].min()
p["cohort"] = p["state"].map(first)
p["rel"] = p["year"] - p["cohort"]
p["rel_f"] = p["rel"].fillna(-1000).astype(int)


def tidy(f, rename=lambda n: n):
    t = f.tidy()
    return {
        "coefficients": {
            rename(str(n)): {"estimate": float(r["Estimate"]), "std_error": float(r["Std. Error"])}
            for n, r in t.iterrows()
        },
        "nobs": int(f._N),
    }


out = {}
out["rcs_ols"] = tidy(pf.feols("wage ~ policy + educ | state + year", data=p,
                               vcov={"CRV1": "state"}, fixef_tol=1e-14))
# The i() event study: explicit dummies for every relative period but -1 and never (-1000).
levels = sorted(k for k in p["rel_f"].unique() if k not in (-1, -1000))
dummy = {}
for k in levels:
    name = f"d_{'m' if k < 0 else ''}{abs(k)}"
    p[name] = (p["rel_f"] == k).astype(float)
    dummy[name] = f"rel_f::{k}"
out["rcs_es"] = tidy(
    pf.feols("wage ~ " + " + ".join(dummy) + " | state + year", data=p,
             vcov={"CRV1": "state"}, fixef_tol=1e-14),
    rename=lambda n: dummy[n],
)
# Sun-Abraham with the state's cohort: pyfixest's saturated event study with the state as the
# unit (its fixed effects and its cohort), clustered by state, aggregated by period.
p["g"] = p["cohort"].fillna(0).astype(int)
sa = pf.event_study(p, yname="wage", idname="state", tname="year", gname="g",
                    estimator="saturated", cluster="state")
agg = sa.aggregate()
out["rcs_sunab"] = {
    str(int(float(k))): {"estimate": float(r["Estimate"]), "std_error": float(r["Std. Error"])}
    for k, r in agg.iterrows()
}
out["rcs_sunab_nobs"] = int(sa._N)
# Imputation (BJS): state and year effects fitted on untreated individuals, untreated wages
# imputed for the treated, differences averaged by event time (exact least squares), and
# pyfixest's did2s (same point estimates, Gardner's clustered standard errors).
p["treated"] = p["policy"] == 1
events = sorted(int(e) for e in p.loc[p.treated, "rel"].unique())
for e in events:
    p[f"e{e}"] = ((p["rel"] == e) & p.treated).astype(float)
d2 = pf.did2s(p, yname="wage", first_stage="~ 0 | state + year",
              second_stage="~ " + " + ".join(f"e{e}" for e in events), treatment="treated",
              cluster="state")
out["rcs_did2s"] = {str(e): {"estimate": float(d2.coef()[f"e{e}"]), "std_error": float(d2.se()[f"e{e}"])}
                    for e in events}
X = np.hstack([pd.get_dummies(p["state"]).to_numpy(float),
               pd.get_dummies(p["year"]).to_numpy(float)[:, 1:]])
untreated = ~p["treated"].to_numpy()
gamma, *_ = np.linalg.lstsq(X[untreated], p["wage"].to_numpy()[untreated], rcond=None)
tau = p["wage"].to_numpy() - X @ gamma
out["rcs_imputation_exact"] = {str(e): float(tau[(p["rel"].to_numpy() == e) & ~untreated].mean())
                               for e in events}
out["rcs_imputation_exact"]["overall"] = float(tau[~untreated].mean())

# --- A cross-section: firms, no time key ---------------------------------------------------
n = 1500
ind = rng.choice(["Agriculture", "Manufacturing", "Retail", "Services", "Construction"], n)
ind_fe = {"Agriculture": 0.2, "Manufacturing": -0.1, "Retail": 0.0, "Services": 0.3, "Construction": -0.2}
x1, x2, z = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
u = rng.normal(size=n)
d = 0.6 * z + 0.5 * u + rng.normal(size=n)
y = 1.0 + np.vectorize(ind_fe.get)(ind) + 0.5 * x1 - 0.3 * x2 + 0.8 * d + u
mu = np.exp(0.5 + 0.3 * x1 - 0.2 * x2 + np.vectorize(ind_fe.get)(ind))
count = rng.poisson(mu)
cross = pd.DataFrame({"industry": ind, "x1": x1.round(6), "x2": x2.round(6), "z": z.round(6),
                      "d": d.round(6), "y": y.round(6), "count": count})
cross.to_csv(WS / "data" / "cross.csv", index=False)
c = pd.read_csv(WS / "data" / "cross.csv")
out["cs_ols_hc1"] = tidy(pf.feols("y ~ x1 + x2", data=c, vcov="hetero"))
out["cs_ols_fe"] = tidy(pf.feols("y ~ x1 + x2 | industry", data=c, vcov="hetero", fixef_tol=1e-14))
out["cs_iv"] = tidy(pf.feols("y ~ x1 + x2 | d ~ z", data=c, vcov="hetero"))
# PPML with industry effects and iid errors, iterated to a deviance tolerance of 1e-14 (the
# spec sets the same `tol`): fixest, pyfixest and regspec all take the vcov's weights from the
# last IRLS step, so two fits stopped at different tolerances differ in their standard errors
# (by about 5e-6 relative on these low counts at the default 1e-8) though not in coefficients.
out["cs_ppml"] = tidy(pf.fepois("count ~ x1 + x2 | industry", data=c, vcov="iid",
                                fixef_tol=1e-14, iwls_tol=1e-14, iwls_maxiter=200))

# --- Worker-firm spells: several rows per (worker, year) ----------------------------------
workers, firms = 400, 40
firm_fe = rng.normal(0, 0.3, firms)
worker_fe = rng.normal(0, 0.5, workers)
rows = []
for w in range(workers):
    home = int(rng.integers(0, firms))
    for yr in range(2001, 2009):
        if rng.random() < 0.15:
            home = int(rng.integers(0, firms))
        jobs = [home] + ([int(rng.integers(0, firms))] if rng.random() < 0.3 else [])
        for f in jobs:
            x1 = rng.normal()
            x2 = rng.normal()
            y = worker_fe[w] + firm_fe[f] + 0.4 * x1 - 0.2 * x2 + rng.normal(0, 0.3)
            rows.append({"worker": f"W{w:04d}", "firm": f"F{f:03d}", "year": yr,
                         "x1": round(x1, 6), "x2": round(x2, 6), "y": round(y, 6)})
spells = pd.DataFrame(rows).sample(frac=1, random_state=2).reset_index(drop=True)
spells.to_csv(WS / "data" / "spells.csv", index=False)
s = pd.read_csv(WS / "data" / "spells.csv")
assert s.duplicated(["worker", "year"]).any(), "spells must have several rows per worker and year"
out["spells_akm"] = tidy(pf.feols("y ~ x1 + x2 | worker + firm", data=s, vcov={"CRV1": "firm"},
                                  fixef_tol=1e-14))
out["spells_akm_year"] = tidy(pf.feols("y ~ x1 + x2 | worker + firm + year", data=s,
                                       vcov={"CRV1": "firm"}, fixef_tol=1e-14))

(ROOT / "tests" / "reference" / "shapes_reference.json").write_text(
    json.dumps(out, indent=1, sort_keys=True) + "\n"
)
print({k: v.get("nobs") if isinstance(v, dict) else v for k, v in out.items()})
