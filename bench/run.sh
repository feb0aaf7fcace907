#!/usr/bin/env bash
# Load figures, printed, never asserted: requests/s and p50/p99 latency for the signed-in
# dashboard page (full SSR with its database queries) and for /health, and their ratio.
#
#   bench/run.sh                 SQLite (the embedded default)
#   BENCH_DATABASE_URL=postgres://... bench/run.sh
#
# Knobs: BENCH_SECONDS (15), BENCH_CONNECTIONS (16), BENCH_THREADS (2), BENCH_PORT (3300).
# wrk runs on the same machine as the server, so figures are for comparing runs, not capacity.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SCRIPT_TAG=bench
source scripts/lib.sh
source bench/lib.sh

SECONDS_EACH=${BENCH_SECONDS:-15}
CONNS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
PORT=${BENCH_PORT:-3300}
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null 2>&1 || apt_install wrk
command -v curl >/dev/null 2>&1 || apt_install curl
scripts/setup.sh
say "release build"
cargo leptos build --release --split --precompress >/dev/null 2>&1 || die "cargo leptos build --release failed"

bench_serve

# Seed: the company and its owner, then a day of sign-ins so the activity queries have rows.
bench_setup
for _ in $(seq 1 50); do
  curl -fs -o /dev/null -c "$JAR" -H "Origin: $BASE" --data-urlencode email=owner@bench.test \
    --data-urlencode password="$PW" "$BASE/auth/login"
done
COOKIE=$(awk '$6=="switchyard_session"{print "switchyard_session=" $7}' "$JAR")
[[ -n "$COOKIE" ]] || die "no session cookie after sign-in"
curl -fs -H "Cookie: $COOKIE" "$BASE/" | grep -q "Bench" || die "the dashboard did not render for the seeded owner"

run() { # name path [cookie]
  local out
  if [[ -n "${3:-}" ]]; then
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_EACH}s" --latency -H "Cookie: $3" "$BASE$2")
  else
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_EACH}s" --latency "$BASE$2")
  fi
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx responses:/{print $NF}' <<<"$out")
  printf '%-22s %10s req/s   p50 %9s   p99 %9s   non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "${errors:-0}"
  eval "RPS_$4=$rps"
}

echo
echo "database: ${DB_URL%%:*}   wrk: ${THREADS} threads, ${CONNS} connections, ${SECONDS_EACH}s each"
run "GET / (signed in)" "/" "$COOKIE" DASH
run "GET /health" "/health" "" HEALTH
awk -v d="$RPS_DASH" -v h="$RPS_HEALTH" 'BEGIN { if (h > 0) printf "dashboard / health throughput ratio: %.3f (health is %.1fx faster)\n", d / h, h / d }'
echo "server memory (RSS): $(awk '/VmRSS/{print $2, $3}' /proc/$PID/status)"
