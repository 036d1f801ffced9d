"""Reference values for regspec's local-projections DiD (`estimator: lpdid`) on the committed
demo panel (data/demo_panel.csv, simulated by regspec; balanced, so pyfixest's leads and lags
by rows equal regspec's by periods): pyfixest 0.60's `lpdid` (after Cardazzi's R `lpdid`),
event study (`att=False`, pre-periods -5..-2, post 0..4) and pooled (`att=True`, 0..4), CR1
by country, for HOMIC and HOSIC. Never-treated countries have no `sign_year`; pyfixest wants a
code for them (0). pyfixest's `lpdid` has no reweighted version (its `reweight` is unused), so
neither has this reference.

    /tmp/ref/bin/python tests/reference/make_lpdid_reference.py
"""
import json
import pathlib
import warnings

import pyfixest as pf
from demo_panel import load_demo

df = load_demo()
df["g"] = df["sign_year"].fillna(0).astype(int)
out = {}
for y in ["homic", "hosic"]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        es = pf.lpdid(df, yname=y, idname="iso3", tname="year", gname="g", vcov={"CRV1": "iso3"},
                      pre_window=-5, post_window=4, att=False)
        pooled = pf.lpdid(df, yname=y, idname="iso3", tname="year", gname="g", vcov={"CRV1": "iso3"},
                          pre_window=-5, post_window=4, att=True)
    rows = {}
    for name, r in es.tidy().iterrows():
        h = int(str(name).split("::")[1])
        rows[str(h)] = {"estimate": float(r["Estimate"]), "se": float(r["Std. Error"]),
                        "p": float(r["Pr(>|t|)"]), "ci_low": float(r["2.5%"]),
                        "ci_high": float(r["97.5%"]), "nobs": int(r["N"])}
    p = pooled.tidy().iloc[0]
    out[y] = {"horizons": rows,
              "pooled": {"estimate": float(p["Estimate"]), "se": float(p["Std. Error"]),
                         "nobs": int(p["N"])}}
(pathlib.Path(__file__).parent / "lpdid_reference.json").write_text(
    json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps(out, indent=1)[:1500])
