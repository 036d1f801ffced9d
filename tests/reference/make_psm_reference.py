"""Reference values for regspec's PSM-DID, computed independently on the committed demo panel
(data/demo_panel.csv, simulated by regspec itself):

- the propensity score by statsmodels' Logit (MLE, default standard errors);
- greedy 1:1 nearest-neighbour matching on the logit score, written here from the definition
  (treated units in order of their first appearance, ties to the earlier control, caliper in
  standard deviations of the logit score, sample SD);
- standardised differences (in %, pooled SD of the unmatched sample);
- the DID on the matched sample by pyfixest with the matching counts as weights.

    /tmp/ref/bin/python tests/reference/make_psm_reference.py
"""
import json
import pathlib

import numpy as np
import pandas as pd
import pyfixest as pf
import statsmodels.api as sm
from demo_panel import load_demo  # the demo panel with the study's variables

ROOT = pathlib.Path(__file__).resolve().parents[2]
df = load_demo()
cov = ["ln_pgdp", "adv", "labor", "urban", "open"]
units = list(dict.fromkeys(df["iso3"]))  # order of first appearance
pre = df[df["year"] <= 2012].groupby("iso3")[cov].mean().reindex(units)
treated = df.groupby("iso3")["treat"].max().reindex(units).astype(float)
X = sm.add_constant(pre.values)
lg = sm.Logit(treated.values, X).fit(disp=0, tol=1e-12, maxiter=200)
lps = X @ lg.params

out = {"logit": {"coef": lg.params.tolist(), "se": lg.bse.tolist(), "loglik": float(lg.llf)}}
for replacement in (True, False):
    cal = 0.2 * np.std(lps, ddof=1)
    w = np.zeros(len(units))
    used = np.zeros(len(units), bool)
    for t in range(len(units)):
        if treated.iloc[t] != 1:
            continue
        best, bd = None, None
        for c in range(len(units)):
            if treated.iloc[c] == 1 or (not replacement and used[c]):
                continue
            d = abs(lps[c] - lps[t])
            if bd is None or d < bd:
                best, bd = c, d
        if best is not None and bd <= cal:
            w[t] = 1
            w[best] += 1
            used[best] = True
    tr = treated.values == 1
    bal = []
    for j, c in enumerate(cov):
        v = pre[c].values
        mt, mc = v[tr].mean(), v[~tr].mean()
        pooled = np.sqrt((v[tr].var(ddof=1) + v[~tr].var(ddof=1)) / 2)
        mt_a = np.average(v[tr], weights=w[tr])
        mc_a = np.average(v[~tr], weights=w[~tr])
        bal.append({"variable": c, "std_diff_before": 100 * (mt - mc) / pooled, "std_diff_after": 100 * (mt_a - mc_a) / pooled,
                    "mean_control_after": mc_a})
    weight = dict(zip(units, w))
    d = df.copy()
    d["w"] = d["iso3"].map(weight)
    d = d[d["w"] > 0]
    res = {}
    for y in ("homic", "hosic"):
        fit = pf.feols(f"{y} ~ treat_post + " + " + ".join(cov) + " | iso3 + year", data=d, weights="w",
                       vcov={"CRV1": "iso3"}, fixef_tol=1e-14)
        res[y] = {"coef": float(fit.coef()["treat_post"]), "se": float(fit.se()["treat_post"]), "nobs": int(fit._N)}
    out["replacement" if replacement else "no_replacement"] = {
        "n_matched_treated": int((w[tr] > 0).sum()), "n_controls_used": int((w[~tr] > 0).sum()),
        "balance": bal, "did": res}
(pathlib.Path(__file__).parent / "psm_reference.json").write_text(json.dumps(out, indent=1) + "\n")
print(json.dumps(out, indent=1)[:1500])
