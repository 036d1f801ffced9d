"""Reference values for regspec's Romano-Wolf stepdown (`adjust: [romano_wolf]`): pyfixest
0.60's `rwolf` (wildboottest's restricted wild cluster bootstrap per model, Rademacher
weights, then the stepdown) on four models of the committed demo panel (data/demo_panel.csv,
simulated by regspec): HOMIC and HOSIC on Treat x Post, without and with controls, country and
year FE, clustered by country. The draws differ from regspec's (another generator), so the Rust
test allows Monte Carlo error; Bonferroni and Holm of the same p-values are exact elsewhere.

    /tmp/ref/bin/pip install pyfixest==0.60.0 wildboottest
    /tmp/ref/bin/python tests/reference/make_rwolf_reference.py
"""
import json
import pathlib
import warnings

import pyfixest as pf
from demo_panel import load_demo

df = load_demo()
# wildboottest needs a numeric cluster id.
df["unit"] = df["iso3"].factorize()[0]
controls = "ln_pgdp + adv + labor + urban + open"
fits = []
names = []
for y in ["homic", "hosic"]:
    for c, tag in [("", "plain"), (" + " + controls, "controls")]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits.append(pf.feols(f"{y} ~ treat_post{c} | iso3 + year", data=df, vcov={"CRV1": "unit"}))
        names.append(f"{y}_{tag}")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    rw = pf.rwolf(fits, "treat_post", reps=9999, seed=12345)
out = {"draws": 9999, "models": {}}
for name, fit, col in zip(names, fits, rw.columns):
    out["models"][name] = {
        "p_cr1": float(fit.pvalue()["treat_post"]),
        "p_rwolf": float(rw.loc["RW Pr(>|t|)", col]),
    }
(pathlib.Path(__file__).parent / "rwolf_reference.json").write_text(json.dumps(out, indent=1) + "\n")
print(json.dumps(out, indent=1))
print(rw)
