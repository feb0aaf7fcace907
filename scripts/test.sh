#!/usr/bin/env bash
# The whole test suite: Rust tests on SQLite, the same again on PostgreSQL, README's backup and
# restore and the JSON API's contract test (schemathesis) on both, then Playwright in
# Chromium against a release build, on SQLite (sessions in the database) and on PostgreSQL
# (sessions and sign-in limits in Redis). Sets up whatever is missing
# (toolchain, Playwright, Chromium, a throwaway PostgreSQL or Redis when none answers).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SCRIPT_TAG=test
source scripts/lib.sh
source scripts/postgres.sh
source scripts/redis.sh

scripts/setup.sh --e2e

# moto's S3 server for the bucket storage test (PyPI).
if ! command -v moto_server >/dev/null 2>&1; then
  say "pip install moto[server] (S3 stand-in)"
  python3 -m pip install --quiet --disable-pip-version-check 'moto[server]>=5,<6' >/dev/null \
    || die "could not install moto[server] from PyPI"
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
  hash -r
  command -v moto_server >/dev/null 2>&1 || die "moto_server is not on PATH after installing moto[server]"
fi

E2E_DB=""
cleanup() {
  if [[ -n "$E2E_DB" ]]; then
    psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $E2E_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  pg_throwaway_stop
  redis_throwaway_stop
}
trap cleanup EXIT
pg_admin_url
redis_test_url

# `cargo test` for the crates with tests; app with its server-side feature. Tests await whole
# jobs and services on the test thread itself, where an unoptimised build's futures (with their
# tracing spans) outgrow the default 2 MiB stack; the server spawns them onto the heap instead.
export RUST_MIN_STACK=${RUST_MIN_STACK:-8388608}
# The name cargo-leptos gives the wasm bundle, which Leptos reads when it compiles: set here too,
# so that the server binary `cargo test` builds (app's integration tests need it) is the one the
# browser tests run, and nothing is compiled twice.
export LEPTOS_OUTPUT_NAME=switchyard
RUST_TESTS=(cargo test -p server -p app --features app/ssr)

say "Rust tests on SQLite"
"${RUST_TESTS[@]}"

say "Rust tests on PostgreSQL"
TEST_DATABASE_URL="$PG_ADMIN_URL" "${RUST_TESTS[@]}"

say "Backup and restore as README gives them, on SQLite and PostgreSQL"
[[ -x ./target/debug/switchyard ]] || die "./target/debug/switchyard was not built by cargo test"
scripts/restore-check.sh ./target/debug/switchyard "$PG_ADMIN_URL"

say "The JSON API against its OpenAPI document (schemathesis), on SQLite and PostgreSQL"
scripts/contract-check.sh ./target/debug/switchyard "$PG_ADMIN_URL"

# The browser tests run the site as a release build ships it (wasm split per page, size-optimised,
# precompressed) served by the server binary built above (unoptimised except the hashing, SQLite
# and image crates, see Cargo.toml): a second, optimised build of the whole server would add
# about 20 minutes on 2 cores and test nothing the browser can tell apart. `scripts/run.sh` and
# the benches build the optimised server.
say "Site for the browser tests (cargo leptos build --release --split --precompress --frontend-only)"
cargo leptos build --release --split --precompress --frontend-only
export E2E_SERVER=./target/debug/switchyard
[[ -x $E2E_SERVER ]] || die "$E2E_SERVER was not built by cargo test"
# The site's files are named by their content; the list cargo-leptos writes beside the release
# binary goes beside the one the browser tests run, so its pages link those names.
cp target/release/hash.txt target/debug/hash.txt

say "Playwright (Chromium) on SQLite"
(cd end2end && E2E_DATABASE_URL="" npx playwright test)

say "Playwright (Chromium) on PostgreSQL, sessions in Redis"
E2E_DB="sy_e2e_$$"
psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE $E2E_DB" >/dev/null
E2E_URL="${PG_ADMIN_URL%/*}/$E2E_DB"
(cd end2end && E2E_DATABASE_URL="$E2E_URL" E2E_REDIS_URL="$TEST_REDIS_URL" npx playwright test)

say "all tests passed"
