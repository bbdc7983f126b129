#!/usr/bin/env bash
# Measures `zonecheck diff` on the national unit set against a perturbed copy of itself
# (scripts/perturb_units.py: every vertex moved by a smooth field of ~200 m, 5 % of units
# re-typed). Generated data goes to $OUT (default /tmp/zonecheck-diff-national), never into the
# repository. Figures go into docs/diff-national.md by hand.
#
# usage: scripts/bench_diff_national.sh [OUT_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-/tmp/zonecheck-diff-national}
UNITS=$(cd "$ROOT/../shared/data/national" && pwd)/units-national.geojson.gz
mkdir -p "$OUT"
[ -f "$OUT/units-2026.geojson.gz" ] || python3 "$ROOT/scripts/perturb_units.py" "$UNITS" "$OUT/units-2026.geojson.gz"
# Two rule sets: the national header and every level without unit-specific lists (those name
# unit codes, which differ between the versions), on each unit set.
for v in old new; do
  d="$OUT/$v"; mkdir -p "$d"; ln -sfn "$ROOT/rules/national/data" "$d/data"
  if [ $v = old ]; then u="$UNITS"; ver=2024.1; sup=2021.1; else u="$OUT/units-2026.geojson.gz"; ver=2026.1; sup=2024.1; fi
  sed -e "s#units \"[^\"]*\"#units \"$u\"#" -e "s#version    \"2024.1\"#version    \"$ver\"#" \
      -e "s#supersedes \"2021.1\"#supersedes \"$sup\"#" "$ROOT/rules/national/00-header.zc" > "$d/00-header.zc"
  cp "$ROOT"/rules/national/{10,20,30,40,50}-*.zc "$d/"
done
# The new version tightens one national clause's distance so the clause section is not empty.
sed -i '0,/distance(饮用水水源保护区) < 1 km/s//distance(饮用水水源保护区) < 1.5 km/' "$OUT/new/10-national.zc" || true
(cd "$ROOT" && cargo build --release --quiet)
BIN="$ROOT/target/release/zonecheck"
for v in old new; do "$BIN" compile "$OUT/$v" -o "$OUT/$v.zcs"; done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GB"
for fmt in json md; do
  /usr/bin/time -v "$BIN" diff "$OUT/old.zcs" "$OUT/new.zcs" --format $fmt -o "$OUT/diff.$fmt" 2> "$OUT/time-$fmt.txt"
  grep -E "Elapsed|Maximum resident|User time|System time" "$OUT/time-$fmt.txt"
done
