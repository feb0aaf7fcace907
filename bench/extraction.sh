#!/usr/bin/env bash
# Extraction quality of the local extractor on the generated corpus (server/tests/corpus):
# precision, recall and verdict agreement per test type and field, and the calibration table
# (confidence band → share right), for the text layer and for scans read through OCR. The floors are asserted by
# `cargo test` (server/tests/extraction_corpus.rs); this prints the figures.
#
#   bench/extraction.sh                 the table
#   CORPUS_MISSES=1 bench/extraction.sh also every value read wrong or not read
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SCRIPT_TAG=bench
source scripts/lib.sh
scripts/setup.sh
say "extraction corpus (cargo test -p server --test extraction_corpus)"
# The floors may fail while the extractor is being widened: the table prints either way.
cargo test -q -p server --test extraction_corpus -- --nocapture --test-threads=1 2>&1 \
  | grep -v '^running\|^test result\|^$' || true
