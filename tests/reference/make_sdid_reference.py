"""Reference values for regspec's synthetic DID (`estimator: sdid`) on the demo panel
(data/demo_panel.csv): the countries that signed in 2015 against those that never signed in the
panel's years (never, or after 2018), outcomes HOMIC and HOSIC, 2008-2014 before and 2015-2018
after.

Reference: diff-diff 3.13 `SyntheticDiD` (R synthdid's algorithm: Frank-Wolfe unit and time
weights with sparsification, zeta_omega = (N_tr T_post)^(1/4) sigma, zeta_lambda = 1e-6 sigma,
convergence at 1e-5 sigma), for
- the ATT, the unit weights and the time weights;
- the jackknife SE (synthdid's Algorithm 3, weights fixed);
- the placebo SE (Algorithm 4) on 200 permutations of the controls drawn here with numpy
  (seed 20261207) and handed to diff-diff through its R-parity seam `_placebo_indices`; the
  permutations are stored, and the Rust test gives regspec the same ones, so the SE is compared
  at 1e-8 rather than up to simulation noise. (regspec's own placebo draws come from its seeded
  ChaCha8 generator.)

The Frank-Wolfe weights are iterative: both implementations run the same steps and stopping
rule, so they agree to rounding; the tests use 1e-8 relative.

Also run, when the throwaway virtualenv at $SYNTHDID_PYTHON (default /tmp/synth/bin/python;
regenerate.sh makes one) with `synthdid==0.10.1` exists (its pins,
numpy 1.23 and pandas 1.5, cannot share requirements.txt: requirements-synthdid.txt): the
`synthdid` package's ATT (its unrounded `att_info`), recorded in `synthdid_package` and checked
against diff-diff's here.

    /tmp/ref/bin/python tests/reference/make_sdid_reference.py
"""
import json
import os
import pathlib
import subprocess
import warnings

import numpy as np
import pandas as pd
from diff_diff import SyntheticDiD

here = pathlib.Path(__file__).parent
root = here.parent.parent
df = pd.read_csv(root / "data/demo_panel.csv")
keep = df["sign_year"].isna() | (df["sign_year"] == 2015) | (df["sign_year"] > 2018)
df = df[keep].copy()
df["treated"] = (df["sign_year"] == 2015).astype(int)
post = list(range(2015, 2019))

rng = np.random.default_rng(20261207)
out = {"post_periods": post}
for y in ["homic", "hosic"]:
    # Controls and treated in diff-diff's order (its outcome matrices' columns).
    est = SyntheticDiD(variance_method="jackknife")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jk = est.fit(df, outcome=y, treatment="treated", unit="iso3", time="year",
                     post_periods=post)
    omega = jk.unit_weights
    controls = list(omega.keys()) if isinstance(omega, dict) else list(jk.unit_weights_df["unit"])
    n0 = len(controls)
    perms = [rng.permutation(n0).tolist() for _ in range(200)]
    orig = SyntheticDiD._placebo_variance_se

    def seeded(self, *a, **k):
        k["_placebo_indices"] = np.array(perms)
        return orig(self, *a, **k)

    SyntheticDiD._placebo_variance_se = seeded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pl = SyntheticDiD(variance_method="placebo", n_bootstrap=200).fit(
            df, outcome=y, treatment="treated", unit="iso3", time="year", post_periods=post)
    SyntheticDiD._placebo_variance_se = orig
    treated = sorted(df.loc[df["treated"] == 1, "iso3"].unique())
    years = sorted(df["year"].unique())
    wide = df.pivot(index="iso3", columns="year", values=y)
    out[y] = {
        "att": float(jk.att),
        "se_jackknife": float(jk.se),
        "se_placebo": float(pl.se),
        "att_placebo_fit": float(pl.att),
        "controls": controls,
        "treated": treated,
        "omega": {u: float(w) for u, w in (omega.items() if isinstance(omega, dict) else [])},
        "lambda": {str(t): float(w) for t, w in jk.time_weights.items()},
        "permutations": perms,
        "y": [[float(wide.loc[u, t]) for t in years] for u in controls + treated],
        "t_pre": len([t for t in years if t not in post]),
    }

# The synthdid package (a port of R's synthdid), in its own virtualenv when there is one.
synth = pathlib.Path(os.environ.get("SYNTHDID_PYTHON", "/tmp/synth/bin/python"))
if synth.exists():
    code = (
        "import json,pandas as pd\n"
        "from synthdid.synthdid import Synthdid\n"
        f"df=pd.read_csv('{root / 'data/demo_panel.csv'}')\n"
        "df=df[df.sign_year.isna()|(df.sign_year==2015)|(df.sign_year>2018)].copy()\n"
        "df['d']=((df.sign_year==2015)&(df.year>=2015)).astype(int)\n"
        "res={}\n"
        "for y in ['homic','hosic']:\n"
        "  m=Synthdid(df,unit='iso3',time='year',treatment='d',outcome=y).fit()\n"
        "  res[y]=float(m.att_info.att_time.iloc[0])\n"
        "print(json.dumps(res))\n"
    )
    r = subprocess.run([str(synth), "-c", code], capture_output=True, text=True)
    if r.returncode == 0:
        out["synthdid_package"] = json.loads(r.stdout.strip().splitlines()[-1])
        for y, att in out["synthdid_package"].items():
            assert abs(att - out[y]["att"]) <= 1e-8 * abs(att), (y, att, out[y]["att"])
    else:
        out["synthdid_package_error"] = r.stderr.strip().splitlines()[-1]

(here / "sdid_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
print({y: {k: out[y][k] for k in ["att", "se_jackknife", "se_placebo"]} for y in ["homic", "hosic"]})
print(out.get("synthdid_package"), out.get("synthdid_package_error"))
