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

# The imputation event study with leads that HonestDiD is handed (regspec's
# `imputation_with_leads`): did2s with a second stage of lead dummies (not-yet-treated
# observations k <= -2 periods before adoption) and the post-period dummies; the joint vcov.
d = df.copy()
d["k"] = d["year"] - d["sign_year"]
leads = sorted(int(k) for k in d.loc[d["sign_year"].notna() & (d["k"] <= -2), "k"].unique())
for k in leads:
    d[f"lm{-k}"] = ((d["k"] == k) & ~d["treated"]).astype(float)
names = [f"lm{-k}" for k in leads] + [f"d{e}" for e in events]
fit = pf.did2s(d, yname="homic", first_stage="~ 0 | unit + year",
               second_stage="~ " + " + ".join(names), treatment="treated", cluster="unit")
coefs = fit.coef()
vc = np.asarray(fit._vcov)
idx = [list(coefs.index).index(n) for n in names]
# The exact lead and post effects: means of the exactly solved first-stage residual (`tau` of
# `homic` above) over the observations of each event time.
units = pd.get_dummies(d["unit"]).to_numpy(float)
years = pd.get_dummies(d["year"]).to_numpy(float)[:, 1:]
X = np.hstack([units, years])
untreated = ~d["treated"].to_numpy()
gamma, *_ = np.linalg.lstsq(X[untreated], d["homic"].to_numpy()[untreated], rcond=None)
tau = d["homic"].to_numpy() - X @ gamma
exact = [float(tau[d[n].to_numpy() == 1].mean()) for n in names]
joint = {
    "beta_exact": exact,
    "event_times": leads + events,
    "beta": [float(coefs.iloc[i]) for i in idx],
    "vcov": [[float(vc[i, j]) for j in idx] for i in idx],
}
ref = json.loads((pathlib.Path(__file__).parent / "imputation_reference.json").read_text())
ref["homic_leads"] = joint
(pathlib.Path(__file__).parent / "imputation_reference.json").write_text(json.dumps(ref, indent=1, sort_keys=True) + "\n")
print("leads", leads, joint["beta"][:3])
