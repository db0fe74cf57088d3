#!/usr/bin/env bash
# Rebuilds the fixtures that need LibreOffice: workbooks written by this project, then opened,
# edited or recalculated, and saved again by LibreOffice, as a student's copy would be.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
bin=target/release/backprop-sheet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The built-in template with t1 = t2 = 0.5, as a student edits it.
/usr/bin/python3 scripts/lo.py set templates/backprop-template.xlsx fixtures/template-edited-in-libreoffice.xlsx \
  'Inputs!B7=0.5' 'Inputs!B8=0.5'

# A generated workbook, recalculated in full and saved by LibreOffice (15-digit values).
$bin generate -q --learning-rates 0.5,2 --iterations 20 --out "$tmp/g.xlsx"
/usr/bin/python3 scripts/lo.py recalc "$tmp/g.xlsx" fixtures/generated-saved-by-libreoffice.xlsx "$tmp/g.json"

# One typed slip: a_h1 of iteration 3 (K6; exactly 0.5068653163601379) typed as 0.5068, off in
# the 4th digit, and a_h2 beside it (M6; exactly 0.5106118765788497) typed correctly as 0.51061.
# LibreOffice recomputes every cell that reads them.
$bin generate -q --learning-rates 0.5 --iterations 10 --out "$tmp/s.xlsx"
/usr/bin/python3 scripts/lo.py set "$tmp/s.xlsx" fixtures/typed-slip.xlsx 'LR 0.5!K6=0.5068' 'LR 0.5!M6=0.51061'

# Structural slips, one or two per sheet, made in LibreOffice as a student makes them (the
# generated sheet: η in B1, header in row 3, iteration 1 in row 4, w1 in F ... ∂E/∂w8 in AF).
$bin generate -q --learning-rates 0.5,0.8,1,2 --iterations 12 --out "$tmp/slips.xlsx"
slides=()
for r in $(seq 5 15); do slides+=("LR 0.5!F$r==F$((r - 1))-B$((r - 4))*Y$((r - 1))"); done
/usr/bin/python3 scripts/lo.py set "$tmp/slips.xlsx" fixtures/structural-slips.xlsx \
  "${slides[@]}" \
  'LR 0.8!G7==G6-B3*Z6' \
  'LR 1!H6==H5-0.2*AA5' 'LR 1!K8==1/(1+EXP(-L8))' \
  'LR 2!N8==N6-$B$1*AC7' 'LR 2!AC10==(S10-B10)*S10*(1-S10)*K10/0' 'LR 2!AD9==-(S9-B9)*S9*(1-S9)*M9'

# A row deleted in the middle of a formula table (its readers become #REF!) and of a table of
# pasted values (an iteration goes missing).
$bin generate -q --learning-rates 0.5 --iterations 12 --out "$tmp/f.xlsx"
/usr/bin/python3 scripts/lo.py delete-row "$tmp/f.xlsx" fixtures/deleted-row-formulas.xlsx 'LR 0.5' 8
$bin generate -q --learning-rates 0.5 --iterations 12 --values-only --out "$tmp/v.xlsx"
/usr/bin/python3 scripts/lo.py delete-row "$tmp/v.xlsx" fixtures/deleted-row-values.xlsx 'LR 0.5' 8

# A workbook with a password to open it, encrypted as Excel does it (ECMA-376 agile encryption,
# an OLE compound file), by msoffcrypto-tool (pip install msoffcrypto-tool).
$bin generate -q --learning-rates 0.5 --iterations 3 --out "$tmp/e.xlsx"
msoffcrypto-tool -e -p secret "$tmp/e.xlsx" fixtures/password-protected.xlsx
