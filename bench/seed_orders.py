"""Seeds N orders spread over the bench company's five stores, straight into the SQLite file
(bench/orders.sh stops the server first). Days are UTC dates; the dashboard's job
recomputes them in the company's zone. Statuses, customers, totals and days vary; one order
in ten has the phone flag, one in twenty the address flag.

    python3 bench/seed_orders.py <sqlite file> <N>
"""
import random
import sqlite3
import sys
import uuid
from datetime import datetime, timedelta, timezone

path, n = sys.argv[1], int(sys.argv[2])
random.seed(20261202)
db = sqlite3.connect(path)
company = db.execute("SELECT id FROM companies").fetchone()[0]
stores = [r[0] for r in db.execute("SELECT id FROM stores WHERE company_id = ? ORDER BY name", (company,))]
STATUSES = ["PENDING"] * 3 + ["VALIDATED", "PICKING", "PACKED", "AWB_CREATED"] + ["SHIPPED"] * 4 + ["DELIVERED"] * 6 + ["CANCELLED", "RETURNED"]
FIRST = ["Ana", "Ioana", "Maria", "Elena", "Andrei", "Mihai", "Radu", "Cristina", "Vlad", "Alexandra", "Dan", "Gabriela"]
LAST = ["Pop", "Popescu", "Ionescu", "Ene", "Stan", "Dumitru", "Marin", "Constantin", "Georgescu", "Munteanu"]
start = datetime(2026, 1, 1, tzinfo=timezone.utc)
span = int((datetime(2026, 11, 30, tzinfo=timezone.utc) - start).total_seconds())


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def rows(lo, hi):
    for i in range(lo, hi):
        s = i % len(stores)
        placed = start + timedelta(seconds=random.randrange(span))
        name = f"{random.choice(FIRST)} {random.choice(LAST)}"
        number = f"#S{s + 1}-{i // len(stores)}"
        phone = None if i % 10 == 0 else f"+407{random.randrange(10**8):08d}"
        flags = " ".join(f for f, on in (("phone", phone is None), ("address", i % 20 == 0)) if on)
        email = name.lower().replace(" ", ".") + f"{i}@example.ro"
        total = random.randrange(1000, 200000)
        search = f"{number} {name} {email} {phone or ''}".lower().strip()
        yield (uuid.uuid4().bytes, company, stores[s], str(10**9 + i), number, random.choice(STATUSES),
               "paid", "RON", total, total, 0, 0, name, email, phone, flags, search, ts(placed), ts(placed), ts(placed), ts(placed), ts(placed)[:10])


SQL = ("INSERT INTO orders (id, company_id, store_id, external_id, number, status, financial_status, currency, "
       "total_minor, subtotal_minor, shipping_minor, tax_minor, customer_name, email, phone, flags, search, "
       "placed_at, source_updated_at, created_at, updated_at, placed_day) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
BATCH = 50_000
for lo in range(0, n, BATCH):
    db.executemany(SQL, rows(lo, min(n, lo + BATCH)))
    db.commit()
db.execute("ANALYZE")
db.commit()
