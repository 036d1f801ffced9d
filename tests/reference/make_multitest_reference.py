"""Reference values for regspec's multiple-testing adjustments (report::curve::adjust):
statsmodels' `multipletests` (Bonferroni and Holm) on fixed vectors of p-values, ties and
values near 1 included.

    /tmp/ref/bin/python tests/reference/make_multitest_reference.py

Writes tests/reference/multitest_reference.json.
"""
import json
import pathlib

from statsmodels.stats.multitest import multipletests

CASES = {
    "twelve": [0.0001, 0.0002, 0.51, 0.00003, 0.0004, 0.49, 0.001, 0.002, 0.7, 0.0005, 0.04, 0.66],
    "ties": [0.01, 0.01, 0.03, 0.03, 0.2],
    "near_one": [0.3, 0.9, 0.95, 0.999],
    "one": [0.042],
}
out = {}
for name, p in CASES.items():
    out[name] = {"p": p}
    for method in ["bonferroni", "holm"]:
        out[name][method] = [float(v) for v in multipletests(p, method=method)[1]]
(pathlib.Path(__file__).parent / "multitest_reference.json").write_text(
    json.dumps(out, indent=1) + "\n")
print(json.dumps(out, indent=1))
