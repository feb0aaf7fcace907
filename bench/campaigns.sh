#!/usr/bin/env bash
# Campaigns figures, printed, never asserted: an ad account's sync against the ads stand-in
# (end2end/ads-standin) playing Meta's Graph API, through the release server and its own job:
# consent through the stand-in's page, import, then the first sync (ADS_HISTORY_DAYS, 90 days
# back, in 30-day windows of insights pages of 200 rows) and a second one (the last 3 days),
# each timed from the request to "Synced" on the settings page's data. Prints campaign-days
# written per minute, the Graph API calls made, and the server's RSS.
#
#   bench/campaigns.sh                       SQLite
#   BENCH_DATABASE_URL=postgres://... bench/campaigns.sh
#
# Knobs: CAMPAIGNS (300 besides the stand-in's 4), BENCH_PORT (3303), ADS_PORT (3304). Needs a
# release build (cargo leptos build --release) and Node.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SCRIPT_TAG=bench
source scripts/lib.sh
source bench/lib.sh

PORT=${BENCH_PORT:-3303}
ADS_PORT=${ADS_PORT:-3304}
CAMPAIGNS=${CAMPAIGNS:-300}
BASE="http://127.0.0.1:$PORT"
ADS="http://127.0.0.1:$ADS_PORT"
[[ -x target/release/switchyard ]] || { scripts/setup.sh; cargo leptos build --release --split --precompress >/dev/null 2>&1 || die "release build failed"; }
command -v curl >/dev/null 2>&1 || apt_install curl

STANDIN_PORT=$ADS_PORT ADS_CAMPAIGNS=$CAMPAIGNS INSIGHTS_PAGE=200 \
  META_APP_ID=bench-meta META_APP_SECRET=bench-meta-secret node end2end/ads-standin/server.mjs >/dev/null 2>&1 &
ADS_PID=$!
for _ in $(seq 1 50); do curl -fs "$ADS/health" >/dev/null 2>&1 && break; sleep 0.1; done

bench_serve META_APP_ID=bench-meta META_APP_SECRET=bench-meta-secret \
  META_GRAPH_BASE="$ADS/" META_DIALOG_BASE="$ADS/"
trap 'kill $PID $ADS_PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DATA"; bench_autovacuum_restore' EXIT
bench_setup
api() { # path [curl args...]
  local p=$1; shift
  curl -fs -b "$JAR" -c "$JAR" -H "Origin: $BASE" -X POST "$@" "$BASE/api/$p"
}
sql() {
  if [[ "$DB_URL" == sqlite* ]]; then
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); [print('|'.join(map(str,r))) for r in c.execute(sys.argv[2])]" "${DB_URL#sqlite://}" "$1"
  else
    psql -Atq "$DB_URL" -c "$1"
  fi
}

# Consent: the connect form → the stand-in's page → its "Continue" → the callback.
DIALOG=$(curl -fs -o /dev/null -w '%{redirect_url}' -b "$JAR" -c "$JAR" -H "Origin: $BASE" -X POST "$BASE/campaigns/connect/meta")
ALLOW=$(curl -fs "$DIALOG" | sed -n 's/.*id="allow" href="\([^"]*\)".*/\1/p' | sed 's/&amp;/\&/g')
[[ -n "$ALLOW" ]] || die "no consent link on the stand-in's page"
curl -fs -o /dev/null -b "$JAR" -c "$JAR" "$ALLOW"
ACCOUNT=$(api ad_accounts | python3 -c 'import json,sys; print(json.load(sys.stdin)["connections"][0]["accounts"][0]["id"])')

# until_synced LABEL: waits for the account's pass to end; prints its figures.
until_synced() {
  local label=$1 start=$2 before_calls=$3 before_rows=$4
  while :; do
    STATE=$(api ad_accounts | python3 -c 'import json,sys; a=json.load(sys.stdin)["connections"][0]["accounts"][0]; print(("ERR " + a["sync_error"]) if a["sync_error"] else a["sync"])')
    [[ "$STATE" == Synced* || "$STATE" == ERR* ]] && break
    sleep 0.2
  done
  local end; end=$(date +%s.%N)
  [[ "$STATE" == ERR* ]] && die "$label: $STATE"
  local rows calls
  rows=$(sql "SELECT COUNT(*) FROM ad_campaign_days")
  calls=$(curl -fs "$ADS/_standin/meta/requests" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
  python3 - "$label" "$start" "$end" "$rows" "$before_rows" "$calls" "$before_calls" "$CAMPAIGNS" <<'PY'
import sys
label, start, end, rows, before_rows, calls, before_calls, n = sys.argv[1:]
secs = float(end) - float(start)
written = int(rows) if label.startswith("first") else None
print(f"{label}: {secs:.2f} s, {int(calls) - int(before_calls)} Graph API calls, {rows} campaign-days stored "
      f"({int(n) + 4} campaigns)" + (f", {int(rows) / secs * 60:,.0f} campaign-days per minute" if written else ""))
PY
}

echo "== ad account sync against the stand-in ($((CAMPAIGNS + 4)) campaigns, $DB_URL)"
CALLS0=$(curl -fs "$ADS/_standin/meta/requests" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
T0=$(date +%s.%N)
api import_ad_account --data-urlencode account_id="$ACCOUNT" --data-urlencode imported=true >/dev/null
until_synced "first sync (90 days)" "$T0" "$CALLS0" 0
CALLS1=$(curl -fs "$ADS/_standin/meta/requests" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
ROWS1=$(sql "SELECT COUNT(*) FROM ad_campaign_days")
T1=$(date +%s.%N)
api sync_ad_account --data-urlencode account_id="$ACCOUNT" >/dev/null
until_synced "second sync (last 3 days re-read)" "$T1" "$CALLS1" "$ROWS1"
echo "server RSS: $(( $(awk '/VmRSS/{print $2}' /proc/$PID/status) / 1024 )) MB"
