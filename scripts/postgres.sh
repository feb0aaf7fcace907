#!/usr/bin/env bash
# Sets PG_ADMIN_URL to a PostgreSQL URL the tests can create databases with, starting a server
# when none answers. Sourced by scripts/test.sh (call pg_admin_url without a subshell).
#
#   1. TEST_DATABASE_URL, when set;
#   2. the local server on 127.0.0.1:5432 (PG_LOCAL_PORT; user postgres, trust auth), when it
#      answers;
#   3. otherwise a throwaway cluster under target/pg (fsync off, port 55432), installing
#      Debian's postgresql package first if needed. It is stopped by `pg_throwaway_stop`.

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n "$d" ]] && echo "$d"
}

pg_admin_url() {
  if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
    PG_ADMIN_URL="$TEST_DATABASE_URL"; return
  fi
  local port=${PG_LOCAL_PORT:-5432}
  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p "$port" -t 2; then
    PG_ADMIN_URL="postgres://postgres@127.0.0.1:$port/postgres"; return
  fi
  local bin; bin=$(pg_bin)
  if [[ -z "$bin" ]]; then
    apt_install postgresql
    bin=$(pg_bin)
  fi
  [[ -n "$bin" ]] || die "PostgreSQL binaries not found"
  PG_THROWAWAY="$ROOT/target/pg"
  rm -rf "$PG_THROWAWAY"; mkdir -p "$PG_THROWAWAY"
  local run=()
  if [[ $(id -u) -eq 0 ]]; then
    # initdb refuses to run as root.
    id postgres >/dev/null 2>&1 || useradd --system --home "$PG_THROWAWAY" postgres
    chown -R postgres "$PG_THROWAWAY"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$PG_THROWAWAY/data" -U postgres --auth=trust -E UTF8 >/dev/null \
    || die "initdb failed"
  "${run[@]}" "$bin/pg_ctl" -D "$PG_THROWAWAY/data" -l "$PG_THROWAWAY/log" -w \
    -o "-p 55432 -k $PG_THROWAWAY -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
    || die "could not start a throwaway PostgreSQL (see $PG_THROWAWAY/log)"
  say "started a throwaway PostgreSQL on 127.0.0.1:55432"
  PG_ADMIN_URL="postgres://postgres@127.0.0.1:55432/postgres"
}

pg_throwaway_stop() {
  if [[ -n "${PG_THROWAWAY:-}" && -d "$PG_THROWAWAY/data" ]]; then
    local run=(); [[ $(id -u) -eq 0 ]] && run=(runuser -u postgres --)
    "${run[@]}" "$(pg_bin)/pg_ctl" -D "$PG_THROWAWAY/data" -m fast stop >/dev/null 2>&1 || true
  fi
}
