"""Reference values for regspec's Callaway-Sant'Anna estimator, computed by `csdid` (PyPI, the
Python port of R's `did`) on the committed demo panel (data/demo_panel.csv, simulated by
regspec): ATT(g,t) with analytic standard errors (without covariates, and doubly robust with
covariates ln_pgdp and urban from the base period; varying base
period), the simple, dynamic (event-time), group and calendar aggregations, for never-treated and
not-yet-treated controls. Countries signing after the last sample year are never treated here.

    /tmp/ref/bin/pip install csdid
    /tmp/ref/bin/python tests/reference/make_cs_reference.py
"""
import json
import pathlib

import pandas as pd
from csdid.att_gt import ATTgt
from demo_panel import load_demo  # the demo panel with the study's variables

ROOT = pathlib.Path(__file__).resolve().parents[2]
df = load_demo()
df["g"] = df["sign_year"].fillna(0).astype(int)
df.loc[df["g"] > df["year"].max(), "g"] = 0
df["unit"] = pd.factorize(df["iso3"])[0]
out = {}
for y in ["homic", "hosic"]:
    for control, anticipation, xformla, method in [
            ("nevertreated", 0, None, "dr"), ("notyettreated", 0, None, "dr"), ("notyettreated", 1, None, "dr"),
            ("nevertreated", 0, "~ ln_pgdp + urban", "dr"), ("nevertreated", 0, "~ ln_pgdp + urban", "ipw"),
            ("nevertreated", 0, "~ ln_pgdp + urban", "reg")]:
        att = ATTgt(yname=y, gname="g", idname="unit", tname="year", data=df, control_group=control,
                    anticipation=anticipation, xformla=xformla).fit(est_method=method, base_period="varying", bstrap=False)
        r = att.results
        cells = [{"group": int(g), "time": int(t), "att": float(a), "se": float(s_)}
                 for g, t, a, s_ in zip(r["group"], r["year"], r["att"], r["se"])]
        simple = att.aggte(typec="simple", bstrap=False)
        simple_res = att.atte
        dyn = att.aggte(typec="dynamic", bstrap=False)
        dyn_res = att.atte
        att.aggte(typec="group", bstrap=False)
        grp = att.atte
        att.aggte(typec="calendar", bstrap=False)
        cal = att.atte
        out[f"{y}_{control}" + (f"_anticipation{anticipation}" if anticipation else "") + (f"_{method}" if xformla else "")] = {
            "cells": cells,
            "simple": {"att": float(simple_res["overall_att"]), "se": float(simple_res["overall_se"])},
            "dynamic": [{"e": int(e), "att": float(a), "se": float(s_)}
                        for e, a, s_ in zip(dyn_res["egt"], dyn_res["att_egt"], dyn_res["se_egt"])],
            "group": [{"e": int(e), "att": float(a), "se": float(s_)}
                      for e, a, s_ in zip(grp["egt"], grp["att_egt"], grp["se_egt"])],
            "calendar": [{"e": int(e), "att": float(a), "se": float(s_)}
                         for e, a, s_ in zip(cal["egt"], cal["att_egt"], cal["se_egt"])],
        }
(pathlib.Path(__file__).parent / "cs_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps(out["homic_nevertreated"]["simple"]), json.dumps(out["homic_nevertreated"]["dynamic"][:2]))
