"""Reference values for regspec's panel HAC standard errors (Driscoll-Kraay, and Newey-West
within units), computed by pyfixest 0.60 (`vcov="DK"` / `"NW"` with `vcov_kwargs`) on the
committed demo panel (data/demo_panel.csv, simulated by regspec) with the study's variables
computed independently in pandas (demo_panel.py).

    /tmp/ref/bin/pip install pyfixest==0.60.0
    /tmp/ref/bin/python tests/reference/make_hac_reference.py
"""
import json
import pathlib

import pyfixest as pf
from demo_panel import load_demo

df = load_demo()
# pyfixest's HAC code needs a numeric panel id.
df["unit"] = df["iso3"].factorize()[0]
CASES = {
    # name: (formula, vcov, lag)
    "dk_lag2": ("homic ~ treat_post | iso3 + year", "DK", 2),
    "dk_default_lag": ("homic ~ treat_post + ln_pgdp | iso3 + year", "DK", None),
    "nw_lag2": ("homic ~ treat_post | iso3 + year", "NW", 2),
    "dk_no_fe_lag3": ("hosic ~ treat_post + urban", "DK", 3),
}
out = {}
for name, (fml, vcov, lag) in CASES.items():
    kw = {"time_id": "year", "panel_id": "unit"}
    if lag is not None:
        kw["lag"] = lag
    fit = pf.feols(fml, data=df, vcov=vcov, vcov_kwargs=kw)
    tidy = fit.tidy()
    out[name] = {
        "nobs": int(fit._N),
        "coefficients": {
            k: {"estimate": float(r["Estimate"]), "se": float(r["Std. Error"]),
                "p": float(r["Pr(>|t|)"])}
            for k, r in tidy.iterrows()
        },
    }
(pathlib.Path(__file__).parent / "hac_reference.json").write_text(
    json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps(out, indent=1))
