"""Reference values for regspec's de Chaisemartin-D'Haultfoeuille estimator (`estimator: dcdh`,
Stata/R `did_multiplegt_dyn`), and the simulated panel they are computed on (written here: no
real data): tests/fixtures/shapes/data/switch.csv, 80 regions over 2001-2012 with a binary
policy that switches on and, in about a third of the regions that adopt it, off again; 25
regions never change it; 12 regions start with the policy, some of which drop it (switchers
out). A few outcomes are missing. The outcome responds to the current policy and its first lag.

References (regspec follows did_multiplegt_dyn, R/Stata 2.x):
- moderndid 0.2.0 `did_multiplegt` (a Python port of did_multiplegt_dyn), run for switchers in
  and for switchers out: every effect (l = 1..4) and placebo (l = 1..3) with its standard error
  (the cohort-recentred plug-in variance with its degrees-of-freedom factors), switchers and
  observations; plain, normalised, and clustered by state (a variable above the region).
  With a binary treatment the two directions use disjoint groups (status quo 0 and 1), so each
  one-direction run is did_multiplegt_dyn's, except that moderndid reports switchers out's
  effects unflipped (flipped here, as did_multiplegt_dyn's `U_Gg_minus = -U_Gg`).
- Both directions together ("both"): did_multiplegt_dyn averages the two runs with their numbers
  of switchers, switchers out's estimates sign-flipped and the variance terms with the same
  weights unflipped (did_multiplegt_main.R); computed here from the runs' per-group influences,
  rescaled to all G groups (moderndid counts only its run's groups in G). moderndid's own
  two-direction run adds switchers out unflipped (`moderndid_both_unflipped`, recorded only).
- Clustered: moderndid's degrees-of-freedom counts use polars' `n_unique`, which counts the
  missing cluster of a cell's non-members as one more cluster; did_multiplegt_dyn counts the
  members' clusters (`uniqueN` over non-missing). regspec follows did_multiplegt_dyn and has a
  test-only switch reproducing moderndid's count, under which the clustered values agree.
- diff-diff 3.13 `ChaisemartinDHaultfoeuille` (L_max = 4) recorded in `diff_diff`, not
  followed: its horizon-1 effect is the 2020 paper's DID_M (every switch, not the first) and
  its numbers differ from did_multiplegt_dyn's definition on this design.

    /tmp/ref/bin/python tests/reference/make_dcdh_reference.py
"""
import json
import pathlib
import warnings

import numpy as np
import pandas as pd
import moderndid as md

here = pathlib.Path(__file__).parent
rng = np.random.default_rng(20261207)
n, years = 80, list(range(2001, 2013))
rows = []
for g in range(n):
    state = f"st{g % 16 + 1:02d}"
    alpha = rng.normal(0, 1)
    d = np.zeros(len(years), dtype=int)
    kind = g % 10
    if g >= 68:  # starts treated; some drop it for good
        d[:] = 1
        if g % 2 == 0:
            d[rng.integers(3, 9):] = 0
    elif kind < 3:  # never changes
        pass
    else:  # switches on; a third switch off again later
        on = rng.integers(2, 9)
        d[on:] = 1
        if kind >= 8:
            d[min(on + rng.integers(2, 4), len(years)):] = 0
    for t, year in enumerate(years):
        lag = d[t - 1] if t > 0 else d[0]
        y = alpha + 0.05 * t + 0.8 * d[t] + 0.4 * lag + rng.normal(0, 0.6)
        rows.append({"region": f"r{g + 1:03d}", "state": state, "year": year,
                     "policy": int(d[t]), "y": round(y, 6)})
df = pd.DataFrame(rows)
df.loc[[37, 411, 700], "y"] = np.nan
df.to_csv(here.parent / "fixtures/shapes/data/switch.csv", index=False)


# moderndid takes numeric unit and cluster ids.
num = df.assign(region=df["region"].str[1:].astype(int), state=df["state"].str[2:].astype(int))


def run(normalized, cluster, switchers):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return md.did_multiplegt(data=num, yname="y", idname="region", tname="year",
                                 dname="policy", effects=4, placebo=3, normalized=normalized,
                                 cluster=cluster, switchers=switchers)


def table(r, sign=1.0):
    out = {}
    for kind, res in [("effects", r.effects), ("placebos", r.placebos)]:
        out[kind] = [
            {"h": int(h), "estimate": sign * float(e), "se": float(s), "n_switchers": int(nsw),
             "nobs": int(no)}
            for h, e, s, nsw, no in zip(res.horizons, res.estimates, res.std_errors,
                                         res.n_switchers, res.n_observations)
        ]
    return out


G = num["region"].nunique()
d_sq = num.sort_values("year").groupby("region")["policy"].first()


def combined(normalized, cluster):
    """did_multiplegt_dyn's estimates from moderndid's switchers-in and switchers-out runs.

    With a binary treatment the two runs use disjoint groups (status quo 0 and 1), so
    moderndid's one-direction runs are did_multiplegt_dyn's, except that each run counts only
    its own groups in G (the influences scale with G: rescaled here) and that the switchers-out
    run's estimates are not sign-flipped (flipped here). did_multiplegt_dyn averages the runs
    with their numbers of switchers, the switchers-out estimate's sign flipped and the variance
    terms with the same weights unflipped; the normalised version divides both by the same
    average of the runs' cumulated treatment changes."""
    runs = {s: run(normalized, cluster, s) for s in ("in", "out")}
    plain = {s: run(False, cluster, s) for s in ("in", "out")} if normalized else runs
    groups = {"in": sorted(d_sq[d_sq == 0].index), "out": sorted(d_sq[d_sq == 1].index)}
    out = {}
    for kind, inf in [("effects", "influence_effects"), ("placebos", "influence_placebos")]:
        rows = []
        r_in, r_out = getattr(runs["in"], kind), getattr(runs["out"], kind)
        for k, h in enumerate(r_in.horizons):
            n_in, n_out = r_in.n_switchers[k], r_out.n_switchers[k]
            w = {"in": n_in / (n_in + n_out), "out": n_out / (n_in + n_out)}
            est = {s: getattr(plain[s], kind).estimates[k] for s in w}
            total = w["in"] * est["in"] - w["out"] * est["out"]
            u = {}
            for s in w:
                f = getattr(plain[s], inf)[:, k]
                assert len(f) == len(groups[s]), (s, len(f), len(groups[s]))
                scale = G / len(groups[s])
                u.update({g: w[s] * scale * v for g, v in zip(groups[s], f)})
            if cluster is None:
                se = np.sqrt(sum(v * v for v in u.values())) / G
            else:
                by = num.groupby("region")[cluster].first()
                sums = {}
                for g, v in u.items():
                    sums[by[g]] = sums.get(by[g], 0.0) + v
                se = np.sqrt(sum(v * v for v in sums.values())) / G
            if normalized:
                delta = {s: est[s] / getattr(runs[s], kind).estimates[k] for s in w}
                d = w["in"] * delta["in"] + w["out"] * delta["out"]
                total, se = total / d, se / d
            rows.append({"h": int(h), "estimate": float(total), "se": float(se),
                         "n_switchers": int(n_in + n_out),
                         "nobs": int(r_in.n_observations[k] + r_out.n_observations[k])})
        out[kind] = rows
    return out


out = {}
for name, normalized, cluster in [("plain", False, None), ("normalized", True, None),
                                  ("clustered", False, "state")]:
    out[name] = {"both": combined(normalized, cluster),
                 "in": table(run(normalized, cluster, "in")),
                 "out": table(run(normalized, cluster, "out"), -1.0)}
# moderndid's own run with both directions, which adds switchers out unflipped.
out["moderndid_both_unflipped"] = table(run(False, None, ""))

# diff-diff's implementation, for the record.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from diff_diff import ChaisemartinDHaultfoeuille
    dd = ChaisemartinDHaultfoeuille(twfe_diagnostic=False).fit(
        df.dropna(subset=["y"]), outcome="y", unit="region", time="year", treatment="policy",
        L_max=4)
es = dd.event_study_effects if hasattr(dd, "event_study_effects") else None
record = {}
if es is not None:
    for h, v in es.items():
        record[str(h)] = {k: float(v[k]) for k in ("effect", "se") if k in v}
out["diff_diff"] = record

(here / "dcdh_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
print(json.dumps({k: out[k] for k in ["plain", "diff_diff"]}, indent=1)[:3000])
