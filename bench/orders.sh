#!/usr/bin/env bash
# Orders figures, printed, never asserted.
#  1. Shopify webhook ingest: signed order webhooks at RATE/s for DURATION s (redeliveries and
#     updates mixed in): acknowledgement p50/p95/p99, non-2xx, then the time for the job queue to
#     drain, and duplicates (orders − distinct order ids, must be 0).
#  2. The inbox over ORDERS orders in 5 stores (seeded in the database directly): the first
#     page of each filter through /api/orders, and its count through /api/orders_count (the
#     inbox asks for them apart), REPEAT times each, p50/p95 time.
#  3. Exports of about 100,000 orders: time, size, server RSS growth.
#  4. A bulk status change over up to 10,000 of them: creation time and orders per second.
#
#   bench/orders.sh                       SQLite
#   BENCH_DATABASE_URL=postgres://... bench/orders.sh
#
# Knobs: RATE (500), DURATION (60), ORDERS (1000000), REPEAT (20), BENCH_PORT (3302), ONLY_BULK
# (set: seed and part 4 only), ONLY_INGEST (set: part 1 only). Needs a
# release build (cargo leptos build --release) and Node.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SCRIPT_TAG=bench
source scripts/lib.sh
source bench/lib.sh

PORT=${BENCH_PORT:-3302}
BASE="http://127.0.0.1:$PORT"
SHOP="bench-$(date +%s).myshopify.com"
SECRET="shpss_bench_$(date +%s)_secret"
[[ -x target/release/switchyard ]] || { scripts/setup.sh; cargo leptos build --release --split --precompress >/dev/null 2>&1 || die "release build failed"; }
command -v curl >/dev/null 2>&1 || apt_install curl

bench_serve
bench_setup
COOKIE=$(awk '$6=="switchyard_session"{print "switchyard_session=" $7}' "$JAR")
api() { # path [curl args...]
  local p=$1; shift
  curl -fs -H "Cookie: $COOKIE" -H "Origin: $BASE" -X POST "$@" "$BASE/api/$p"
}
sql() { # statement → rows
  if [[ "$DB_URL" == sqlite* ]]; then
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); [print('|'.join(map(str,r))) for r in c.execute(sys.argv[2])]" "${DB_URL#sqlite://}" "$1"
  else
    psql -Atq "$DB_URL" -c "$1"
  fi
}

# Five Shopify stores; the first is connected to the load's shop.
for n in 1 2 3 4 5; do
  api create_store --data-urlencode "name=Store $n" --data-urlencode platform=shopify >/dev/null
done
STORE=$(api stores_page | python3 -c "import json,sys; print(next(s['id'] for s in json.load(sys.stdin)['stores'] if s['name']=='Store 1'))")
api connect_shopify --data-urlencode "store_id=$STORE" --data-urlencode "shop_domain=$SHOP" \
  --data-urlencode access_token=shpat_bench_access_token_0000 --data-urlencode "webhook_secret=$SECRET" \
  --data-urlencode currency=RON >/dev/null || die "could not connect the store"

echo
echo "database: ${DB_URL%%:*}"
if [[ -z "${ONLY_BULK:-}" ]]; then
OUT=$(BASE=$BASE SHOP=$SHOP SECRET=$SECRET RATE=${RATE:-500} DURATION=${DURATION:-60} node bench/shopify-load.mjs)
grep -v '^orders=' <<<"$OUT"
python3 bench/server_latency.py "$BASE/metrics" /webhooks/shopify
EXPECTED=$(sed -n 's/^orders=//p' <<<"$OUT")
START=$(date +%s.%N)
for _ in $(seq 1 1200); do
  LEFT=$(sql "SELECT COUNT(*) FROM jobs WHERE kind = 'orders.shopify-webhook' AND status IN ('queued', 'running')")
  [[ "$LEFT" == "0" ]] && break
  sleep 0.5
done
DRAIN=$(python3 -c "import sys; print(float(sys.argv[1]) - float(sys.argv[2]))" "$(date +%s.%N)" "$START")
ORDERS_NOW=$(sql "SELECT COUNT(*) FROM orders")
DISTINCT=$(sql "SELECT COUNT(DISTINCT external_id) FROM orders")
printf 'queue drained %.1f s after the last post (jobs left %s); orders %s for %s distinct ids sent; duplicates %s\n' \
  "$DRAIN" "$LEFT" "$ORDERS_NOW" "$EXPECTED" "$((ORDERS_NOW - DISTINCT))"
echo "server memory (RSS): $(awk '/VmRSS/{print $2, $3}' /proc/$PID/status)"
fi
[[ -n "${ONLY_INGEST:-}" ]] && exit 0

# 2. The inbox over many orders.
N=${ORDERS:-1000000}
COMPANY=$(sql "SELECT id FROM companies" | head -1)
say "seeding $N orders in 5 stores"
SEED_START=$(date +%s)
if [[ "$DB_URL" == sqlite* ]]; then
  kill "$PID"; wait "$PID" 2>/dev/null || true
  python3 bench/seed_orders.py "${DB_URL#sqlite://}" "$N"
  bench_restart() { env LOG_LEVEL=warn DATA_DIR="$DATA" DATABASE_URL="$DB_URL" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" \
      PUBLIC_URL="$BASE" ./target/release/switchyard >>"$DATA/server.log" 2>&1 & PID=$!
    for _ in $(seq 1 100); do curl -fs "$BASE/health" >/dev/null 2>&1 && break; sleep 0.1; done; }
  bench_restart
else
  psql -q "$DB_URL" -v n="$N" -f bench/seed_orders.sql
fi
echo "seeded in $(( $(date +%s) - SEED_START )) s; orders: $(sql "SELECT COUNT(*) FROM orders")"

STORE3=$(sql "SELECT id FROM stores WHERE name = 'Store 3'" | head -1)
if [[ "$DB_URL" == sqlite* ]]; then
  STORE3=$(python3 -c "import uuid,sys; print(uuid.UUID(bytes=bytes.fromhex(sys.argv[1])))" "$(sql "SELECT hex(id) FROM stores WHERE name = 'Store 3'")")
fi
first_page() { # label, then form fields
  local label=$1; shift
  local args=(--data-urlencode page=1 --data-urlencode per=50)
  for k in store status q flag preset from to sort dir; do
    local v=""
    for kv in "$@"; do [[ "${kv%%=*}" == "$k" ]] && v="${kv#*=}"; done
    args+=(--data-urlencode "$k=$v")
  done
  local times=() counts=()
  for _ in $(seq 1 "${REPEAT:-20}"); do
    times+=("$(curl -fs -o /dev/null -w '%{time_total}' -H "Cookie: $COOKIE" -H "Origin: $BASE" -X POST "${args[@]}" "$BASE/api/orders")")
    counts+=("$(curl -fs -o /dev/null -w '%{time_total}' -H "Cookie: $COOKIE" -H "Origin: $BASE" -X POST "${args[@]}" "$BASE/api/orders_count")")
  done
  local page count
  page=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "p50 %6.1f ms   p95 %6.1f ms", a[int(NR*0.5)+1]*1000, a[int(NR*0.95)]*1000}')
  count=$(printf '%s\n' "${counts[@]}" | sort -n | awk '{a[NR]=$1} END {printf "p50 %6.1f ms   p95 %6.1f ms", a[int(NR*0.5)+1]*1000, a[int(NR*0.95)]*1000}')
  printf '%-34s page %s   count %s\n' "$label" "$page" "$count"
}
if [[ -z "${ONLY_BULK:-}" ]]; then
echo "inbox first page (50 rows) and its count (asked apart), ${REPEAT:-20} requests each:"
first_page "no filter (newest first)"
first_page "one store" "store=$STORE3"
first_page "status Shipped" "status=SHIPPED"
first_page "store + status" "store=$STORE3" "status=SHIPPED"
first_page "check: phone missing" "flag=phone"
first_page "text: customer name" "q=ioana"
# A full name: about one order in a hundred (SQLite's index holds fewer than 10,001 of them,
# so its page is sorted from the index: the dearest case there).
first_page "text: first and last name" "q=ioana ene"
# One customer's email (a rare term: nothing to find by walking the newest orders), and a term
# no order has.
EMAIL=$(sql "SELECT email FROM orders WHERE external_id = '$((1000000000 + N / 2))'" | head -1)
first_page "text: one customer's email" "q=$EMAIL"
first_page "text: no match" "q=zzqq"
first_page "text: order number" "q=#S3-12345"
first_page "dates: one week" "from=2026-06-01" "to=2026-06-07"
first_page "sorted by total" "sort=total" "dir=desc"

# 3. Exports of about 100,000 orders (one store, January to mid-June): time, size and how much
#    the server's memory grew while it streamed (sampled every 50 ms).
export_one() { # format
  local before peak out pidwatch
  before=$(awk '/VmRSS/{print $2}' /proc/$PID/status)
  ( peak=$before; while kill -0 $PID 2>/dev/null; do
      r=$(awk '/VmRSS/{print $2}' /proc/$PID/status); (( r > peak )) && peak=$r
      # Renamed into place: the watcher is stopped at any moment, never halfway through a write.
      echo "$peak" >"$DATA/peak.new"; mv -f "$DATA/peak.new" "$DATA/peak"; sleep 0.05
    done ) & pidwatch=$!
  out=$(curl -fs -o "$DATA/export.$1" -w '%{time_total} %{size_download}' -H "Cookie: $COOKIE" -H "Origin: $BASE" \
    -X POST --data-urlencode "format=$1" --data-urlencode "store=$STORE3" \
    --data-urlencode from=2026-01-01 --data-urlencode to=2026-06-15 "$BASE/orders/export")
  sleep 0.2; kill $pidwatch 2>/dev/null || true; wait $pidwatch 2>/dev/null || true
  peak=$(cat "$DATA/peak")
  local rows
  if [[ "$1" == csv ]]; then rows=$(( $(wc -l <"$DATA/export.csv") - 1 )); else rows="(xlsx)"; fi
  read -r secs bytes <<<"$out"
  printf 'export %-4s %8s rows  %6.1f s  %7.1f MB  server RSS +%.1f MB (%.1f → %.1f MB)\n' "$1" "$rows" "$secs" \
    "$(echo "$bytes / 1048576" | bc -l)" "$(echo "($peak - $before) / 1024" | bc -l)" \
    "$(echo "$before / 1024" | bc -l)" "$(echo "$peak / 1024" | bc -l)"
}
echo "exports:"
export_one csv
export_one xlsx
fi

# 4. A bulk action over up to 10,000 orders (one store, ten days of June): how long the form
#    takes to fix the run's orders, then how fast the `orders.bulk` job works through them (one
#    transaction per order, as in production).
echo "bulk run:"
BULK_START=$(date +%s.%N)
LOC=$(curl -fs -o /dev/null -w '%{redirect_url}' -H "Cookie: $COOKIE" -H "Origin: $BASE" -X POST \
  --data-urlencode "key=bench-$(date +%s%N)" --data-urlencode op=status --data-urlencode to_status=PICKING \
  --data-urlencode scope=all --data-urlencode "store=$STORE3" \
  --data-urlencode from=2026-06-01 --data-urlencode to=2026-06-10 "$BASE/orders/bulk")
CREATED=$(date +%s.%N)
RUN=${LOC##*/orders/runs/}
[[ "$LOC" == */orders/runs/* ]] || die "the bulk form answered $LOC"
if [[ "$DB_URL" == sqlite* ]]; then RUN_SQL="x'${RUN//-/}'"; else RUN_SQL="'$RUN'"; fi
for _ in $(seq 1 6000); do
  [[ "$(sql "SELECT state FROM order_bulk_runs WHERE id = $RUN_SQL")" == finished ]] && break
  sleep 0.1
done
END=$(date +%s.%N)
IFS='|' read -r TOTAL OK FAILED SKIPPED <<<"$(sql "SELECT total, succeeded, failed, skipped FROM order_bulk_runs WHERE id = $RUN_SQL")"
printf 'bulk status change: %s orders (%s done, %s refused, %s skipped); run created in %.2f s, worked through in %.1f s (%.0f orders/s)\n' \
  "$TOTAL" "$OK" "$FAILED" "$SKIPPED" "$(echo "$CREATED - $BULK_START" | bc -l)" "$(echo "$END - $CREATED" | bc -l)" \
  "$(echo "$TOTAL / ($END - $CREATED)" | bc -l)"
