"""Reference values for Callaway-Sant'Anna on repeated cross-sections (R did's `panel = FALSE`)
on the simulated individuals of tests/fixtures/shapes/data/people.csv (written by
make_shapes_reference.py; no real data), for tests/shapes.rs.

    /tmp/ref/bin/pip install moderndid==0.2.0 csdid==0.4.3
    /tmp/ref/bin/python tests/reference/make_cs_rc_reference.py

The reference is moderndid 0.2.0 (`att_gt(..., panel=False)`, `aggte`): every ATT(g,t), the
simple, dynamic, group and calendar aggregations and their analytic standard errors (each
observation independent). csdid 0.4.3 is the second reference: its ATTs agree with moderndid's
in every case below (checked here, 1e-10), and so do its standard errors for the outcome
regression and IPW; for the doubly robust estimator with covariates its standard errors differ
by up to 1%: its `drdid_rc` subtracts the pre-period outcome-regression estimation effects
(`inf_treat_or = post - pre`) where R's DRDID, which both ports translate, adds them
(`inf.treat.or <- inf.treat.or.post + inf.treat.or.pre`, as moderndid does). regspec follows
R's DRDID and moderndid.

Clustered by state (the level of the policy), the analytic standard error sums each
observation's influence within states: sqrt(sum_c S_c^2) / n, as R's did clusters its
multiplier bootstrap (`rowsum` of the influence function by cluster). Its reference is computed
here from moderndid's influence functions (cells and aggregations), whose rows follow
moderndid's own order (period, cohort, id). A clustered multiplier bootstrap with 100,000 draws
checks it by simulation, within Monte Carlo error in the Rust test: Mammen multipliers, one per
state, on the state sums of moderndid's influence functions, the standard deviation of the
draws (written here with numpy). Neither package's own clustered bootstrap is used on repeated
cross-sections: moderndid multiplies state *means* of the influence function (as did before
2.1, which differs from the sum when states have unequal sizes), and csdid's clustered
bootstrap assigns clusters to influence-function rows in the data's order while its rows
follow another (its standard errors differ from the cluster sum by 3-25% here).

The cohort (the state's first policy year) is computed here in pandas, independently of
regspec's `first_treated`.
"""
import contextlib
import io
import json
import pathlib
import warnings

import numpy as np
import pandas as pd
import moderndid as md
from csdid.att_gt import ATTgt

HERE = pathlib.Path(__file__).resolve().parent
p = pd.read_csv(HERE.parent / "fixtures" / "shapes" / "data" / "people.csv")
first = p[p.policy == 1].groupby("state")["year"].min()
p["g"] = p["state"].map(first).fillna(0).astype(int)
p["id"] = np.arange(len(p)) + 1
n = len(p)
# moderndid's influence functions have one row per observation in its own order: sorted by
# period, cohort (never treated last) and id. The state of each of those rows:
order = p.assign(gs=p["g"].replace(0, np.inf)).sort_values(["year", "gs", "id"], kind="stable")
state = order["state"].to_numpy()

CASES = {
    # name: (control group, method, covariates, clustered by state)
    "rc_never_dr": ("nevertreated", "dr", "~ educ", False),
    "rc_notyet_dr": ("notyettreated", "dr", "~ educ", False),
    "rc_never_or": ("nevertreated", "reg", "~ educ", False),
    "rc_never_ipw": ("nevertreated", "ipw", "~ educ", False),
    "rc_never_plain": ("nevertreated", "dr", None, False),
    "rc_cluster": ("nevertreated", "dr", "~ educ", True),
    "rc_cluster_or": ("nevertreated", "reg", "~ educ", True),
}
BOOT_DRAWS = 100_000


def clustered_se(inf):
    """SE from an n-vector influence function summed within states: sqrt(sum_c S_c^2) / n."""
    s = pd.Series(np.asarray(inf, dtype=float)).groupby(state).sum().to_numpy()
    return float(np.sqrt(np.sum(s ** 2)) / n)


def fin(v):
    return float(v) if np.isfinite(v) else None


out = {"draws": BOOT_DRAWS}
for name, (control, method, xf, cluster) in CASES.items():
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        m = md.att_gt(data=p, yname="wage", tname="year", gname="g", idname="id", xformla=xf,
                      panel=False, est_method=method, control_group=control, boot=False)
        c = ATTgt(yname="wage", gname="g", idname="id", tname="year", data=p,
                  control_group=control, xformla=xf, panel=False).fit(est_method=method, bstrap=False)
    atts = np.asarray(m.att_gt, dtype=float)
    assert np.allclose(np.asarray(c.results["att"], dtype=float), atts, rtol=1e-10, atol=1e-12), name
    if method != "dr" or xf is None:
        assert np.allclose(np.asarray(c.results["se"], dtype=float), m.se_gt, rtol=1e-10), name
    inf = np.asarray(m.influence_func.todense() if hasattr(m.influence_func, "todense") else m.influence_func)
    se_cells = [clustered_se(inf[:, k]) for k in range(inf.shape[1])] if cluster else list(m.se_gt)
    res = {"cells": [{"group": int(g), "time": int(t), "att": float(a), "se": fin(s)}
                     for g, t, a, s in zip(m.groups, m.times, atts, se_cells)]}
    for typ in ["simple", "dynamic", "group", "calendar"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = md.aggte(m, type="simple" if typ == "simple" else typ, boot=False)
        if typ == "simple":
            se = clustered_se(a.influence_func_overall) if cluster else a.overall_se
            res[typ] = {"att": float(a.overall_att), "se": float(se)}
        else:
            ses = ([clustered_se(a.influence_func[:, k]) for k in range(len(a.event_times))]
                   if cluster else list(a.se_by_event))
            res[typ] = [{"e": int(e), "att": float(x), "se": fin(s)}
                        for e, x, s in zip(a.event_times, a.att_by_event, ses)]
    if cluster:
        # Mammen multipliers, one per state, on the state sums of the influence functions.
        codes, labels = pd.factorize(state)
        sums = np.zeros((len(labels), inf.shape[1]))
        np.add.at(sums, codes, inf)
        rng = np.random.default_rng(20261206)
        k = (np.sqrt(5) + 1) / (2 * np.sqrt(5))
        v = np.where(rng.random((BOOT_DRAWS, len(labels))) < k, -(np.sqrt(5) - 1) / 2, (np.sqrt(5) + 1) / 2)
        res["bootstrap_cells"] = [float(x) for x in (v @ sums).std(axis=0) / n]
    out[name] = res

(HERE / "cs_rc_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
for k, r in out.items():
    if k != "draws":
        print(k, json.dumps(r["simple"]), len(r["cells"]))
