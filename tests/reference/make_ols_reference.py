"""Reference values for the estimators crate's OLS, computed by pyfixest 0.60.

Run in a throwaway virtualenv (CI does not need it):
    python -m venv /tmp/ref && /tmp/ref/bin/pip install pyfixest==0.60.0
    /tmp/ref/bin/python tests/reference/make_ols_reference.py

Writes tests/reference/ols_data.json (the simulated datasets, generated here with numpy's
seeded generator) and tests/reference/ols_reference.json (pyfixest's results). The Rust test
crates/estimators/tests/reference.rs fits the same cases and compares.
"""
import json
import pathlib

import numpy as np
import pandas as pd
import pyfixest as pf

OUT = pathlib.Path(__file__).resolve().parent
rng = np.random.default_rng(20261129)


def study_panel(n_c=75, n_t=11, drop=0.0):
    c = np.repeat(np.arange(n_c), n_t)
    t = np.tile(np.arange(n_t), n_c)
    sign = rng.choice(np.r_[np.arange(6, 11), [99]], n_c)
    d = (t >= sign[c]).astype(float)
    x1 = rng.normal(size=c.size) + 0.1 * c
    x2 = rng.normal(size=c.size)
    x3 = x1 + 2 * x2  # exactly collinear
    g = rng.integers(0, 7, n_c)[c]  # a third FE: region
    w = rng.uniform(0.5, 2.0, c.size)
    a = rng.normal(size=n_c)[c]
    b = rng.normal(size=n_t)[t]
    y = 0.3 * d + 0.5 * x1 - 0.2 * x2 + a + b + rng.normal(size=c.size) * (1 + 0.5 * d)
    df = pd.DataFrame(dict(y=y, d=d, x1=x1, x2=x2, x3=x3, country=c, year=t, region=g, w=w))
    if drop > 0:
        df = df.sample(frac=1 - drop, random_state=7).sort_index()
    # a missing value, to check it is dropped and counted
    df.loc[df.index[3], "x2"] = np.nan
    return df.reset_index(drop=True)


def singleton_panel():
    df = study_panel(30, 6, drop=0.0)
    extra = pd.DataFrame(
        dict(y=[1.0, 2.0, 0.5], d=[0.0, 1.0, 0.0], x1=[0.1, 0.2, 0.3], x2=[0.5, -0.5, 1.0],
             x3=[1.1, -0.8, 2.3], country=[100, 101, 102], year=[0, 1, 2], region=[0, 1, 2],
             w=[1.0, 1.0, 1.0])
    )
    return pd.concat([df, extra], ignore_index=True)


datasets = {
    "study": study_panel(),
    "unbalanced": study_panel(drop=0.15),
    "singletons": singleton_panel(),
}

TOL = dict(fixef_tol=1e-14, fixef_maxiter=100_000)
cases = [
    # name, data, formula, vcov, weights, ssc kwargs
    ("twfe_cr1", "study", "y ~ d + x1 + x2 | country + year", {"CRV1": "country"}, None, {}),
    ("twfe_iid", "study", "y ~ d + x1 + x2 | country + year", "iid", None, {}),
    ("twfe_hc1", "study", "y ~ d + x1 + x2 | country + year", "hetero", None, {}),
    ("fe1_cr1", "study", "y ~ d + x1 | country", {"CRV1": "country"}, None, {}),
    ("fe3_cr1", "study", "y ~ d + x1 + x2 | country + year + region", {"CRV1": "country"}, None, {}),
    ("fe3_iid", "study", "y ~ d + x1 + x2 | country + year + region", "iid", None, {}),
    ("unbal_cr1", "unbalanced", "y ~ d + x1 + x2 | country + year", {"CRV1": "country"}, None, {}),
    ("unbal_hc1", "unbalanced", "y ~ d + x1 + x2 | country + year", "hetero", None, {}),
    ("weights_cr1", "unbalanced", "y ~ d + x1 + x2 | country + year", {"CRV1": "country"}, "w", {}),
    ("weights_hc1", "study", "y ~ d + x1 + x2 | country + year", "hetero", "w", {}),
    ("weights_iid_fe3", "study", "y ~ d + x1 | country + year + region", "iid", "w", {}),
    ("singletons_cr1", "singletons", "y ~ d + x1 + x2 | country + year", {"CRV1": "country"}, None, {}),
    ("collinear_cr1", "study", "y ~ d + x1 + x2 + x3 | country + year", {"CRV1": "country"}, None, {}),
    ("twoway_cluster", "study", "y ~ d + x1 + x2 | country + year", {"CRV1": "country+year"}, None, {}),
    ("twoway_cluster_conventional", "study", "y ~ d + x1 + x2 | country + year", {"CRV1": "country+year"}, None,
     {"G_df": "conventional"}),
    ("cr1_kfixef_none", "study", "y ~ d + x1 + x2 | country + year", {"CRV1": "country"}, None, {"k_fixef": "none"}),
    ("cr1_kfixef_full", "study", "y ~ d + x1 + x2 | country + year", {"CRV1": "country"}, None, {"k_fixef": "full"}),
    ("cr1_no_adj", "study", "y ~ d + x1 + x2 | country + year", {"CRV1": "country"}, None, {"k_adj": False, "G_adj": False}),
    ("nofe_iid", "study", "y ~ d + x1 + x2", "iid", None, {}),
    ("nofe_hc1", "unbalanced", "y ~ d + x1 + x2", "hetero", None, {}),
    ("nofe_cr1", "study", "y ~ d + x1", {"CRV1": "country"}, None, {}),
    ("cluster_region_fe_country", "study", "y ~ d + x1 | country + year", {"CRV1": "region"}, None, {}),
]

results = {}
for name, dname, fml, vcov, weights, ssc in cases:
    df = datasets[dname]
    fit = pf.feols(fml, data=df, vcov=vcov, weights=weights, ssc=pf.ssc(**ssc), **TOL)
    tidy = fit.tidy()
    res = {
        "data": dname,
        "formula": fml,
        "vcov": vcov,
        "weights": weights,
        "ssc": ssc,
        "coef": {k: float(v) for k, v in tidy["Estimate"].items()},
        "se": {k: float(v) for k, v in tidy["Std. Error"].items()},
        "t": {k: float(v) for k, v in tidy["t value"].items()},
        "p": {k: float(v) for k, v in tidy["Pr(>|t|)"].items()},
        "ci_low": {k: float(v) for k, v in tidy["2.5%"].items()},
        "ci_high": {k: float(v) for k, v in tidy["97.5%"].items()},
        "nobs": int(fit._N),
        "r2": float(fit._r2),
        "adj_r2": float(fit._adj_r2),
        "rmse": float(fit._rmse),
    }
    if fit._has_fixef:
        res["within_r2"] = float(fit._r2_within)
        res["adj_within_r2"] = float(fit._adj_r2_within)
        w = fit.wald_test()
        res["wald_stat"] = float(w["statistic"])
        res["wald_p"] = float(w["pvalue"])
    results[name] = res

data_out = {k: {c: [None if pd.isna(v) else (float(v) if c not in ("country", "year", "region") else int(v))
                    for v in df[c]] for c in df.columns} for k, df in datasets.items()}
(OUT / "ols_data.json").write_text(json.dumps(data_out) + "\n")
(OUT / "ols_reference.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
print(f"wrote {len(results)} cases")
