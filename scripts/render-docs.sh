#!/usr/bin/env bash
# Renders the pictures in docs/ through LibreOffice, as a user sees the workbook: the Summary
# sheet, and one learning-rate sheet's chart and table. Needs soffice, python3-uno, pdftoppm.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
target/release/backprop-sheet generate -q --out "$tmp/backprop.xlsx"
render() { # name sheet [range]; without a range, the sheet's own print area
  /usr/bin/python3 scripts/lo.py pdf "$tmp/backprop.xlsx" "$tmp/$1.pdf" "${@:2}"
  pdftoppm -png -r 110 -singlefile "$tmp/$1.pdf" "docs/$1"
}
render summary Summary
render lr-sheet-chart "LR 0.5" AH1:AR24
render lr-sheet-table "LR 0.5" A1:M30
ls -l docs/*.png
