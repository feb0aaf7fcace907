#!/usr/bin/env bash
# Installs what building and testing Switchyard needs, from the registries this project can
# reach (crates.io, npm, Debian apt). Idempotent: quiet and fast when everything is present.
#
#   scripts/setup.sh          build tools (wasm target, cargo-leptos, wasm-bindgen-cli, Tailwind, wasm-opt)
#   scripts/setup.sh --e2e    also Playwright and Chromium for the end-to-end suite
#
# Pins (see README "Development"):
#   cargo-leptos 0.3.10 --features no_downloads  (0.3.11 needs rustc 1.96; no_downloads turns a
#                                                 missing tool into an error instead of a download)
#   wasm-bindgen-cli == the wasm-bindgen crate in Cargo.lock (pinned with "=" in Cargo.toml)
#   Tailwind v4 and wasm-opt (binaryen 132) from npm, never Debian's binaryen (wasm-opt 108
#   produces wasm that fails to hydrate)
#   Chromium from Debian (Playwright's own browser download cannot work here)
#   poppler-utils from Debian (PDF text layer and page images for analyses)
#   tesseract-ocr from Debian with eng/por/spa/ron (scanned reports)
#   postgresql-client from Debian (pg_dump and pg_restore for backups)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CARGO_LEPTOS_VERSION="0.3.10"
E2E=0
[[ "${1:-}" == "--e2e" ]] && E2E=1

source "$ROOT/scripts/lib.sh"

command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust with rustup (https://rustup.rs)"
command -v npm >/dev/null 2>&1 || apt_install nodejs npm

# 0. poppler-utils: analyses read and render PDFs with pdfinfo, pdftotext and pdftoppm.
if ! command -v pdftoppm >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  apt_install poppler-utils
fi

# 0b. Tesseract OCR (Debian's packages) with English, Portuguese, Spanish and Romanian: the
# local extractor reads scanned reports (pages without a text layer) through it.
if ! command -v tesseract >/dev/null 2>&1 \
  || ! tesseract --list-langs 2>/dev/null | grep -qx ron \
  || ! tesseract --list-langs 2>/dev/null | grep -qx por \
  || ! tesseract --list-langs 2>/dev/null | grep -qx spa; then
  apt_install tesseract-ocr tesseract-ocr-eng tesseract-ocr-por tesseract-ocr-spa tesseract-ocr-ron
fi

# 0c. PostgreSQL's client tools (Debian's postgresql-client): backups of a PostgreSQL database
# are taken with pg_dump and restored with pg_restore.
if ! command -v pg_dump >/dev/null 2>&1 || ! command -v pg_restore >/dev/null 2>&1; then
  apt_install postgresql-client
fi

# 1. The wasm target.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || die "could not add the wasm32-unknown-unknown target"
fi

# 2. cargo-leptos, without its own downloads.
if ! cargo leptos --version 2>/dev/null | grep -q " ${CARGO_LEPTOS_VERSION}\$"; then
  # Its own release profile asks for fat LTO with one codegen unit, which took 24 minutes on 2
  # cores for a tool whose speed barely matters here: for this one command it is built
  # unoptimised (about 5 minutes), except brotli, which compresses the release files
  # (`--precompress`) and is 20 times slower unoptimised. Cargo prints each crate it compiles.
  say "cargo install cargo-leptos ${CARGO_LEPTOS_VERSION} (once; about 5 minutes on 2 cores)"
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_INCREMENTAL=false \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads \
      --config 'profile.release.package.brotli.opt-level=3' \
    || die "could not install cargo-leptos ${CARGO_LEPTOS_VERSION} from the Rust crates registry"
fi

# 3. wasm-bindgen-cli equal to the crate in Cargo.lock.
WBG_VERSION="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock 2>/dev/null || true)"
[[ -n "$WBG_VERSION" ]] || WBG_VERSION="$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)"
if ! wasm-bindgen --version 2>/dev/null | grep -q " ${WBG_VERSION}\$"; then
  say "cargo install wasm-bindgen-cli ${WBG_VERSION} (about 2 minutes, once)"
  # Not --locked: one of its locked dependencies is missing from the registry.
  cargo install wasm-bindgen-cli --version "$WBG_VERSION" --force --quiet \
    || die "could not install wasm-bindgen-cli ${WBG_VERSION}"
fi

# 4. Tailwind v4 and wasm-opt from npm (cargo-leptos puts node_modules/.bin first on PATH).
#    `npm install`, not `npm ci`: the registry only serves the Linux builds of Tailwind's native
#    parts, so a lockfile cannot list the others.
stamp_ok() { [[ -f "$1/.setup-stamp" ]] && [[ "$(cat "$1/.setup-stamp")" == "$(sha256sum < "$2")" ]]; }
if [[ ! -x node_modules/.bin/tailwindcss || ! -x node_modules/.bin/wasm-opt ]] || ! stamp_ok node_modules package.json; then
  say "npm install (Tailwind, binaryen)"
  npm install --no-audit --no-fund --loglevel=error >/dev/null || die "npm install failed at the workspace root"
  sha256sum < package.json > node_modules/.setup-stamp
fi

if [[ $E2E -eq 1 ]]; then
  # 5. Playwright (its browser download is never used) and Debian's Chromium.
  if [[ ! -x end2end/node_modules/.bin/playwright ]] || ! stamp_ok end2end/node_modules end2end/package-lock.json; then
    say "npm ci in end2end/ (Playwright)"
    (cd end2end && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci failed in end2end/"
    sha256sum < end2end/package-lock.json > end2end/node_modules/.setup-stamp
  fi
  if [[ ! -x /usr/bin/chromium ]]; then
    apt_install chromium
  fi
fi
