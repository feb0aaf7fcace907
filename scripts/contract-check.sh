#!/usr/bin/env bash
# The JSON API against its own OpenAPI document, as schemathesis (PyPI) sees it: Switchyard is
# started on a fresh database with a seeded company, a key is made with `switchyard api-key`,
# and schemathesis generates calls for every operation from /api/v1/openapi.json: no answer may
# be a 5xx, and every answer (status, content type, headers, body) must match the document.
# SQLite always; PostgreSQL too when PG_ADMIN_URL is given.
#
#   scripts/contract-check.sh BINARY [PG_ADMIN_URL]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SCRIPT_TAG=contract
source scripts/lib.sh

command -v curl >/dev/null 2>&1 || apt_install curl
if ! command -v schemathesis >/dev/null 2>&1; then
  say "pip install schemathesis (the API's contract test)"
  python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4.3,<5' >/dev/null \
    || die "could not install schemathesis from PyPI"
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
  hash -r
  command -v schemathesis >/dev/null 2>&1 || die "schemathesis is not on PATH after installing it"
fi

BIN=${1:?the switchyard binary}
PG=${2:-}
WORK=$(mktemp -d)
PORT=${CONTRACT_CHECK_PORT:-3312}
EXAMPLES=${CONTRACT_EXAMPLES:-100}
PID=""
DBS=()
cleanup() {
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  for db in "${DBS[@]}"; do psql -q "$PG" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

up() { wait_ready "$PORT"; }

check() { # label database-url
  local label=$1 url=$2 data="$WORK/$1"
  mkdir -p "$data"
  # Generous limits: the run makes thousands of calls with one key from one address.
  local run=(env LOG_LEVEL=warn DATA_DIR="$data" PUBLIC_URL="http://127.0.0.1:$PORT" LEPTOS_SITE_ADDR="127.0.0.1:$PORT"
    DATABASE_URL="$url" API_REQUESTS_PER_HOUR=1000000 API_ANONYMOUS_PER_HOUR=1000000)
  "${run[@]}" "$BIN" >"$data/setup.log" 2>&1 &
  PID=$!
  up
  first_run_setup "$PORT" contract.test contract-pass-2026 || die "$label: first-run setup failed"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  "${run[@]}" "$BIN" seed --company "Contract Co" --email owner@contract.test --password contract-pass-2026 \
    --stores 2 --orders 300 --days 30 --campaigns 0 --analyses 0 >/dev/null || die "$label: seeding failed"
  local key
  key=$("${run[@]}" "$BIN" api-key --email owner@contract.test --name "Contract test" \
    --scopes "orders.read orders.write billing.read settings.manage" 2>"$data/key.log") || die "$label: api-key failed: $(cat "$data/key.log")"
  "${run[@]}" "$BIN" >"$data/server.log" 2>&1 &
  PID=$!
  up
  local t0=$SECONDS
  # One worker: Python 3.11's ast module is not thread-safe ("AST constructor recursion depth
  # mismatch"), and hypothesis parses its filters' source with it.
  local status=0
  # Run from the scratch folder: schemathesis keeps a cache (.schemathesis/) where it runs.
  (cd "$WORK" && schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
    --url "http://127.0.0.1:$PORT" \
    -H "Authorization: Bearer $key" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$EXAMPLES" --seed 1 --workers 1 --no-color \
    --output-sanitize true) >"$data/schemathesis.log" 2>&1 || status=$?
  if [[ $status -ne 0 ]]; then
    cat "$data/schemathesis.log"
    grep -E "ERROR|panicked" "$data/server.log" | tail -20 || true
    die "$label: schemathesis found failures"
  fi
  say "$label: schemathesis passed in $((SECONDS - t0)) s: $(grep -E "passed|failed" "$data/schemathesis.log" | tail -1 | xargs); links: $(grep -E "API Links:" "$data/schemathesis.log" | tail -1 | sed "s/.*API Links: *//")"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
}

check sqlite "sqlite://$WORK/contract.db"
if [[ -n "$PG" ]]; then
  db="sy_contract_$$"
  DBS+=("$db")
  psql -q "$PG" -c "CREATE DATABASE $db" >/dev/null
  check postgres "${PG%/*}/$db"
fi
say "the API matches its document on every engine checked"
