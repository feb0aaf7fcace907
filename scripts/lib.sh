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
