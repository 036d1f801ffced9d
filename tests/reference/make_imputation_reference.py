"""Reference values for regspec's imputation (Borusyak-Jaravel-Spiess) estimator on the
committed demo panel:

- `exact`: the imputation estimates computed here by ordinary least squares with numpy (unit
  and year dummies fitted on untreated observations, untreated outcomes imputed, differences
  averaged by event time): exact up to rounding;
- pyfixest 0.60's `did2s` (Gardner's two-stage estimator, same point estimates) and its
  clustered GMM standard errors. pyfixest recovers the first-stage fixed effects iteratively,
  so its numbers agree with an exact solve to about 1e-6 relative (the Rust test's tolerance
  for them is 1e-5; for `exact` it is 1e-10).

    /tmp/ref/bin/python tests/reference/make_imputation_reference.py
"""
import json
import pathlib

import pandas as pd
import pyfixest as pf
from demo_panel import load_demo  # the demo panel with the study's variables

ROOT = pathlib.Path(__file__).resolve().parents[2]
df = load_demo()
df["treated"] = (df["sign_year"].notna() & (df["year"] >= df["sign_year"])).astype(bool)
df["rel"] = (df["year"] - df["sign_year"]).where(df["treated"])
events = sorted(int(e) for e in df["rel"].dropna().unique())
for e in events:
    df[f"d{e}"] = (df["rel"] == e).astype(float)
df["unit"] = pd.factorize(df["iso3"])[0]
out = {}
for y in ["homic", "hosic"]:
    fit = pf.did2s(df, yname=y, first_stage="~ 0 | unit + year",
                   second_stage="~ " + " + ".join(f"d{e}" for e in events), treatment="treated", cluster="unit")
    coefs, ses = fit.coef(), fit.se()
    out[y] = {str(e): {"estimate": float(coefs[f"d{e}"]), "std_error": float(ses[f"d{e}"])} for e in events}
    att = pf.did2s(df, yname=y, first_stage="~ 0 | unit + year", second_stage="~ treated", treatment="treated", cluster="unit")
    out[y + "_overall"] = {"estimate": float(att.coef().iloc[-1]), "std_error": float(att.se().iloc[-1])}
import numpy as np

for y in ["homic", "hosic"]:
    units = pd.get_dummies(df["unit"]).to_numpy(float)
    years = pd.get_dummies(df["year"]).to_numpy(float)[:, 1:]
    X = np.hstack([units, years])
    untreated = ~df["treated"].to_numpy()
    gamma, *_ = np.linalg.lstsq(X[untreated], df[y].to_numpy()[untreated], rcond=None)
    tau = df[y].to_numpy() - X @ gamma
    out[y + "_exact"] = {str(e): float(tau[df["rel"].to_numpy() == e].mean()) for e in events}
    out[y + "_exact"]["overall"] = float(tau[~untreated].mean())
(pathlib.Path(__file__).parent / "imputation_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps(out["homic"], indent=1)[:600], out["homic_overall"])

# BJS's pre-trend test: untreated observations only, unit and year FE, dummies for the 3
# periods before adoption, clustered by unit; Wald statistic of the leads.
import numpy as np  # noqa: E402

for y in ["homic", "hosic"]:
    d = df[~df["treated"]].copy()
    for k in (1, 2, 3):
        d[f"lead{k}"] = ((d["sign_year"] - d["year"]) == k).astype(float)
    fit = pf.feols(f"{y} ~ lead1 + lead2 + lead3 | unit + year", data=d, vcov={"CRV1": "unit"}, fixef_tol=1e-14)
    w = fit.wald_test(R=np.eye(3), distribution="F")
    out[y + "_pretrend"] = {"f_stat": float(w["statistic"]), "nobs": int(fit._N)}
(pathlib.Path(__file__).parent / "imputation_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
