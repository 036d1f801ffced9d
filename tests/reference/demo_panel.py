"""The committed demo panel (data/demo_panel.csv, simulated by `regspec simulate`) with the study's
derived variables computed here, in pandas, independently of regspec's own computation of
regspec.yaml's `variables:` (the reference scripts import this instead of reading the CSV)."""
import pathlib

import numpy as np
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load_demo() -> pd.DataFrame:
    df = pd.read_csv(ROOT / "data" / "demo_panel.csv")
    s, year = df["sign_year"], df["year"]
    signed = s.notna()
    df["treat"] = signed.astype(float)
    df["post"] = (signed & (year >= s)).astype(float)
    df["treat_post"] = df["treat"] * df["post"]
    df["rel_time"] = year - s
    for k, name in [(1, "treat_post_l1"), (2, "treat_post_l2"), (-1, "treat_post_f1")]:
        df[name] = (signed & (year >= s + k)).astype(float)
    sa = df["sign_year_alt"]
    df["treat_alt"] = sa.notna().astype(float)
    df["post_alt"] = (sa.notna() & (year >= sa)).astype(float)
    df["treat_post_alt"] = df["treat_alt"] * df["post_alt"]
    df["post_shock"] = (year >= 2013).astype(float)
    df["treat_post_route"] = df["route"] * df["post_shock"]
    df["nonpart_post"] = (~signed).astype(float) * df["post_shock"]
    df["income"] = np.where(df["gni_pc"].isna(), np.nan, (df["gni_pc"] >= 3896).astype(float))
    base = df[year == 2012].set_index("iso3")["gni_pc"]
    g12 = df["iso3"].map(base)
    df["income_pre"] = np.where(g12.isna(), np.nan, (g12 >= 3896).astype(float))
    logs = {
        "ln_pgdp": "pgdp",
        "talex1": "students_from_china",
        "talex1_oecd": "students_from_china_oecd",
        "talex2": "students_outbound",
        "ln_patents": "patents",
        "ln_articles": "articles",
    }
    for name, level in logs.items():
        v = df[level]
        df[name] = np.log(v.where(v > 0))
    return df
