"""Reference values for regspec's two-stage least squares with fixed effects, computed by
pyfixest 0.60 (`feols("y ~ x | fe | d ~ z")`, and `IV_Diag()` for the first-stage F test of the
excluded instruments) on the committed demo panel (data/demo_panel.csv, simulated by regspec)
with the study's variables computed independently in pandas (demo_panel.py).

    /tmp/ref/bin/pip install pyfixest==0.60.0
    /tmp/ref/bin/python tests/reference/make_iv_reference.py
"""
import json
import pathlib
import warnings

import pyfixest as pf
from demo_panel import load_demo

df = load_demo()
CASES = {
    # name: (formula, vcov)
    "iv_fe_cluster": ("homic ~ ln_pgdp | iso3 + year | treat_post ~ treat_post_alt", {"CRV1": "iso3"}),
    "iv_two_instruments": ("homic ~ ln_pgdp + urban | iso3 + year | treat_post ~ treat_post_alt + treat_post_route", {"CRV1": "iso3"}),
    "iv_no_fe_hetero": ("hosic ~ urban | treat_post ~ treat_post_alt", "hetero"),
    "iv_fe_iid": ("homic ~ 1 | iso3 + year | treat_post ~ treat_post_alt", "iid"),
}
out = {}
for name, (fml, vcov) in CASES.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols(fml, data=df, vcov=vcov)
        fit.IV_Diag()
    tidy = fit.tidy()
    out[name] = {
        "nobs": int(fit._N),
        "coefficients": {
            k: {"estimate": float(r["Estimate"]), "se": float(r["Std. Error"])}
            for k, r in tidy.iterrows()
        },
        "first_stage_f": float(fit._f_stat_1st_stage),
    }
(pathlib.Path(__file__).parent / "iv_reference.json").write_text(
    json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps(out, indent=1))
