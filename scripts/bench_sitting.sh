#!/usr/bin/env bash
# One benchmark sitting: zonecheck's criterion benches and the shapely / PostGIS baselines on
# the same machine, one after the other, with the machine otherwise idle. Writes every output
# to target/bench-sitting/ and prints a summary. Needs: python3 with shapely and numpy
# (pip install shapely numpy), root and postgresql-15-postgis-3 for the PostGIS baseline.
# Usage: scripts/bench_sitting.sh   (NATIONAL=path/to/data/national to override)
set -uo pipefail
cd "$(dirname "$0")/.."
NATIONAL=${NATIONAL:-../shared/data/national}
TOOLS=${TOOLS:-../shared/tools}
OUT=target/bench-sitting
mkdir -p "$OUT"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores)"
  echo "memory: $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  rustc --version; python3 -c 'import shapely; print("shapely", shapely.__version__, "GEOS", shapely.geos_version_string)' 2>/dev/null
} | tee "$OUT/machine.txt"

cargo build --release --benches --examples 2>/dev/null
./target/release/zonecheck compile rules/national -o target/national-bench.zcs 2>&1 | tee "$OUT/compile.txt"
for i in 1 2 3; do ./target/release/examples/load_probe target/national-bench.zcs; done 2>&1 | tee "$OUT/load_probe.txt"
for b in locate check pipeline; do
  cargo bench --bench "$b" 2>&1 | tee "$OUT/bench-$b.txt" | grep -E "^[a-z_/]+|time:|thrpt:|scaling|heap"
done

python3 "$TOOLS/baseline_shapely.py" "$NATIONAL/units-national.geojson.gz" --points 100000 --seed 7 \
  --write-points "$OUT/points-100k.tsv" 2>&1 | tee "$OUT/shapely.txt"
# zonecheck on exactly the shapely points, through the command line (load included).
/usr/bin/time -f "zonecheck locate 100k shapely points: %e s wall, %M KB max RSS" \
  ./target/release/zonecheck locate --rules target/national-bench.zcs --points "$OUT/points-100k.tsv" \
  > "$OUT/zonecheck-locate-100k.tsv" 2> "$OUT/zonecheck-locate-100k.time"
cat "$OUT/zonecheck-locate-100k.time"
if [ "$(id -u)" = 0 ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  bash "$TOOLS/baseline_postgis.sh" "$NATIONAL/units-national.geojson.gz" "$OUT/points-100k.tsv" 2>&1 | tee "$OUT/postgis.txt"
else
  echo "PostGIS baseline skipped (needs root and postgresql-15-postgis-3)" | tee "$OUT/postgis.txt"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
