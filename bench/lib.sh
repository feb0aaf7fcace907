# Shared by the bench scripts (sourced after scripts/lib.sh, with BASE and PORT set).

# bench_serve [VAR=value ...]: starts the release server on a fresh data folder (SQLite there,
# or BENCH_DATABASE_URL) with the extra variables; sets DATA, DB_URL and PID, and stops it on exit.
bench_serve() {
  DATA=$(mktemp -d)
  DB_URL=${BENCH_DATABASE_URL:-sqlite://$DATA/switchyard.db}
  env LOG_LEVEL=warn DATA_DIR="$DATA" DATABASE_URL="$DB_URL" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" \
    PUBLIC_URL="$BASE" "$@" ./target/release/switchyard >"$DATA/server.log" 2>&1 &
  PID=$!
  trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
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
