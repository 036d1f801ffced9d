"""Reference values for regspec's Sun-Abraham estimator: pyfixest 0.60's saturated event study
(`pf.event_study(..., estimator="saturated")` and its `aggregate()` by period, Sun-Abraham
share weights), and the overall ATT from its cell coefficients and vcov, on the committed demo panel (data/demo_panel.csv, simulated by regspec).

    /tmp/ref/bin/python tests/reference/make_sunab_reference.py
"""
import json
import pathlib

import numpy as np
import pandas as pd
import pyfixest as pf
from demo_panel import load_demo  # the demo panel with the study's variables

ROOT = pathlib.Path(__file__).resolve().parents[2]
df = load_demo()
df["g"] = df["sign_year"].fillna(0).astype(int)
df["unit"] = pd.factorize(df["iso3"])[0]
out = {}
for y in ["homic", "hosic"]:
    fit = pf.event_study(df, yname=y, idname="unit", tname="year", gname="g", estimator="saturated", cluster="unit")
    agg = fit.aggregate()
    out[y] = {str(int(float(k))): {"estimate": float(r["Estimate"]), "std_error": float(r["Std. Error"])} for k, r in agg.iterrows()}
    out[y + "_nobs"] = int(fit._N)
    # The overall ATT (fixest's `agg = "ATT"`): the post-period cells' coefficients weighted by
    # their numbers of treated observations, with its delta-method standard error from the
    # saturated fit's vcov.
    names = list(fit.coef().index)
    beta = fit.coef().to_numpy()
    V = np.asarray(fit._vcov)
    w = np.zeros(len(names))
    for i, n in enumerate(names):
        rel, g = n.split(":first_treated_period::")
        k, g = float(rel.split("::")[1]), int(g)
        if k >= 0:
            w[i] = ((df["g"] == g) & (df["year"] - df["g"] == k)).sum()
    w = w / w.sum()
    out[y + "_att"] = {"estimate": float(w @ beta), "std_error": float(np.sqrt(w @ V @ w))}
(pathlib.Path(__file__).parent / "sunab_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps(out, indent=1)[:1200])
