"""Reference values for regspec's event-study estimator, computed by pyfixest 0.60 on the
committed demo panel (data/demo_panel.csv, simulated by regspec itself).

    /tmp/ref/bin/python tests/reference/make_event_study_reference.py

pyfixest's own `i()` builds the relative-period dummies: relative time binned to the window
[-5, 4], never-treated countries put in the reference period -1 (so all their dummies are
zero), the reference omitted. Writes tests/reference/event_study_reference.json.
"""
import json
import pathlib

import numpy as np
import pandas as pd
import pyfixest as pf
from demo_panel import load_demo  # the demo panel with the study's variables

ROOT = pathlib.Path(__file__).resolve().parents[2]
df = load_demo()
df["rel_b"] = df["rel_time"].clip(-5, 4).fillna(-1).astype(int)
controls = "ln_pgdp + adv + labor + urban + open"
out = {}
for y, cl in [("homic", "iso3"), ("hosic", "iso3"), ("homic", "cy")]:
    d = df.copy()
    d["cy"] = d["iso3"] + "_" + d["year"].astype(str)
    fit = pf.feols(f"{y} ~ i(rel_b, ref=-1) + {controls} | iso3 + year", data=d, vcov={"CRV1": cl},
                   fixef_tol=1e-14)
    tidy = fit.tidy()
    pts = {}
    names = [str(n) for n in tidy.index]
    for name, (_, row) in zip(names, tidy.iterrows()):
        if name.startswith("rel_b::"):
            pts[name.split("::")[1]] = {"estimate": float(row["Estimate"]), "std_error": float(row["Std. Error"])}
    # Joint test of the pre-period coefficients (-5..-2).
    pre = [i for i, n in enumerate(names) if n.startswith("rel_b::") and int(n.split("::")[1]) < -1]
    R = np.zeros((len(pre), len(names)))
    for r, i in enumerate(pre):
        R[r, i] = 1.0
    w = fit.wald_test(R=R, distribution="F")
    out[f"{y}_{cl}"] = {"points": pts, "pretrend_stat": float(w["statistic"]), "nobs": int(fit._N)}
(pathlib.Path(__file__).parent / "event_study_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps(out, indent=1)[:800])
