"""The state-year test workspace (tests/fixtures/states/) and its reference values.

    /tmp/ref/bin/python tests/reference/make_states_reference.py

Writes, all simulated by this script (seeded; no real data):
- tests/fixtures/states/data/states.csv: 40 US states (text key `state`), 8 BEA regions
  (text `region`), 2000-2015, one missing year (WY 2006, a gap), one missing outcome;
- tests/fixtures/states/data/states.dta: the same data as Stata 118 via pyreadstat, `region`
  as a labelled integer (value labels), `x` as float32 (values on a 1/64 grid, exact in both),
  `pop` with an extended missing value `.a` where the CSV has an empty cell, and variable
  labels on `y` and `x`;
- tests/reference/states_reference.json: pyfixest 0.60 fits of the workspace's specs, with
  every derived variable computed here independently in pandas (gap-aware lag by merging on
  (state, year - 1), cohort as the first treated year, explicit event-time dummies).
"""
import json
import pathlib

import numpy as np
import pandas as pd
import pyfixest as pf
import pyreadstat

ROOT = pathlib.Path(__file__).resolve().parents[2]
WS = ROOT / "tests" / "fixtures" / "states"
(WS / "data").mkdir(parents=True, exist_ok=True)

REGIONS = {
    "New England": ["CT", "ME", "MA", "NH", "RI"],
    "Mideast": ["DE", "MD", "NJ", "NY", "PA"],
    "Great Lakes": ["IL", "IN", "MI", "OH", "WI"],
    "Plains": ["IA", "KS", "MN", "MO", "NE"],
    "Southeast": ["AL", "AR", "FL", "GA", "KY"],
    "Southwest": ["AZ", "NM", "OK", "TX", "NV"],
    "Rocky Mountain": ["CO", "ID", "MT", "UT", "WY"],
    "Far West": ["CA", "OR", "WA", "AK", "HI"],
}
rng = np.random.default_rng(20261130)
rows = []
cohorts = [2005, 2008, 2011, None]
i = 0
for region, states in REGIONS.items():
    for s in states:
        g = cohorts[i % 4]
        i += 1
        a = rng.normal()
        for t in range(2000, 2016):
            if s == "WY" and t == 2006:
                continue  # a gap: lags across it must be missing
            treated = int(g is not None and t >= g)
            x = np.round(np.exp(rng.normal(1.0, 0.5)) * 64) / 64  # exact in float32
            y = 2 + a + 0.05 * (t - 2000) + 0.4 * treated + 0.3 * np.log(x) + rng.normal(0, 0.3)
            pop = float(rng.integers(1, 40)) * 1e5
            rows.append(dict(state=s, region=region, year=t, y=y, x=x, treated=treated, pop=pop))
df = pd.DataFrame(rows)
df.loc[(df.state == "OH") & (df.year == 2010), "y"] = np.nan
df.loc[(df.state == "TX") & (df.year == 2003), "pop"] = np.nan
df.to_csv(WS / "data" / "states.csv", index=False, float_format="%.17g")

# The .dta twin: region as labelled integers, x as float32, pop's missing as `.a`.
codes = {r: k + 1 for k, r in enumerate(REGIONS)}
dta = df.copy()
dta["region"] = dta["region"].map(codes).astype("int32")
dta["x"] = dta["x"].astype("float32")
dta["year"] = dta["year"].astype("int32")
dta["treated"] = dta["treated"].astype("int8")
dta["pop"] = dta["pop"].astype(object)
dta.loc[dta["pop"].isna(), "pop"] = "a"
pyreadstat.write_dta(
    dta,
    str(WS / "data" / "states.dta"),
    variable_value_labels={"region": {v: k for k, v in codes.items()}},
    # Variable labels (Stata's `label variable`): reports use them where a spec has none; the
    # `%` and `&` test that they are escaped for LaTeX.
    column_labels={"y": "Outcome index", "x": "Income per head (% & more)"},
    missing_user_values={"pop": ["a"]},
    version=15,
)

# Derived variables, computed independently of regspec.
d = df.copy()
d["ln_x"] = np.log(d["x"])
prev = d[["state", "year", "y"]].copy()
prev["year"] = prev["year"] + 1
d = d.merge(prev.rename(columns={"y": "y_l1"}), on=["state", "year"], how="left")
first = d[d.treated == 1].groupby("state")["year"].min()
d["cohort"] = d["state"].map(first)
d["treat_post"] = ((d["cohort"].notna()) & (d["year"] >= d["cohort"])).astype(float)
d["rel_f"] = (d["year"] - d["cohort"]).fillna(-1000)
levels = sorted(k for k in d["rel_f"].unique() if k not in (-1, -1000))
dummies = []
for k in levels:
    name = f"D_{'m' if k < 0 else ''}{abs(int(k))}"
    d[name] = (d["rel_f"] == k).astype(float)
    dummies.append((int(k), name))
d["region_year"] = d["region"] + "_" + d["year"].astype(str)


def fit(formula, cluster, data=d):
    f = pf.feols(formula, data=data, vcov={"CRV1": cluster}, fixef_tol=1e-14)
    t = f.tidy()
    return {
        "coefficients": {
            str(n): {"estimate": float(r["Estimate"]), "std_error": float(r["Std. Error"])}
            for n, r in t.iterrows()
        },
        "nobs": int(f._N),
    }


out = {
    "twfe": fit("y ~ treat_post + ln_x | state + region_year", "region"),
    "lagged": fit("y ~ treat_post + y_l1 | state + year", "state"),
    "west": fit(
        "y ~ treat_post + ln_x | state + year",
        "state",
        data=d[d.region.isin(["Far West", "Southwest"])],
    ),
    "es": fit("y ~ " + " + ".join(n for _, n in dummies) + " | state + year", "region"),
}
# Event-study names as regspec writes them: rel_f::k.
out["es"]["coefficients"] = {
    f"rel_f::{k}": out["es"]["coefficients"][n] for k, n in dummies
}
(ROOT / "tests" / "reference" / "states_reference.json").write_text(
    json.dumps(out, indent=1, sort_keys=True) + "\n"
)
print(json.dumps({k: v["nobs"] for k, v in out.items()}))
