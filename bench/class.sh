#!/usr/bin/env bash
# check on a class: N generated workbooks of the corpus's size (one sheet of 100 iterations, as
# students hand them in, each with one of the known mistakes or none), then the corpus repeated
# to N workbooks (linked, not copied), each folder checked in one run on every core and on one,
# median of 3. Usage: bash bench/class.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-300}
cargo build --release -q
bin=target/release/backprop-sheet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
keys=(none $($bin generate --help | sed -n 's/^ *- \([a-z0-9_-]*\): .*/\1/p'))
for k in $(seq 1 "$n"); do
  key=${keys[$((k % ${#keys[@]}))]}
  mistake=(); [ "$key" = none ] || mistake=(--mistake "$key")
  $bin generate -q "${mistake[@]}" --learning-rates 1 --out "$dir/student-$k.xlsx"
done
corpus="$dir/corpus"
mkdir "$corpus"
for k in $(seq 1 $((n / 4))); do
  for f in ../shared/corpus/*.xlsx; do ln -s "$(realpath "$f")" "$corpus/$k-$(basename "$f")"; done
done
median() { sort -n | sed -n 2p; }
for folder in "$dir" "$corpus"; do
  what=$([ "$folder" = "$corpus" ] && echo "the corpus repeated" || echo "generated, with mistakes")
  for jobs in "$(nproc)" 1; do
    times=$(for run in 1 2 3; do
      /usr/bin/time -f "%e %M" $bin check --jobs "$jobs" "$folder" >/dev/null 2>"$dir/time" || true
      tail -1 "$dir/time"
    done)
    count=$(find "$folder" -maxdepth 1 -name '*.xlsx' | wc -l)
    echo "$count workbooks ($what), --jobs $jobs: $(echo "$times" | cut -d' ' -f1 | median) s, peak RSS $(echo "$times" | cut -d' ' -f2 | median) KB (median of 3)"
  done
done
