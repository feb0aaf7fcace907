#!/usr/bin/env bash
# Sets up what is missing and runs Switchyard on the embedded default: a SQLite file under
# ./data (DATA_DIR), listening on LEPTOS_SITE_ADDR (default 127.0.0.1:3000). The first visit
# leads to /setup. Any variable of README's configuration reference can be set in the
# environment or in a .env file.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/setup.sh
exec cargo leptos serve --release --split --precompress
