#!/usr/bin/env bash
# check on a class: N workbooks of the corpus's size (the default job, 6 sheets of 100
# iterations, each with one of the known mistakes or none), checked in one run on every core,
# and again on one, median of 3. Usage: bash bench/class.sh [N]
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
  $bin generate -q "${mistake[@]}" --out "$dir/student-$k.xlsx"
done
median() { sort -n | sed -n 2p; }
for jobs in "$(nproc)" 1; do
  times=$(for run in 1 2 3; do
    /usr/bin/time -f "%e %M" $bin check --jobs "$jobs" "$dir" >/dev/null 2>"$dir/time" || true
    tail -1 "$dir/time"
  done)
  echo "$n workbooks, --jobs $jobs: $(echo "$times" | cut -d' ' -f1 | median) s, peak RSS $(echo "$times" | cut -d' ' -f2 | median) KB (median of 3)"
done
