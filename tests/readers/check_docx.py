"""Reads every Word table of a report set with python-docx (an independent reader) and checks it
against the table's JSON record: the caption, the columns, the panels, every estimate and its
standard error (to the digits shown, with stars that match the p-value), the observations, and
the notes. Also opens results.docx: one set of tables per table and one picture per figure PNG.

Usage: python check_docx.py REPORTS_DIR prints "<tables> <numbers checked> <pictures>";
python check_docx.py --dump FILE.docx prints the document as text (for a snapshot).
Written for regspec's tests (tests/study/output.rs); python-docx is pinned in
.ci/requirements-readers.txt.
"""

import glob
import json
import math
import os
import re
import sys

import docx


def plain(s):
    """A label as regspec prints it in Word: LaTeX of labels as text (format::plain)."""
    for a, b in [("$\\times$", "\u00d7"), ("\\times", "\u00d7"), ("$^2$", "\u00b2"),
                 ("\\%", "%"), ("\\_", "_"), ("\\&", "&"), ("$", "")]:
        s = s.replace(a, b)
    return s


def cell_texts(row):
    return [c.text for c in row.cells]


NUMBER = re.compile(r"^[(\[]?(-?[\d,]*\.?\d+)[)\]]?(\**)$")


def shown(text):
    """(value, decimals, stars) of a printed number, or None."""
    m = NUMBER.match(text.strip().replace("\u2212", "-"))
    if not m:
        return None
    num = m.group(1).replace(",", "")
    decimals = len(num.split(".")[1]) if "." in num else 0
    return float(num), decimals, len(m.group(2))


def rounds_to(x, value, decimals):
    return abs(x - value) <= 0.5 * 10 ** (-decimals) * (1 + 1e-9) + 1e-12


def coefficient_for(model, label, labels):
    for c in model["result"]["coefficients"]:
        name = c["name"]
        if plain(labels.get(name, name)) == label:
            return c
        level = c.get("level")
        if level and re.fullmatch(r".* = -?\d+", label):
            what, k = label.rsplit(" = ", 1)
            term_label = plain(labels.get(level["term"], "t"))
            if k == level["value"] and what == term_label:
                return c
    return None


def main_tables(d):
    """The regression tables (and their parts) of a table document: those with a "(1)" row."""
    out = []
    for t in d.tables:
        if any(re.fullmatch(r"\(\d+\)", x) for r in t.rows[:4] for x in cell_texts(r)):
            out.append(t)
    return out


def thresholds(text):
    """The stars' significance levels, from the legend in the table's notes ("* p<0.1, ...")."""
    return {len(stars): float(p) for stars, p in re.findall(r"(\*+) p<(\d*\.?\d+)", text)}


def check_table(reports, name):
    record = json.load(open(os.path.join(reports, name + ".json")))
    d = docx.Document(os.path.join(reports, name + ".docx"))
    labels = record["labels"]
    title = plain(record["title"] or record["table"])
    paragraphs = [p.text for p in d.paragraphs]
    assert paragraphs[0] == title, (name, paragraphs[0], title)
    tables = main_tables(d)
    assert tables, name
    # Models of each panel in order: column k of panel p is the k-th.
    panels = {}
    for m in record["models"]:
        panels.setdefault(m["panel"], []).append(m)
    panel_names = list(panels)
    checked = 0
    columns_seen = set()
    legend = thresholds(" ".join(paragraphs))
    for t in tables:
        rows = t.rows
        # The column numbers of this part.
        header = next(r for r in rows if re.fullmatch(r"\(\d+\)", cell_texts(r)[1]))
        cols = [int(x.strip("()")) for x in cell_texts(header)[1:]]
        columns_seen.update(cols)
        body = rows[[r._tr for r in rows].index(header._tr) + 1:]
        panel = panel_names[0] if len(panel_names) == 1 else None
        i = 0
        while i < len(body):
            texts = cell_texts(body[i])
            if len(set(texts)) == 1 and texts[0]:
                # A panel title spans the row (python-docx repeats a merged cell): "Panel A:
                # <panel>", lettered in order of first appearance.
                panel = next(
                    p for i, p in enumerate(panel_names)
                    if p is not None and f"Panel {chr(65 + i)}: {plain(p)}" == texts[0]
                )
                i += 1
                continue
            label, values = texts[0], texts[1:]
            below = cell_texts(body[i + 1])[1:] if i + 1 < len(body) and cell_texts(body[i + 1])[0] == "" else None
            models = panels[panel]
            for k, v in enumerate(values):
                col = cols[k]
                if col - 1 >= len(models) or not v:
                    continue
                m = models[col - 1]
                if label == "Observations":
                    assert int(v.replace(",", "")) == m["result"]["nobs"], (name, col, v)
                    checked += 1
                    continue
                if below is None:
                    continue
                c = coefficient_for(m, label, labels)
                s = shown(v)
                if s is None:
                    continue
                # Every estimate printed is one of the column's coefficients, by its label.
                assert c is not None, (name, label, col, v)
                value, decimals, stars = s
                assert rounds_to(c["estimate"], value, decimals), (name, label, col, v, c["estimate"])
                # As many stars as thresholds the p-value is below (none without a legend).
                expected = max([k for k, th in legend.items() if c["p_value"] < th], default=0)
                assert stars == expected, (name, label, col, v, c["p_value"], legend)
                b = shown(below[k])
                if b is not None and below[k].startswith("("):
                    assert rounds_to(c["std_error"], b[0], b[1]), (name, label, col, below[k], c["std_error"])
                    checked += 1
                checked += 1
            i += 2 if below is not None else 1
    n_cols = max(len(v) for v in panels.values())
    # A table wider than `word_columns` shows its first columns and says so.
    truncated = re.search(r"shows columns \(1\) to \((\d+)\) of ([\d,]+)", " ".join(paragraphs))
    if truncated:
        assert int(truncated.group(2).replace(",", "")) == n_cols, (name, truncated.group(0), n_cols)
        n_cols = int(truncated.group(1))
    assert columns_seen == set(range(1, n_cols + 1)), (name, columns_seen, n_cols)
    # The notes: the table's own note and the data source, under the last part.
    text = " ".join(paragraphs)
    if record["notes"]:
        assert plain(record["notes"]) in text, (name, record["notes"])
    assert record["data_source"] in text, (name, record["data_source"])
    return checked


def check_document(reports, records):
    d = docx.Document(os.path.join(reports, "results.docx"))
    captions = [p.text for p in d.paragraphs]
    for r in records:
        assert plain(r["title"] or r["table"]) in captions, r["table"]
    pictures = len(d.inline_shapes)
    pngs = glob.glob(os.path.join(reports, "figures", "*.png"))
    assert pictures == len(pngs), (pictures, len(pngs))
    # Each picture is one of the figures, byte for byte.
    figure_bytes = {open(p, "rb").read() for p in pngs}
    for rel in d.part.rels.values():
        if "image" in rel.reltype:
            assert rel.target_part.blob in figure_bytes
    return pictures


def rule(cell, side):
    """The width in eighths of a point of a cell's rule on `side`, 0 when none."""
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    b = cell._tc.find(f"{ns}tcPr/{ns}tcBorders/{ns}{side}")
    return int(b.get(f"{ns}sz")) if b is not None and b.get(f"{ns}val") == "single" else 0


def dump(path):
    """A Word table document as a reader sees it: paragraphs, and each table's rows with the
    rules above and below them (heavy ===, light ---; a rule under some cells only, such as a
    spanning header's, marks those cells)."""
    d = docx.Document(path)
    body = d.element.body
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    tables = iter(d.tables)
    paragraphs = iter(d.paragraphs)
    out = []
    for child in body.iterchildren():
        if child.tag == f"{ns}p":
            text = next(paragraphs).text
            if text:
                out.append(text)
        elif child.tag == f"{ns}tbl":
            t = next(tables)
            for r in t.rows:
                cells = []
                for c in r.cells:
                    if not cells or c._tc is not cells[-1]._tc:
                        cells.append(c)
                top = max(rule(c, "top") for c in cells)
                if top:
                    out.append("===" if top >= 8 else "---")
                marks = ["_" * len(c.text) if rule(c, "bottom") == 4 and len(cells) > 1 and
                         rule(cells[0], "bottom") == 0 else "" for c in cells]
                out.append(" | ".join(c.text for c in cells))
                if any(marks):
                    out.append(" | ".join(marks))
                bottom = min(rule(c, "bottom") for c in cells)
                if bottom:
                    out.append("===" if bottom >= 8 else "---")
    return "\n".join(out) + "\n"


def main():
    if sys.argv[1] == "--dump":
        sys.stdout.write(dump(sys.argv[2]))
        return
    reports = sys.argv[1]
    names = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(reports, "*.json")))
    numbers = 0
    for n in names:
        got = check_table(reports, n)
        assert got > 0, f"{n}: no number of the Word table was checked"
        numbers += got
    records = [json.load(open(os.path.join(reports, n + ".json"))) for n in names]
    pictures = check_document(reports, records)
    print(len(names), numbers, pictures)


if __name__ == "__main__":
    main()
