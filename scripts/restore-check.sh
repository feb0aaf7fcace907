#!/usr/bin/env bash
# README's restore, run as an operator would: a seeded database is backed up with `switchyard
# backup`, restored with `switchyard restore <key> --into <an empty database>`, Switchyard is
# started on the copy, the seeded owner signs in and sees the dashboard, and every table's row
# count equals the source's. SQLite always; PostgreSQL too when PG_ADMIN_URL is given.
#
#   scripts/restore-check.sh BINARY [PG_ADMIN_URL]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SCRIPT_TAG=restore
source scripts/lib.sh

command -v curl >/dev/null 2>&1 || apt_install curl

BIN=${1:?the switchyard binary}
PG=${2:-}
WORK=$(mktemp -d)
PORT=${RESTORE_CHECK_PORT:-3311}
PID=""
DBS=()
cleanup() {
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  for db in "${DBS[@]}"; do psql -q "$PG" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Row counts of every table but the migrations' own, one "table count" line each.
counts() { # url
  local url=$1
  if [[ "$url" == sqlite:* ]]; then
    python3 - "${url#sqlite://}" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' AND name <> '_sqlx_migrations' ORDER BY name"):
    print(t, c.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0])
PY
  else
    psql -Atq "$url" -c "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' ORDER BY table_name" |
      while read -r t; do echo "$t $(psql -Atq "$url" -c "SELECT COUNT(*) FROM \"$t\"")"; done
  fi
}

up() { wait_ready "$PORT"; }

check() { # label source-url target-url
  local label=$1 src=$2 dst=$3 data="$WORK/$1"
  mkdir -p "$data"
  local run=(env LOG_LEVEL=warn DATA_DIR="$data" PUBLIC_URL="http://127.0.0.1:$PORT" LEPTOS_SITE_ADDR="127.0.0.1:$PORT")
  # First-run setup, then a seeded company (the bench's seeding, smaller).
  "${run[@]}" DATABASE_URL="$src" "$BIN" >"$data/setup.log" 2>&1 &
  PID=$!
  up
  first_run_setup "$PORT" restore.test restore-pass-2026 || die "$label: first-run setup failed"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  "${run[@]}" DATABASE_URL="$src" "$BIN" seed --company "Restore Check" --email owner@restore.test \
    --password restore-pass-2026 --orders 3000 >/dev/null || die "$label: seeding failed"
  "${run[@]}" DATABASE_URL="$src" "$BIN" backup >"$data/backup.out" || die "$label: backup failed"
  local key
  key=$(grep -o 'backups/[^ ]*\.\(sqlite\|pgdump\)' "$data/backup.out" | head -1)
  [[ -n "$key" ]] || die "$label: no backup key in: $(cat "$data/backup.out")"
  counts "$src" >"$data/source.counts"
  local t0=$SECONDS
  "${run[@]}" DATABASE_URL="$src" "$BIN" restore "$key" --into "$dst" >/dev/null || die "$label: restore failed"
  say "$label: $key restored in $((SECONDS - t0)) s"
  counts "$dst" >"$data/copy.counts"
  diff -u "$data/source.counts" "$data/copy.counts" || die "$label: the copy's row counts differ from the source's"
  # Started on the copy: it answers, and the seeded owner signs in and sees the dashboard.
  "${run[@]}" DATABASE_URL="$dst" "$BIN" >"$data/server.log" 2>&1 &
  PID=$!
  up
  curl -fs -o /dev/null -c "$data/jar" -H "Origin: http://127.0.0.1:$PORT" --data-urlencode email=owner@restore.test \
    --data-urlencode password=restore-pass-2026 "http://127.0.0.1:$PORT/auth/login" || die "$label: sign-in on the copy failed"
  curl -fs -b "$data/jar" "http://127.0.0.1:$PORT/?period=90d" | grep -q "Restore Check" \
    || die "$label: the dashboard of the copy did not show the company"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  say "$label: $(wc -l <"$data/copy.counts") tables with the source's row counts ($(awk '$1=="orders"{print $2}' "$data/copy.counts") orders); the copy started and its owner signed in"
}

check sqlite "sqlite://$WORK/source.db" "sqlite://$WORK/copy.db"
if [[ -n "$PG" ]]; then
  suffix="$$_$RANDOM"
  DBS=("sy_restore_src_$suffix" "sy_restore_copy_$suffix")
  for db in "${DBS[@]}"; do psql -q "$PG" -c "CREATE DATABASE ${db}" >/dev/null; done
  check postgres "${PG%/*}/${DBS[0]}" "${PG%/*}/${DBS[1]}"
fi
