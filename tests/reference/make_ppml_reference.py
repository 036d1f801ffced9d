"""Reference values for regspec's Poisson PML with fixed effects, computed by pyfixest 0.60
`fepois` (IRLS to a deviance tolerance of 1e-14, demeaning to 1e-14, separation check "fe"),
with each coefficient's SE, p-value and 95% interval (normal-based, as fixest for GLMs), on
the committed demo panel (data/demo_panel.csv, simulated by regspec) with the study's variables
computed independently in pandas (demo_panel.py). `coop0` is `coop` with every value of country
S01 set to zero, so that its country FE separates it.

    /tmp/ref/bin/pip install pyfixest==0.60.0
    /tmp/ref/bin/python tests/reference/make_ppml_reference.py
"""
import json
import pathlib
import warnings

import numpy as np
import pyfixest as pf
from demo_panel import load_demo

df = load_demo()
df["coop0"] = np.where(df["iso3"] == "S01", 0.0, df["coop"])
CASES = {
    "ppml_fe_cluster": ("coop ~ treat_post + ln_pgdp | iso3 + year", {"CRV1": "iso3"}),
    "ppml_separation": ("coop0 ~ treat_post | iso3 + year", {"CRV1": "iso3"}),
    "ppml_no_fe_hetero": ("coop ~ treat_post + urban", "hetero"),
    "ppml_fe_iid": ("coop ~ treat_post | iso3 + year", "iid"),
}
out = {}
for name, (fml, vcov) in CASES.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.fepois(fml, data=df, vcov=vcov, iwls_tol=1e-14, iwls_maxiter=200, fixef_tol=1e-14)
    tidy = fit.tidy()
    out[name] = {
        "nobs": int(fit._N),
        "deviance": float(np.asarray(fit.deviance).ravel()[0]),
        "pseudo_r2": float(fit._pseudo_r2),
        "coefficients": {
            k: {"estimate": float(r["Estimate"]), "se": float(r["Std. Error"]),
                # pyfixest (as fixest) takes a GLM's p-values and intervals from the normal.
                "p": float(r["Pr(>|t|)"]), "ci_low": float(r["2.5%"]), "ci_high": float(r["97.5%"])}
            for k, r in tidy.iterrows()
        },
    }
(pathlib.Path(__file__).parent / "ppml_reference.json").write_text(
    json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps(out, indent=1))
