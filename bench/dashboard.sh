#!/usr/bin/env bash
# Dashboard figures, printed, never asserted. Seeds a company with `switchyard seed` (the
# bench's spec: 5 stores, ORDERS orders over 90 days, 200 campaigns' daily figures, 10,000
# analyses; the rollup triggers run as for real writes), then prints:
#  1. the seeding time and the rollup check (`switchyard rollups`, which must find nothing);
#  2. the SQL statements one signed-in dashboard view runs (sqlx's statement log), cold (its
#     figures read from the rollups) and warm (from the cache, the rollup versions unchanged),
#     and a cold view's time;
#  3. start to first answer on the seeded database;
#  4. p50/p95/p99 and requests/s of the signed-in dashboard for each period (today, 7, 30 and
#     90 days, a custom year), all stores and one store, at 16 connections; 30 days at 64;
#  5. the server's RSS after the load.
#
#   bench/dashboard.sh                       SQLite
#   BENCH_DATABASE_URL=postgres://... bench/dashboard.sh
#
# Knobs: ORDERS (1000000), BENCH_SECONDS (10), BENCH_PORT (3303). Needs a release build
# (`cargo leptos build --release --split --precompress`, made when missing) and wrk (Debian's).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SCRIPT_TAG=bench
source scripts/lib.sh
source bench/lib.sh

PORT=${BENCH_PORT:-3303}
BASE="http://127.0.0.1:$PORT"
ORDERS=${ORDERS:-1000000}
SECONDS_EACH=${BENCH_SECONDS:-10}
command -v wrk >/dev/null 2>&1 || apt_install wrk
command -v curl >/dev/null 2>&1 || apt_install curl
[[ -x target/release/switchyard ]] || { scripts/setup.sh; cargo leptos build --release --split --precompress >/dev/null 2>&1 || die "release build failed"; }

bench_serve
bench_setup
server() { # [VAR=value ...]: the server again on the same data
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  env LOG_LEVEL=warn DATA_DIR="$DATA" DATABASE_URL="$DB_URL" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" \
    PUBLIC_URL="$BASE" "$@" ./target/release/switchyard >"$DATA/server.log" 2>&1 &
  PID=$!
}
until_up() {
  for _ in $(seq 1 2000); do curl -fs -o /dev/null "$BASE/health" && return 0; sleep 0.005; done
  die "the server did not answer"
}

say "seeding $ORDERS orders"
started=$(date +%s.%N)
env LOG_LEVEL=warn DATA_DIR="$DATA" DATABASE_URL="$DB_URL" ./target/release/switchyard seed \
  --company "Dash Bench" --email dash@bench.test --password "$PW" --timezone Europe/Bucharest \
  --orders "$ORDERS" 2>/dev/null
awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "seeded in %.1f s\n", e - s }'
env LOG_LEVEL=warn DATA_DIR="$DATA" DATABASE_URL="$DB_URL" ./target/release/switchyard rollups \
  || die "the rollups differ from their sources after seeding"
if [[ "$DB_URL" == postgres* ]]; then psql -q "$DB_URL" -c "ANALYZE" >/dev/null; fi

# Statements per view: the statement log of one signed-in dashboard (after a first one, so
# the session's once-a-minute touch is not counted).
server LOG_LEVEL="warn,sqlx::query=debug"
until_up
JAR2="$DATA/dash-cookies"
curl -fs -o /dev/null -c "$JAR2" -H "Origin: $BASE" --data-urlencode email=dash@bench.test \
  --data-urlencode password="$PW" "$BASE/auth/login" || die "sign-in failed"
COOKIE=$(awk '$6=="switchyard_session"{print "switchyard_session=" $7}' "$JAR2")
[[ -n "$COOKIE" ]] || die "no session cookie after sign-in"
curl -fs -o /dev/null -H "Cookie: $COOKIE" "$BASE/?period=7d"
sleep 0.5
# The job runner's polls and the WAL checkpoints are not the view's: left out.
statements() { grep "sqlx::query" "$DATA/server.log" | grep -v -e "jobs" -e "wal_checkpoint" || true; }
view_statements() { # label: one view of 30 days, its statements counted and listed
  local before after
  before=$(statements | wc -l)
  curl -fs -H "Cookie: $COOKIE" "$BASE/?period=30d" | grep -q "Revenue" || die "the dashboard did not show the seeded figures"
  sleep 0.5
  after=$(statements | wc -l)
  echo "SQL statements per signed-in dashboard view, $1: $((after - before))"
  statements | tail -n "$((after - before))" | sed -E 's/.*summary="([^"]{0,70}).*/  \1…/' || true
}
# The first view of a period reads every card group from the rollups; the next one finds them
# under the same rollup versions and reads only the latest lists.
view_statements "cold (figures read from the rollups)"
view_statements "warm (rollup versions unchanged)"
# Start to first answer on the seeded database.
kill "$PID"; wait "$PID" 2>/dev/null || true
t0=$(date +%s%N)
server
until_up
echo "start to first answer: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
# A cold view's time: periods not viewed yet (as after a write), one at a time.
cold=()
for days in 31 32 33 34 35 36 37 38; do
  from=$(date -u -d "-$((days - 1)) days" +%F)
  cold+=("$(curl -fs -o /dev/null -w '%{time_total}' -H "Cookie: $COOKIE" "$BASE/?period=custom&from=$from&to=$(date -u +%F)")")
done
printf '%s\n' "${cold[@]}" | sort -n | awk '{ t[NR] = $1 * 1000 } END { printf "cold view (8 periods not viewed before, 31-38 days): median %.1f ms, max %.1f ms\n", t[int((NR + 1) / 2)], t[NR] }'


STORE=$(curl -fs -H "Cookie: $COOKIE" "$BASE/" | grep -o '<option value="[0-9a-f-]\{36\}"[^>]*>Store 1<' | head -1 | sed -E 's/.*value="([^"]+)".*/\1/')
[[ -n "$STORE" ]] || die "no Store 1 in the store filter"
cat >"$DATA/percentiles.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
LUA
run() { # label path connections
  local r
  r=$(wrk -t2 -c"$3" -d"${SECONDS_EACH}s" -s "$DATA/percentiles.lua" -H "Cookie: $COOKIE" "$BASE$2" | awk '/^RESULT/')
  read -r _ rps p50 p95 p99 errors <<<"$r"
  printf '| %-26s | %3s | %7s | %7s ms | %7s ms | %7s ms | %s |\n' "$1" "$3" "$rps" "$p50" "$p95" "$p99" "$errors"
}
echo
echo "database: ${DB_URL%%:*}   orders: $ORDERS   wrk: 2 threads, ${SECONDS_EACH}s each"
echo "| view | conns | req/s | p50 | p95 | p99 | errors |"
echo "|---|---|---|---|---|---|---|"
year_from=$(date -u -d '-364 days' +%F); today=$(date -u +%F)
for period in today 7d 30d 90d; do
  run "$period, all stores" "/?period=$period" 16
  run "$period, one store" "/?period=$period&store=$STORE" 16
done
run "custom year, all stores" "/?period=custom&from=$year_from&to=$today" 16
run "30d, all stores" "/?period=30d" 64
echo
echo "server memory (RSS) after the load: $(awk '/VmRSS/{print $2, $3}' /proc/$PID/status)"
