#!/usr/bin/env bash
# Analyses throughput with the local extractor: COUNT two-page grounding reports uploaded through
# POST /analyses/upload as fast as curl sends them, then the time until the job queue has
# finished them all; prints upload latency, reports per minute, and the token arithmetic of one
# run (estimate held, tokens charged, balance before and after).
#
#   bench/analyses.sh                       SQLite
#   BENCH_DATABASE_URL=postgres://... bench/analyses.sh
#
# Knobs: COUNT (40), BENCH_PORT (3302). Needs a release build and poppler-utils. Figures are for
# comparing runs on one machine, never asserted.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SCRIPT_TAG=bench
source scripts/lib.sh
source bench/lib.sh

PORT=${BENCH_PORT:-3302}
BASE="http://127.0.0.1:$PORT"
COUNT=${COUNT:-40}
[[ -x target/release/switchyard ]] || { scripts/setup.sh; cargo leptos build --release --split --precompress >/dev/null 2>&1 || die "release build failed"; }
command -v curl >/dev/null 2>&1 || apt_install curl

bench_serve ANALYSIS_RATE_PER_MINUTE=10000
bench_setup
COOKIE=$(awk '$6=="switchyard_session"{print "switchyard_session=" $7}' "$JAR")
if [[ "$DB_URL" == sqlite* ]]; then
  COMPANY=$(python3 -c "import sqlite3,uuid,sys; c=sqlite3.connect(sys.argv[1]); print(uuid.UUID(bytes=c.execute('SELECT id FROM companies').fetchone()[0]))" "${DB_URL#sqlite://}")
else
  COMPANY=$(psql -Atq "$DB_URL" -c "SELECT id FROM companies LIMIT 1")
fi
api() { curl -fs -H "Cookie: $COOKIE" -H "Origin: $BASE" -X POST "$@"; }
api --data-urlencode company_id="$COMPANY" --data-urlencode tokens=1000000 \
  --data-urlencode reason=bench "$BASE/api/admin_grant_tokens" >/dev/null || die "grant failed"
balance() { api --data page=1 "$BASE/api/billing" | python3 -c "import json,sys; print(json.load(sys.stdin)['balance'])"; }

# A two-page grounding report with a text layer (Helvetica), written by hand.
REPORT="$DATA/report.pdf"
python3 - "$REPORT" <<'PY'
import sys
pages = [["GROUNDING SYSTEM TEST REPORT", "Equipment tag: GND-GRID-01", "Test date: 14/03/2026",
          "Instrument: Megger DET4TC2, S/N 101234567", "Ground resistance: 7.4 ohm",
          "Technician signature: J. Smith", "Photo watermark: yes"],
         ["CALIBRATION CERTIFICATE", "Certificate no.: CAL-88231", "Instrument serial: 101234567",
          "Calibration date: 2025-01-31", "Calibration due: 2026-01-31"]]
objs = ["<< /Type /Catalog /Pages 2 0 R >>", None,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
kids = []
for i, lines in enumerate(pages):
    p, c = 4 + 2 * i, 5 + 2 * i
    kids.append(f"{p} 0 R")
    content = "BT /F1 11 Tf 14 TL 72 770 Td\n" + "".join(f"({l}) Tj T*\n" for l in lines) + "ET"
    objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {c} 0 R >>")
    objs.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream")
objs[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>"
out, offs = b"%PDF-1.4\n", []
for n, o in enumerate(objs, 1):
    offs.append(len(out)); out += f"{n} 0 obj\n{o}\nendobj\n".encode()
x = len(out)
out += f"xref\n0 {len(objs)+1}\n0000000000 65535 f \n".encode() + b"".join(f"{o:010} 00000 n \n".encode() for o in offs)
out += f"trailer\n<< /Size {len(objs)+1} /Root 1 0 R >>\nstartxref\n{x}\n%%EOF\n".encode()
open(sys.argv[1], "wb").write(out)
PY

BEFORE=$(balance)
START=$(date +%s.%N)
: > "$DATA/upload-times"
for i in $(seq 1 "$COUNT"); do
  curl -fs -o /dev/null -w '%{time_total}\n' -H "Cookie: $COOKIE" -H "Origin: $BASE" -H "Accept: application/json" \
    -F test_type=grounding -F "file=@$REPORT;filename=report-$i.pdf;type=application/pdf" \
    "$BASE/analyses/upload" >> "$DATA/upload-times" || die "upload $i failed"
done
UPLOADED=$(date +%s.%N)
done_count() {
  api --data q= --data test_type= --data verdict=REJECTED --data preset= --data from= --data to= --data sort= --data page=1 \
    "$BASE/api/analyses" | python3 -c "import json,sys; print(json.load(sys.stdin)['total'])"
}
for _ in $(seq 1 1200); do
  [[ "$(done_count)" -ge "$COUNT" ]] && break
  sleep 0.25
done
FINISHED=$(date +%s.%N)
AFTER=$(balance)
python3 - "$DATA/upload-times" "$START" "$UPLOADED" "$FINISHED" "$COUNT" "$BEFORE" "$AFTER" "$(done_count)" <<'PY'
import sys
times = sorted(float(t) * 1000 for t in open(sys.argv[1]))
start, uploaded, finished = map(float, sys.argv[2:5])
count, before, after, done = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
pct = lambda p: times[min(len(times) - 1, int(p * len(times)))]
print(f"uploads: {count} two-page PDFs, p50 {pct(0.5):.1f} ms, p90 {pct(0.9):.1f} ms, max {times[-1]:.1f} ms")
print(f"completed: {done} of {count} in {finished - start:.1f} s from the first upload "
      f"({finished - uploaded:.1f} s after the last): {done / (finished - start) * 60:.0f} reports per minute")
print(f"tokens: balance {before:,} -> {after:,}: {before - after:,} charged, {(before - after) / max(done, 1):,.0f} per report")
PY
