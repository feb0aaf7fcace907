"""Reads the server's own request-duration histogram (/metrics, Prometheus text) for one route
and prints its count and the bucket its p50, p95 and p99 fall in: the time inside the server,
without the load generator's or the kernel's share of the client's figure.

    python3 bench/server_latency.py METRICS_URL ROUTE
"""
import re
import sys
import urllib.request

url, route = sys.argv[1], sys.argv[2]
text = urllib.request.urlopen(url, timeout=10).read().decode()
buckets = []
for line in text.splitlines():
    if not line.startswith("http_request_duration_seconds_bucket{"):
        continue
    labels, value = line.rsplit(" ", 1)
    if f'route="{route}"' not in labels:
        continue
    le = re.search(r'le="([^"]+)"', labels).group(1)
    buckets.append((float("inf") if le == "+Inf" else float(le), float(value)))
if not buckets:
    print(f"server-side {route}: no requests recorded")
    sys.exit(0)
buckets.sort()
total = buckets[-1][1]


def within(p):
    for le, n in buckets:
        if n >= p * total:
            return "> 5 s" if le == float("inf") else f"<= {le * 1000:g} ms"
    return "?"


shares = "  ".join(f"<= {le * 1000:g} ms {100 * n / total:.2f}%" for le, n in buckets if le in (0.005, 0.01, 0.025))
print(f"server-side {route}: {int(total)} answered; p50 {within(0.5)}  p95 {within(0.95)}  p99 {within(0.99)}  ({shares})")
