"""Reference values for regspec's local-projections DiD (`estimator: lpdid`) on the committed
demo panel (data/demo_panel.csv, simulated by regspec; balanced, so pyfixest's leads and lags
by rows equal regspec's by periods): pyfixest 0.60's `lpdid` (after Cardazzi's R `lpdid`),
event study (`att=False`, pre-periods -5..-2, post 0..4) and pooled (`att=True`, 0..4), CR1
by country, for HOMIC and HOSIC. Never-treated countries have no `sign_year`; pyfixest wants a
code for them (0). pyfixest's `lpdid` has no reweighted version (its `reweight` is unused), so
neither has this reference.

A second implementation, diff-diff 3.13's `LPDiD` (its default, not reweighted), is run on
the same data and must agree with pyfixest to 1e-8 (estimates, SEs, observations, both outcomes,
every horizon and the pooled post effect): checked here, and the script stops if it does not.
The equally weighted version (`reweight`), which pyfixest lacks, is diff-diff's alone
(`reweighted` in the JSON).

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
import diff_diff  # noqa: E402

df["D"] = (df["sign_year"].notna() & (df["year"] >= df["sign_year"])).astype(int)
worst = 0.0
for y in ["homic", "hosic"]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = diff_diff.LPDiD(pre_window=5, post_window=4, cluster="iso3").fit(
            df, outcome=y, unit="iso3", time="year", treatment="D")
    for _, row in r.event_study.iterrows():
        h = str(int(row["horizon"]))
        if h == "-1":
            continue
        ours = out[y]["horizons"][h]
        assert int(row["n_obs"]) == ours["nobs"], (y, h)
        for a, b in [(row["coefficient"], ours["estimate"]), (row["se"], ours["se"])]:
            worst = max(worst, abs(a - b) / abs(b))
    post = r.pooled[r.pooled["window"] == "post"].iloc[0]
    assert int(post["n_obs"]) == out[y]["pooled"]["nobs"]
    for a, b in [(post["coefficient"], out[y]["pooled"]["estimate"]), (post["se"], out[y]["pooled"]["se"])]:
        worst = max(worst, abs(a - b) / abs(b))
assert worst <= 1e-8, worst
out["diff_diff_max_relative_difference"] = worst

# The equally weighted version (`reweight=True`), which pyfixest does not have: diff-diff's
# alone (weights N_t / C_t per period of each horizon's realised sample).
for y in ["homic", "hosic"]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = diff_diff.LPDiD(pre_window=5, post_window=4, cluster="iso3", reweight=True).fit(
            df, outcome=y, unit="iso3", time="year", treatment="D")
    rows = {}
    for _, row in r.event_study.iterrows():
        h = str(int(row["horizon"]))
        if h != "-1":
            rows[h] = {"estimate": float(row["coefficient"]), "se": float(row["se"]), "nobs": int(row["n_obs"])}
    post = r.pooled[r.pooled["window"] == "post"].iloc[0]
    out[y]["reweighted"] = {"horizons": rows, "pooled": {
        "estimate": float(post["coefficient"]), "se": float(post["se"]), "nobs": int(post["n_obs"])}}
(pathlib.Path(__file__).parent / "lpdid_reference.json").write_text(
    json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps(out, indent=1)[:1500])
