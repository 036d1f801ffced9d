"""Reference values for regspec's Sun-Abraham estimator: pyfixest 0.60's saturated event study
(`pf.event_study(..., estimator="saturated")` and its `aggregate()` by period, Sun-Abraham
share weights) on the committed demo panel (data/demo_panel.csv, simulated by regspec).

    /tmp/ref/bin/python tests/reference/make_sunab_reference.py
"""
import json
import pathlib

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
(pathlib.Path(__file__).parent / "sunab_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps(out, indent=1)[:1200])
