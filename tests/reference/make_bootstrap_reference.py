"""Reference p-values for regspec's wild cluster bootstrap (WCR, bootstrap type 11), computed
by the independent `wildboottest` package (PyPI) on the committed demo panel.

    /tmp/ref/bin/pip install wildboottest statsmodels
    /tmp/ref/bin/python tests/reference/make_bootstrap_reference.py

Fixed effects enter as dummies (statsmodels OLS). Draws differ between the two programs, so
the Rust test compares p-values within Monte Carlo error (documented there).
"""
import json
import pathlib

import pandas as pd
import statsmodels.formula.api as smf
from wildboottest.wildboottest import wildboottest
from demo_panel import load_demo  # the demo panel with the study's variables

ROOT = pathlib.Path(__file__).resolve().parents[2]
df = load_demo()
out = {}
for y in ["homic", "hosic", "sd"]:
    for wt in ["rademacher", "webb"]:
        model = smf.ols(f"{y} ~ treat_post + ln_pgdp + adv + labor + urban + open + C(iso3) + C(year)", data=df)
        res = wildboottest(model, B=99999, cluster=pd.factorize(df["iso3"])[0], param="treat_post", weights_type=wt,
                           impose_null=True, bootstrap_type="11", seed=12345, show=False, parallel=False)
        out[f"{y}_{wt}"] = {"p_value": float(res["p-value"].iloc[0]), "t_stat": float(res["statistic"].iloc[0]), "draws": 99999}
        print(y, wt, out[f"{y}_{wt}"])
(pathlib.Path(__file__).parent / "bootstrap_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
