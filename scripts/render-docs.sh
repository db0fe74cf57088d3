#!/usr/bin/env bash
# Renders the pictures in docs/: the write-up (docs/writeup/, by the tool itself), and through
# LibreOffice, as a user sees the workbook, the Summary sheet and one learning-rate sheet's chart
# and table. Needs soffice, python3-uno, pdftoppm, and chromium for the feedback page.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
# The write-up the README's write-up section shows (a test keeps docs/writeup what this makes);
# `scripts/render-docs.sh writeup` makes only that, without LibreOffice.
target/release/backprop-sheet writeup -q --force --out docs/writeup
if [ "${1:-}" = writeup ]; then exit 0; fi
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
target/release/backprop-sheet generate -q --network 2-3-2 --train-bias --learning-rates 0.5 --iterations 12 \
  --out "$tmp/network.xlsx"
render network network-2-3-2 "LR 0.5" A1:P14
target/release/backprop-sheet generate -q --compare-optimizers --learning-rates 0.1 --iterations 200 \
  --out "$tmp/optimizers.xlsx"
render optimizers optimizers Summary D4:L33

# A class as Canvas downloads it: generated workbooks (one correct, the others each with a known
# mistake, one late) and the LibreOffice-made fixtures; the summary's two sheets, a marked copy with
# its note shown, and one student's feedback page as a phone shows it (headless Chromium).
mkdir -p "$tmp/class"
target/release/backprop-sheet generate -q --out "$tmp/class/student00_100_200_backprop.xlsx"
k=1
for key in a_h1-for-a_h2 a_h1-for-a_h2 t1-for-t2 missing-parentheses missing-parentheses w8-from-w6 update-sign; do
  late=$([ "$k" = 3 ] && echo "_LATE" || true)
  target/release/backprop-sheet generate -q --mistake "$key" --out "$tmp/class/student0$k${late}_10${k}_20${k}_backprop.xlsx"
  k=$((k + 1))
done
cp fixtures/structural-slips.xlsx fixtures/typed-slip.xlsx "$tmp/class/"
bin=$PWD/target/release/backprop-sheet
(cd "$tmp" && "$bin" check class --summary summary.xlsx --annotate marked --feedback feedback >/dev/null) || true
cp "$tmp/marked/typed-slip.xlsx" "$tmp/marked-slip.xlsx"
render summary class-summary Class A1:K11
render summary class-mistakes Mistakes A1:U22
NOTES=1 render marked-slip marked-cell "LR 0.5" F3:Q14
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$tmp/chromium" --hide-scrollbars \
  --window-size=412,1400 --screenshot="$PWD/docs/feedback-page.png" "file://$tmp/feedback/student01 101.html"
ls -l docs/*.png
