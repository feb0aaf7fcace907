# Shared by the bench scripts (sourced after scripts/lib.sh, with BASE and PORT set).

# A PostgreSQL without autovacuum (this machine's CI configuration turns it off) never analyses
# the tables the load fills from empty, and plans their statements as for an empty table: the
# order ingest's drain took 79.5 s instead of 10.1 s for the same 30 s of webhooks. The figures
# are for a default PostgreSQL, so autovacuum is turned on for the run and off again after it.
AUTOVACUUM_WAS_OFF=""
bench_autovacuum_on() {
  [[ "$DB_URL" == postgres* ]] || return 0
  if [[ "$(psql -Atq "$DB_URL" -c "SHOW autovacuum")" == "off" ]]; then
    AUTOVACUUM_WAS_OFF=1
    psql -q "$DB_URL" -c "ALTER SYSTEM SET autovacuum = on" -c "SELECT pg_reload_conf()" >/dev/null \
      || die "autovacuum is off on this PostgreSQL and could not be turned on for the bench"
    echo "autovacuum was off on this PostgreSQL: on for this run, as in a default installation"
  fi
}
bench_autovacuum_restore() {
  [[ -n "$AUTOVACUUM_WAS_OFF" ]] || return 0
  psql -q "$DB_URL" -c "ALTER SYSTEM RESET autovacuum" -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
}

# bench_serve [VAR=value ...]: starts the release server on a fresh data folder (SQLite there,
# or BENCH_DATABASE_URL) with the extra variables; sets DATA, DB_URL and PID, and stops it on exit.
bench_serve() {
  DATA=$(mktemp -d)
  DB_URL=${BENCH_DATABASE_URL:-sqlite://$DATA/switchyard.db}
  bench_autovacuum_on
  env LOG_LEVEL=warn DATA_DIR="$DATA" DATABASE_URL="$DB_URL" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" \
    PUBLIC_URL="$BASE" "$@" ./target/release/switchyard >"$DATA/server.log" 2>&1 &
  PID=$!
  trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DATA"; bench_autovacuum_restore' EXIT
  for _ in $(seq 1 100); do curl -fs "$BASE/health" >/dev/null 2>&1 && break; sleep 0.1; done
}

# bench_setup: first-run setup of "Bench Co" and its owner (owner@bench.test / $PW); the owner's
# cookies are kept in $JAR.
bench_setup() {
  JAR="$DATA/cookies"
  PW="bench-pass-2026"
  curl -fs -o /dev/null -c "$JAR" -H "Origin: $BASE" \
    --data-urlencode company_name="Bench Co" --data-urlencode timezone=UTC \
    --data-urlencode name="Bench Owner" --data-urlencode email=owner@bench.test \
    --data-urlencode password="$PW" --data-urlencode password_confirm="$PW" "$BASE/auth/setup" \
    || die "setup failed (is $DB_URL empty?)"
}
