"""Reference values for Callaway-Sant'Anna with clustering above the unit, sampling weights, an
unbalanced panel and the universal base period, computed by `csdid` 0.4.3 (PyPI, the Python port
of R's `did` 2.5) with analytic standard errors.

It also writes the fixtures the Rust tests read (made here, from the committed demo panel that
regspec simulates; nothing in them is real data):
  tests/fixtures/cs/data/panel.csv     the demo panel's iso3, year, sign_year, homic, ln_pgdp, urban,
                                    a sampling weight `w` fixed per country and a cluster `cl`
                                    grouping countries in 12 clusters above the unit;
  tests/fixtures/cs/data/unbalanced.csv  the same with about 8% of rows removed (seeded), so some
                                    countries miss some years.

    /tmp/ref/bin/pip install csdid==0.4.3
    /tmp/ref/bin/python tests/reference/make_cs_extended_reference.py
"""
import contextlib
import io
import json
import pathlib
import warnings

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt
from demo_panel import load_demo

HERE = pathlib.Path(__file__).resolve().parent
FIX = HERE.parent / "fixtures" / "cs" / "data"
FIX.mkdir(parents=True, exist_ok=True)

df = load_demo()[["iso3", "year", "sign_year", "homic", "ln_pgdp", "urban"]].copy()
k = df["iso3"].str[1:].astype(int)
df["w"] = 0.5 + 0.5 * (k % 4)
df["cl"] = "C" + (k % 12).astype(str).str.zfill(2)
df.to_csv(FIX / "panel.csv", index=False, float_format="%.17g")
rng = np.random.default_rng(20261130)
keep = rng.random(len(df)) > 0.08
unb = df[keep].copy()
unb.to_csv(FIX / "unbalanced.csv", index=False, float_format="%.17g")


def prep(d):
    d = d.copy()
    d["g"] = d["sign_year"].fillna(0).astype(int)
    d.loc[d["g"] > d["year"].max(), "g"] = 0
    d["unit"] = pd.factorize(d["iso3"])[0] + 1
    return d


CASES = {
    # name: (data, control, anticipation, xformla, method, base_period, cluster, weights, unbalanced)
    "cluster": (df, "nevertreated", 0, None, "dr", "varying", "cl", None, False),
    "weights": (df, "nevertreated", 0, None, "dr", "varying", None, "w", False),
    "weights_cluster_notyet": (df, "notyettreated", 0, None, "dr", "varying", "cl", "w", False),
    "weights_dr": (df, "nevertreated", 0, "~ ln_pgdp + urban", "dr", "varying", None, "w", False),
    "universal": (df, "nevertreated", 0, None, "dr", "universal", None, None, False),
    "universal_notyet_anticipation1": (df, "notyettreated", 1, None, "dr", "universal", None, None, False),
    "unbalanced": (unb, "nevertreated", 0, None, "dr", "varying", None, None, True),
    "unbalanced_weights_cluster": (unb, "notyettreated", 0, None, "dr", "varying", "cl", "w", True),
    "unbalanced_universal": (unb, "nevertreated", 0, None, "dr", "universal", None, None, True),
}

out = {}
for name, (data, control, ant, xf, method, base, cl, w, unbalanced) in CASES.items():
    d = prep(data)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        att = ATTgt(yname="homic", gname="g", idname="unit", tname="year", data=d,
                    control_group=control, anticipation=ant, xformla=xf, clustervar=cl,
                    weights_name=w, allow_unbalanced_panel=unbalanced).fit(
                        est_method=method, base_period=base, bstrap=False)
        r = att.results
        fin = lambda v: float(v) if np.isfinite(v) else None
        cells = [{"group": int(g), "time": int(t), "att": float(a), "se": fin(s_)}
                 for g, t, a, s_ in zip(r["group"], r["year"], r["att"], r["se"])]
        res = {"cells": cells}
        for typ in ["simple", "dynamic", "group", "calendar"]:
            att.aggte(typec=typ, bstrap=False)
            a = att.atte
            if typ == "simple":
                res[typ] = {"att": float(a["overall_att"]), "se": float(a["overall_se"])}
            else:
                res[typ] = [{"e": int(e), "att": float(x), "se": fin(s_)}
                            for e, x, s_ in zip(a["egt"], a["att_egt"], a["se_egt"])]
    out[name] = res
(HERE / "cs_extended_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
for n, r in out.items():
    print(n, json.dumps(r["simple"]), len(r["cells"]))
