#!/usr/bin/env bash
# A class of N variants at scale: `template --roster` of N students, `generate --template` of
# each student's variant into a folder (each key as the student would hand it in: six
# learning-rate sheets of 100 iterations), then that folder checked with --roster, --seed and
# --copies on every core. Prints the time and peak memory of each step, the check's as the
# median of RUNS runs (`/usr/bin/time -v`). Usage: bash scripts/bench-variants.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
runs=${2:-3}
cargo build --release -q
bin=target/release/backprop-sheet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
{
  echo "id,name,email"
  for k in $(seq 1 "$n"); do echo "$((100000 + k)),\"Student $k, Jane\",s$k@uni.edu"; done
} >"$dir/roster.csv"
measure() { # the command's wall time in seconds and peak RSS in KB, from /usr/bin/time -v
  /usr/bin/time -v "$@" >/dev/null 2>"$dir/time" || true
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; e = s }
              /Maximum resident set size/ { m = $2 } END { printf "%.2f %d\n", e, m }' "$dir/time"
}
read -r t m < <(measure $bin template --roster "$dir/roster.csv" --out-dir "$dir/variants" --seed 2026 --key "$dir/key.csv")
echo "template --roster of $n students: $t s, peak RSS $m KB"
mkdir "$dir/keys"
start=$(date +%s.%N)
for f in "$dir"/variants/*.xlsx; do $bin generate -q --template "$f" --out "$dir/keys/$(basename "$f")"; done
echo "generate --template of each: $(echo "$(date +%s.%N) - $start" | bc) s in all ($(du -sh "$dir/keys" | cut -f1))"
median() { sort -n | sed -n "$(((runs + 1) / 2))p"; }
results=$(for run in $(seq 1 "$runs"); do
  rm -f "$dir/copies.csv"
  measure $bin check "$dir/keys" --roster "$dir/roster.csv" --seed 2026 --copies "$dir/copies.csv"
done)
echo "check --roster --seed --copies of $n keys, --jobs $(nproc): $(echo "$results" | cut -d' ' -f1 | median) s, peak RSS $(echo "$results" | cut -d' ' -f2 | median) KB (median of $runs: $(echo "$results" | cut -d' ' -f1 | tr '\n' ' '))"
echo "copy report: $(($(wc -l <"$dir/copies.csv") - 1)) leads"
