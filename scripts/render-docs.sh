#!/usr/bin/env bash
# Renders the pictures in docs/ through LibreOffice, as a user sees the workbook: the Summary
# sheet, and one learning-rate sheet's chart and table. Needs soffice, python3-uno, pdftoppm.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
target/release/backprop-sheet generate -q --out "$tmp/backprop.xlsx"
target/release/backprop-sheet generate -q --gradient-check --mistake a_h1-for-a_h2 --learning-rates 0.5 \
  --iterations 12 --out "$tmp/checked.xlsx"
render() { # workbook name sheet [range]; without a range, the sheet's own print area
  /usr/bin/python3 scripts/lo.py pdf "$tmp/$1.xlsx" "$tmp/$2.pdf" "${@:3}"
  pdftoppm -png -r 110 -singlefile "$tmp/$2.pdf" "docs/$2"
}
render backprop summary Summary
render backprop lr-sheet-chart "LR 0.5" AH1:AR24
render backprop lr-sheet-table "LR 0.5" A1:M30
render checked gradient-check "LR 0.5" Y1:AO12
ls -l docs/*.png
