"""Reference values for regspec's HonestDiD sensitivity analysis (Rambachan and Roth 2023).

Two event studies, each estimated by pyfixest 0.60 (TWFE event study, clustered by unit):
- `medicaid_sim`: a simulated copy of the shape of HonestDiD's Medicaid-expansion example
  (states x 2008-2015, expansion in 2014, reference year 2013: 5 pre and 2 post periods),
  written by this script to tests/fixtures/honest/medicaid_sim.csv;
- `demo_homic`: the study's HOMIC event study on the committed demo panel (data/demo_panel.csv,
  simulated by regspec), relative time binned to [-5, 4], reference -1: 4 pre, 5 post.

The confidence sets come from two independent Python ports of R's HonestDiD:
- relative magnitudes (Conditional and C-LF): `honestdid` 0.1.1 (PyPI), a line-by-line port of
  R's HonestDiD. It needs numpy < 2, so it runs in its own virtualenv;
- smoothness (FLCI): `moderndid` 0.2 (`didhonest.compute_flci`), whose folded-normal quantile is
  exact (honestdid's, like R's, is simulated with 10^6 draws).
The grid of candidate values for relative magnitudes is the identified set +- 20 standard
errors (R's HonestDiD >= 0.2 default), computed with honestdid's own identified-set LPs and
passed explicitly. The breakdown value is found by the same bisection regspec uses
(to 1/200 of the grid's range), with honestdid's conditional test.

    python3 -m venv /tmp/hd && /tmp/hd/bin/pip install "numpy<2" honestdid==0.1.1 \
        moderndid==0.2.0 pyfixest==0.60.0
    /tmp/hd/bin/python tests/reference/make_honest_reference.py   # or one case by name

Writes tests/reference/honest_reference_<case>.json, one file per case.
"""
import json
import pathlib
import sys

import numpy as np
import pandas as pd
import pyfixest as pf

import honestdid as hd
from honestdid import core as hdc

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))


def medicaid_sim():
    """45 states x 2008-2015; 20 expand Medicaid in 2014. Insurance rate with state and year
    effects, a small linear pre-trend among expanders, and an effect of 0.05 rising to 0.07."""
    rng = np.random.default_rng(20140101)
    rows = []
    for s in range(1, 46):
        expands = s <= 20
        a = rng.normal(0.75, 0.05)
        for y in range(2008, 2016):
            eff = 0.0
            if expands and y >= 2014:
                eff = 0.05 + 0.02 * (y - 2014)
            trend = 0.002 * (y - 2013) if expands else 0.0
            dins = a + 0.01 * (y - 2008) + trend + eff + rng.normal(0, 0.012)
            rows.append({"stfips": s, "year": y, "dins": round(dins, 6),
                         "yexp2": 2014 if expands else ""})
    df = pd.DataFrame(rows)
    out = ROOT / "tests" / "fixtures" / "honest" / "medicaid_sim.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False)
    d = pd.read_csv(out)
    d["D"] = d["yexp2"].notna().astype(int)
    d["rel"] = np.where(d["D"] == 1, d["year"] - 2014, -1).astype(int)
    fit = pf.feols("dins ~ i(rel, ref=-1) | stfips + year", data=d, vcov={"CRV1": "stfips"},
                   fixef_tol=1e-14)
    return fit, "rel"


def demo_homic():
    from demo_panel import load_demo
    df = load_demo()
    df["rel_b"] = df["rel_time"].clip(-5, 4).fillna(-1).astype(int)
    controls = "ln_pgdp + adv + labor + urban + open"
    fit = pf.feols(f"homic ~ i(rel_b, ref=-1) + {controls} | iso3 + year", data=df,
                   vcov={"CRV1": "iso3"}, fixef_tol=1e-14)
    return fit, "rel_b"


def event_coefs(fit, var):
    names = [str(n) for n in fit.tidy().index]
    idx = [i for i, n in enumerate(names) if n.startswith(f"{var}::")]
    ks = [int(names[i].split("::")[1]) for i in idx]
    order = sorted(range(len(idx)), key=lambda j: ks[j])
    idx = [idx[j] for j in order]
    ks = [ks[j] for j in order]
    beta = np.asarray(fit.coef())[idx]
    vcov = np.asarray(fit._vcov)[np.ix_(idx, idx)]
    npre = sum(1 for k in ks if k < 0)
    return ks, beta, vcov, npre, len(ks) - npre


def rm_grid(beta, sigma, npre, npost, l, mbar):
    idset = hdc._compute_IDset_DeltaRM(mbar, beta, l, npre, npost)
    sd = float(np.sqrt(l @ sigma[npre:, npre:] @ l))
    return idset["id_lb"] - 20 * sd, idset["id_ub"] + 20 * sd


def rm_set(beta, sigma, npre, npost, l, mbar, method):
    lo, hi = rm_grid(beta, sigma, npre, npost, l, mbar)
    flag = "ARP" if method == "Conditional" else "LF"
    ci = hdc.computeConditionalCS_DeltaRM(beta, sigma, npre, npost, l_vec=l, Mbar=mbar,
                                          hybrid_flag=flag, grid_lb=lo, grid_ub=hi,
                                          gridPoints=GRID_POINTS)
    acc = ci[ci["accept"] == 1]["grid"]
    if len(acc) == 0:
        return [None, None]
    return [float(acc.min()), float(acc.max())]


def flci_set(beta, sigma, npre, npost, l, m):
    from moderndid.didhonest.fixed_length_ci import compute_flci
    r = compute_flci(beta, sigma, m, npre, npost, post_period_weights=l)
    return [float(r.flci[0]), float(r.flci[1])]


def breakdown(beta, sigma, npre, npost, l, grid, setfn):
    cover = lambda s: s[0] is not None and s[0] <= 0 <= s[1]
    z = 1.959963984540054
    est = float(l @ beta[npre:])
    se = float(np.sqrt(l @ sigma[npre:, npre:] @ l))
    if est - z * se <= 0 <= est + z * se:
        return 0.0
    sets = [setfn(m) for m in grid]
    first = next((i for i, s in enumerate(sets) if cover(s)), None)
    if first is None:
        return None
    if first == 0:
        return grid[0]
    lo, hi = grid[first - 1], grid[first]
    span = grid[-1] - grid[0]
    while hi - lo > span / 200:
        mid = 0.5 * (lo + hi)
        if cover(setfn(mid)):
            hi = mid
        else:
            lo = mid
    return hi


# honestdid tests every grid point with an LP (R's way); 200 points keep the script to minutes.
GRID_POINTS = 200
CASES = {"medicaid_sim": medicaid_sim, "demo_homic": demo_homic}
# One case per process if named (`... make_honest_reference.py demo_homic`).
only = sys.argv[1:] or list(CASES)
for name in only:
    make = CASES[name]
    fit, var = make()
    ks, beta, sigma, npre, npost = event_coefs(fit, var)
    case = {"event_times": ks, "beta": beta.tolist(), "sigma": sigma.tolist(),
            "npre": npre, "npost": npost, "analyses": []}
    first = np.zeros(npost)
    first[0] = 1.0
    avg = np.full(npost, 1.0 / npost)
    mbars = [0.0, 0.5, 1.0, 2.0]
    case["grid_points"] = GRID_POINTS
    for target, l in [("first", first), ("average", avg)]:
        # C-LF (simulated first stage) for the first post period only.
        for method in ["Conditional", "C-LF"] if target == "first" else ["Conditional"]:
            sets = [rm_set(beta, sigma, npre, npost, l, m, method) for m in mbars]
            a = {"restriction": "relative_magnitudes", "method": method, "target": target,
                 "l": l.tolist(), "grid": mbars, "sets": sets}
            if method == "Conditional" and target == "first":
                a["breakdown"] = breakdown(beta, sigma, npre, npost, l, mbars,
                                           lambda m: rm_set(beta, sigma, npre, npost, l, m,
                                                            "Conditional"))
            case["analyses"].append(a)
        ms = [0.0, 0.01, 0.02, 0.03, 0.05]
        sets = [flci_set(beta, sigma, npre, npost, l, m) for m in ms]
        case["analyses"].append({"restriction": "smoothness", "method": "FLCI", "target": target,
                                 "l": l.tolist(), "grid": ms, "sets": sets,
                                 "breakdown": breakdown(beta, sigma, npre, npost, l, ms,
                                                        lambda m: flci_set(beta, sigma, npre,
                                                                           npost, l, m))})
        print(name, target, "done", flush=True)
    # HonestDiD's default smoothness grid (DeltaSD_upperBound_Mpre), for the default path.
    if npre > 1:
        case["default_m_top"] = float(hdc.DeltaSD_upperBound_Mpre(beta, sigma, npre))
    print(name, npre, npost, json.dumps(case["analyses"][0]["sets"]))

    (HERE / f"honest_reference_{name}.json").write_text(json.dumps(case, indent=1) + "\n")
