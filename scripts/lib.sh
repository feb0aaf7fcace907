# Shared helpers of the project's scripts (sourced).
# Each line says how long its script has run (bash's SECONDS), so a slow phase shows in logs.
say() { printf '[%s %ss] %s\n' "${SCRIPT_TAG:-setup}" "$SECONDS" "$*"; }
die() { printf '[%s] ERROR: %s\n' "${SCRIPT_TAG:-setup}" "$*" >&2; exit 1; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $* (install it yourself or run as root)"; fi
}

APT_UPDATED=${APT_UPDATED:-0}
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* with your package manager"
  if [[ $APT_UPDATED -eq 0 ]]; then
    say "apt-get update"
    as_root apt-get update -qq >/dev/null || die "apt-get update failed (is the Debian mirror reachable?)"
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
    || die "apt-get install $* failed"
}

# Waits for a Switchyard on 127.0.0.1:$1 to answer /ready (30 s at most).
wait_ready() {
  for _ in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$1/ready" && return 0; sleep 0.1; done
  die "the server did not answer on port $1"
}

# First-run setup of the Switchyard on 127.0.0.1:$1, as "Operator Co" with operator@$2 and
# password $3 (what the checks that drive the binary need before `switchyard seed`).
first_run_setup() {
  curl -fs -o /dev/null -H "Origin: http://127.0.0.1:$1" --data-urlencode company_name="Operator Co" \
    --data-urlencode timezone=UTC --data-urlencode name="Operator" --data-urlencode "email=operator@$2" \
    --data-urlencode "password=$3" --data-urlencode "password_confirm=$3" \
    "http://127.0.0.1:$1/auth/setup"
}
