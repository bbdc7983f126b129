#!/usr/bin/env bash
# Load test of `zonecheck serve` on loopback: wrk posts one project to /v1/check at saturation
# for DURATION seconds, while the server's RSS is sampled every second (before, during, after).
#
#   scripts/load_test.sh [DURATION_S] [CONNECTIONS] [PROJECT_JSON]
#
# ROUNDS=N (default 1) repeats the measured run N times against the same server, printing the
# RSS after each: a leak shows as RSS growing round after round.
# Needs wrk (`apt-get install -y wrk`) and a release build (`cargo build --release`). Prints
# the machine, `uptime` before and after (other work on the machine skews the figures: rerun
# when the load average before is well above 0), wrk's summary with p50/p90/p99 latency and the
# error counts, and the RSS samples. Writes everything to target/load-test/ as well.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-60}
CONNECTIONS=${2:-32}
PROJECT=${3:-examples/projects/02-yangtze-shore-chemical-new.json}
ROUNDS=${ROUNDS:-1}
BIN=target/release/zonecheck
OUT=target/load-test
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 2; }
[ -x "$BIN" ] || { echo "no release build: cargo build --release" >&2; exit 2; }

echo "== machine"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; memory: $(free -g | awk '/Mem:/{print $2}') GiB"
echo "wrk: $(wrk -v 2>&1 | head -1)"
echo "uptime before: $(uptime)"

"$BIN" serve --rules rules/nanjing --addr 127.0.0.1:0 2> "$OUT/server.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
ADDR=""
for _ in $(seq 1 200); do
  ADDR=$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$OUT/server.log" | head -1)
  [ -n "$ADDR" ] && break
  sleep 0.1
done
[ -n "$ADDR" ] || { echo "the server did not start" >&2; cat "$OUT/server.log" >&2; exit 1; }
echo "server: pid $PID on $ADDR"

rss() { awk '/VmRSS/{print $2}' "/proc/$PID/status"; }
echo "rss before (KiB): $(rss)"

cat > "$OUT/check.lua" <<'LUA'
local f = assert(io.open(os.getenv("PROJECT"), "r"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format("requests: %d in %.1f s = %.0f req/s\n", summary.requests,
    summary.duration / 1e6, summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3))
  local e = summary.errors
  io.write(string.format("errors: connect %d, read %d, write %d, timeout %d, non-2xx %d\n",
    e.connect, e.read, e.write, e.timeout, e.status))
end
LUA

# Warm up (first touches of the rule set), then the measured run with RSS sampled each second.
PROJECT="$PROJECT" wrk -t2 -c"$CONNECTIONS" -d5s -s "$OUT/check.lua" "http://$ADDR/v1/check" > /dev/null
echo "rss after warm-up (KiB): $(rss)"
for round in $(seq 1 "$ROUNDS"); do
echo "== round $round of $ROUNDS"
: > "$OUT/rss.tsv"
( for i in $(seq 1 "$DURATION"); do echo -e "$i\t$(rss)" >> "$OUT/rss.tsv"; sleep 1; done ) &
SAMPLER=$!
PROJECT="$PROJECT" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$OUT/check.lua" \
  "http://$ADDR/v1/check" | tee "$OUT/wrk-$round.txt"
wait $SAMPLER || true
sleep 2
echo "rss after round $round (KiB): $(rss)"
echo "rss during (KiB): min $(sort -n -k2 "$OUT/rss.tsv" | head -1 | cut -f2), max $(sort -n -k2 "$OUT/rss.tsv" | tail -1 | cut -f2), samples $(wc -l < "$OUT/rss.tsv")"
echo "rss by decile of the run (KiB): $(awk -v n="$DURATION" 'NR % int(n/10 > 0 ? n/10 : 1) == 0 {printf "%s ", $2}' "$OUT/rss.tsv")"
echo "uptime: $(uptime)"
done
echo "uptime after: $(uptime)"
kill -TERM $PID
wait $PID && echo "server exited 0 on SIGTERM"
trap - EXIT
