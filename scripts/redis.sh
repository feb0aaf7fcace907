#!/usr/bin/env bash
# Sets TEST_REDIS_URL to a Redis the tests can use, starting one when none answers. Sourced by
# scripts/test.sh (call redis_test_url without a subshell).
#
#   1. TEST_REDIS_URL, when set;
#   2. the local server on 127.0.0.1:6379, when it answers PING;
#   3. otherwise a throwaway redis-server on 127.0.0.1:56379 that keeps nothing on disk,
#      installing Debian's redis-server package first if needed. Stopped by `redis_throwaway_stop`.

redis_answers() { # host port
  if command -v redis-cli >/dev/null 2>&1; then
    [[ "$(redis-cli -h "$1" -p "$2" ping 2>/dev/null)" == "PONG" ]]
  else
    # Without redis-cli: speak just enough RESP over bash's /dev/tcp.
    exec 9<>"/dev/tcp/$1/$2" 2>/dev/null || return 1
    printf 'PING\r\n' >&9
    local reply; read -r -t 2 reply <&9 || true
    exec 9<&- 9>&-
    [[ "$reply" == +PONG* ]]
  fi
}

redis_test_url() {
  if [[ -n "${TEST_REDIS_URL:-}" ]]; then
    export TEST_REDIS_URL; return
  fi
  if redis_answers 127.0.0.1 6379; then
    export TEST_REDIS_URL="redis://127.0.0.1:6379"; return
  fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  REDIS_THROWAWAY="$ROOT/target/redis"
  mkdir -p "$REDIS_THROWAWAY"
  redis-server --port 56379 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$REDIS_THROWAWAY/redis.pid" --logfile "$REDIS_THROWAWAY/redis.log" \
    || die "could not start a throwaway Redis (see $REDIS_THROWAWAY/redis.log)"
  for _ in $(seq 1 50); do redis_answers 127.0.0.1 56379 && break; sleep 0.1; done
  redis_answers 127.0.0.1 56379 || die "the throwaway Redis does not answer"
  say "started a throwaway Redis on 127.0.0.1:56379"
  export TEST_REDIS_URL="redis://127.0.0.1:56379"
}

redis_throwaway_stop() {
  if [[ -n "${REDIS_THROWAWAY:-}" && -f "$REDIS_THROWAWAY/redis.pid" ]]; then
    kill "$(cat "$REDIS_THROWAWAY/redis.pid")" 2>/dev/null || true
  fi
}
