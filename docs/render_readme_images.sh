#!/usr/bin/env bash
# Regenerates the README images from a run on the real public data, exactly as a reader of
# the paper sees them: the baseline table (reports/baseline.tex compiled in a minimal article with
# the documented preamble, rendered to PNG on a page of its own size), the same table in each
# journal style, the baseline table in Word (converted by LibreOffice), and the HOMIC figures
# (their PDFs rendered to PNG). Needs pdflatex, soffice and pdftoppm (poppler-utils).
#
#   docs/render_readme_images.sh [RAW_DATA_DIR]     # default: ../shared/data/raw
set -euo pipefail
cd "$(dirname "$0")/.."
raw="${1:-../shared/data/raw}"
raw="$(cd "$raw" && pwd)"
root="$(pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo run -q -p regspec -- run --quiet --raw-data "$raw" --out "$work/reports"
cd "$work"
# A table on a page of its own size: the float is set in a box, and the page fits the box.
render_table() { # TEX_FILE PNG_NAME
  cat > table.tex <<TEX
\documentclass{article}
\usepackage{booktabs,dcolumn,graphicx}
\makeatletter\renewenvironment{table}[1][]{\def\@captype{table}}{}\makeatother
\pagestyle{empty}
\begin{document}
\setbox0\vbox{\hsize=\textwidth\input{$1}}
\pdfpagewidth=\dimexpr\wd0+1.6cm\relax
\pdfpageheight=\dimexpr\ht0+\dp0+1.6cm\relax
\hoffset=-1in \voffset=-1in \oddsidemargin=0.8cm \topmargin=0.8cm
\headheight=0pt \headsep=0pt \textheight=\pdfpageheight
\noindent\box0
\end{document}
TEX
  pdflatex -interaction=nonstopmode -halt-on-error table.tex > /dev/null
  pdftoppm -r 130 -png -singlefile table.pdf table
  cp table.png "$root/docs/figures/$2.png"
}
render_table reports/baseline.tex baseline_table
# The baseline table in each journal's style (`format: {style: ...}`).
mkdir -p "$work/styles"
for style in aer qje econometrica; do
  sed "s/^keep: \[treat_post\]/keep: [treat_post]\nformat: {style: $style}/" \
    "$root/specs/baseline.yaml" > "$work/styles/baseline_$style.yaml"
  (cd "$root" && cargo run -q -p regspec -- run --quiet --raw-data "$raw" \
    --out "$work/styles/out" "$work/styles/baseline_$style.yaml")
  render_table "styles/out/baseline_$style.tex" "baseline_$style"
done
# The baseline table as Word writes it, converted to PDF by LibreOffice (page cropped to the
# table by pdftoppm's -x/-y/-W/-H at 130 dpi).
soffice -env:UserInstallation=file://"$work"/lo --headless --convert-to pdf --outdir "$work" \
  reports/baseline.docx > /dev/null 2>&1
pdftoppm -r 130 -png -singlefile -x 120 -y 100 -W 870 -H 640 baseline.pdf word
cp word.png "$root/docs/figures/baseline_docx.png"
pdftoppm -r 110 -png -singlefile reports/figures/event_study_es_homic.pdf figure
cp figure.png "$root/docs/figures/event_study_es_homic.png"
# The specification curve over the robustness choices, the estimator overlay and HonestDiD.
for pair in "curve_curve:curve_homic" "robust_did_overlay_homic:overlay_homic" \
            "event_study_es_homic_honest_relative_magnitudes:honest_homic"; do
  pdftoppm -r 90 -png -singlefile "reports/figures/${pair%%:*}.pdf" out
  cp out.png "$root/docs/figures/${pair##*:}.png"
done
echo "wrote docs/figures/{baseline_table,baseline_docx,baseline_aer,baseline_qje,baseline_econometrica,event_study_es_homic,curve_homic,overlay_homic,honest_homic}.png"
