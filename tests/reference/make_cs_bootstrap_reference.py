"""Reference for regspec's multiplier bootstrap of Callaway-Sant'Anna dynamic effects: csdid's
bootstrap (20,000 iterations, uniform band) on the committed demo panel. Both are Monte Carlo
estimates with different generators, so the Rust test compares them within tolerances.

    /tmp/ref/bin/python tests/reference/make_cs_bootstrap_reference.py
"""
import json
import pathlib

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt
from demo_panel import load_demo  # the demo panel with the study's variables

ROOT = pathlib.Path(__file__).resolve().parents[2]
df = load_demo()
df["g"] = df["sign_year"].fillna(0).astype(int)
df.loc[df["g"] > df["year"].max(), "g"] = 0
df["unit"] = pd.factorize(df["iso3"])[0]
np.random.seed(1)
att = ATTgt(yname="homic", gname="g", idname="unit", tname="year", data=df, control_group="nevertreated").fit(
    est_method="dr", base_period="varying", bstrap=False)
att.aggte(typec="dynamic", bstrap=True, biters=20000, cband=True)
r = att.atte
out = {"e": [int(e) for e in r["egt"]], "se": [float(x) for x in np.ravel(r["se_egt"])],
       "crit_val": float(r["crit_val_egt"]), "iterations": 20000}
(pathlib.Path(__file__).parent / "cs_bootstrap_reference.json").write_text(json.dumps(out, indent=1) + "\n")
print(out["crit_val"], out["se"][:3])
