#!/usr/bin/env bash
# Stripe webhook under a steady load: signed checkout.session.completed events posted at RATE
# per second for DURATION seconds (every 10th one a redelivery), latency percentiles printed, then the
# credits counted once the job queue has drained: one per distinct event.
#
#   bench/webhooks.sh                       SQLite
#   BENCH_DATABASE_URL=postgres://... bench/webhooks.sh
#
# Knobs: RATE (50), DURATION (20), BENCH_PORT (3301). Needs a release build (cargo leptos build
# --release) and Node. Figures are for comparing runs on one machine, never asserted.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SCRIPT_TAG=bench
source scripts/lib.sh
source bench/lib.sh

PORT=${BENCH_PORT:-3301}
BASE="http://127.0.0.1:$PORT"
SECRET="whsec_bench_$(date +%s)"
[[ -x target/release/switchyard ]] || { scripts/setup.sh; cargo leptos build --release --split --precompress >/dev/null 2>&1 || die "release build failed"; }
command -v curl >/dev/null 2>&1 || apt_install curl

bench_serve STRIPE_SECRET_KEY=sk_test_bench STRIPE_WEBHOOK_SECRET="$SECRET" STRIPE_API_BASE=http://127.0.0.1:9

bench_setup
COOKIE=$(awk '$6=="switchyard_session"{print "switchyard_session=" $7}' "$JAR")

# The company's id (no page shows it): read from the database.
if [[ "$DB_URL" == sqlite* ]]; then
  COMPANY=$(python3 -c "import sqlite3,uuid,sys; c=sqlite3.connect(sys.argv[1]); print(uuid.UUID(bytes=c.execute('SELECT id FROM companies').fetchone()[0]))" "${DB_URL#sqlite://}")
else
  COMPANY=$(psql -Atq "$DB_URL" -c "SELECT id FROM companies LIMIT 1")
fi

balance() {
  curl -fs -H "Cookie: $COOKIE" -H "Origin: $BASE" -X POST --data page=1 "$BASE/api/billing" \
    | python3 -c "import json,sys; print(json.load(sys.stdin)['balance'])"
}

OUT=$(BASE=$BASE SECRET=$SECRET COMPANY_ID=$COMPANY RATE=${RATE:-50} DURATION=${DURATION:-20} \
  node bench/webhook-load.mjs)
echo "$OUT" | grep -v '^distinct='
DISTINCT=$(sed -n 's/^distinct=//p' <<<"$OUT")
# Let the job queue drain, then count credits.
EXPECTED=$((DISTINCT * 50000))
for _ in $(seq 1 120); do
  [[ "$(balance)" == "$EXPECTED" ]] && break
  sleep 0.5
done
FINAL=$(balance)
echo "credits: balance $FINAL tokens = $((FINAL / 50000)) Starter packs for $DISTINCT distinct events"
[[ "$FINAL" == "$EXPECTED" ]] || echo "warning: the balance is not one credit per event (see $DATA/server.log)"
