"""Reference values for regspec's extended TWFE (`estimator: etwfe`) on the committed demo panel
(data/demo_panel.csv, simulated by regspec): the Python port of R's `etwfe` (etwfe 0.1.4, on
pyfixest 0.60), `etwfe(homic ~ 0, tvar = year, gvar = g, ivar = iso3)` with not-yet-treated
controls, CR1 by country, and its `emfx` aggregations; and `etwfe(homic ~ urban + open, ...)`
with two controls (`homic_controls`; diff-diff is not compared there) (simple, event, group, calendar: averages
over the treated observations, delta-method SEs). Countries never treated, and those whose
`sign_year` lies after the panel's last year (2019), are one comparison group: `g = 0`, passed
as the reference cohort (`gref = 0`; left to itself, etwfe would take 2019 as the reference and
0 as a cohort).

A second implementation, diff-diff 3.13's `ETWFE` (a port of Stata's `jwdid`), must agree to
1e-8 on the simple ATT and the event-time effects and their SEs (checked here; it does to about
1e-14). The two differ in p-values: diff-diff takes them from a t distribution with the
regression's residual degrees of freedom, etwfe (as R's `emfx` through marginaleffects) from the
normal; regspec follows etwfe and R, and its test compares estimates and SEs.

    /tmp/ref/bin/python tests/reference/make_etwfe_reference.py
"""
import json
import pathlib
import warnings

import etwfe
from demo_panel import load_demo

df = load_demo()
df["g"] = df["sign_year"].where(df["sign_year"] <= df["year"].max()).fillna(0).astype(int)


def fit_emfx(fml):
    """etwfe's fit of `fml` (not-yet-treated controls, CR1 by country) and its four `emfx`
    aggregations: {kind: {key: {estimate, se}}}."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = etwfe.ETWFE(fml=fml, tvar="year", gvar="g", ivar="iso3", data=df,
                        vcov={"CRV1": "iso3"}, gref=0)
        m.fit()
        res = {}
        for kind, key in [("simple", None), ("event", "event"), ("group", "g"), ("calendar", "year")]:
            t = m.emfx(type=kind)
            res[kind] = {
                ("0" if key is None else str(int(r[key]))): {"estimate": float(r["estimate"]), "se": float(r["std.error"])}
                for _, r in t.iterrows()
            }
    return res


out = {y: fit_emfx(f"{y} ~ 0") for y in ["homic", "hosic"]}
# With controls (etwfe's `y ~ x1 + x2`, default fe = "feo"): each cell's dummy times the
# controls demeaned within cohorts, plus the controls and their cohort and period interactions.
out["homic_controls"] = fit_emfx("homic ~ urban + open")
import diff_diff  # noqa: E402

worst = 0.0
for y in ["homic", "hosic"]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = diff_diff.ETWFE(cluster="iso3").fit(df, outcome=y, unit="iso3", time="year", first_treat="g")
        r.aggregate("event_study")
    pairs = [(r.overall_att, out[y]["simple"]["0"]["estimate"]), (r.overall_se, out[y]["simple"]["0"]["se"])]
    for e, v in r.event_study_effects.items():
        pairs += [(v["att"], out[y]["event"][str(e)]["estimate"]), (v["se"], out[y]["event"][str(e)]["se"])]
    worst = max([worst] + [abs(a - b) / abs(b) for a, b in pairs])
assert worst <= 1e-8, worst
out["diff_diff_max_relative_difference"] = worst
(pathlib.Path(__file__).parent / "etwfe_reference.json").write_text(
    json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps(out["homic"]["simple"]), json.dumps(out["homic"]["event"])[:300])
