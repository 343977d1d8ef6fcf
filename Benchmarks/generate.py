#!/usr/bin/env python3
"""Deterministic benchmark data: python3 Benchmarks/generate.py N OUT.csv [--export | --wide]

Long-tailed spend, Chinese and ASCII names with commas and quotes, ~3% customers who never
purchased, ~10% missing optional values, monthly spend that collapses for ~5%. The same N gives
the same bytes on every machine.

--wide adds the 33 columns a CRM export carries that no policy reads (e-mail, address, notes
with commas and quotes, timestamps, owner, counters, amounts): 42 columns, about 460 bytes a
record. The nine policy columns hold the same values as without --wide.

--export writes the shape of a CRM customer export as issue 14 describes it: 20 columns, the
six months of spend as six columns (spend_m1, the oldest, to spend_m6; read by the
benchmark-*-export policies), six columns no policy reads (e-mail, city, country, created_at,
owner, source) between the policy's, about 170 bytes a record. The same customers as the other
shapes: the decisions are the same bytes.
"""
import csv, datetime, random, sys

EXTRA_COLUMNS = (
    ["email", "address", "city", "country", "notes", "created_at", "updated_at", "owner", "source",
     "industry", "website", "tax_id"]
    + [f"custom_text_{n}" for n in range(1, 8)]
    + [f"custom_number_{n}" for n in range(1, 15)])

def extra_values(rng, index):
    cities = ["上海", "Berlin", "São Paulo", "New York, NY", "深圳"]
    notes = ["", "Called twice, \"asked for discount\"", "续约意向强, 需跟进", "VIP since 2019; prefers e-mail",
             "multi\nline note"]
    day = datetime.datetime(2019, 1, 1) + datetime.timedelta(seconds=rng.randrange(5 * 365 * 86400))
    values = [
        f"contact{index}@example.com", f"{rng.randrange(1, 999)} Main Street, Suite {rng.randrange(1, 50)}",
        rng.choice(cities), rng.choice(["CN", "DE", "BR", "US"]), rng.choice(notes),
        day.isoformat(sep=" "), (day + datetime.timedelta(days=rng.randrange(400))).isoformat(sep=" "),
        rng.choice(["alice", "bob", "陈静", "dmitri"]), rng.choice(["web", "fair", "referral", "partner"]),
        rng.choice(["retail", "manufacturing", "logistics"]), f"https://www.example{index % 977}.com",
        f"TAX-{rng.randrange(10**9):09d}",
    ]
    values += [rng.choice(["", "yes", "no", "pending, see notes", "Ω"]) for _ in range(7)]
    values += [str(rng.randrange(100000)) if n % 2 else f"{rng.uniform(0, 1e6):.2f}" for n in range(14)]
    return values

EXPORT_HEAD = ["customer_id", "name", "phone", "email", "city", "country", "last_purchase", "orders_12m",
               "spend_12m"]
EXPORT_TAIL = ["industry_growth", "repurchase_rate", "created_at", "owner", "source"]

def export_row(policy_values, months, rng, index):
    """A record in the --export shape: the policy's values, the months as columns, the others."""
    customer, name, phone, last, orders, spend, growth, repurchase = policy_values
    day = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randrange(5 * 365))
    email = "" if rng.random() < 0.15 else f"contact{index}@example.com"
    city = rng.choice(["上海", "Berlin", "São Paulo", "New York, NY", "深圳", ""])
    return ([customer, name, phone, email, city, rng.choice(["CN", "DE", "BR", "US"]), last, orders, spend]
            + [f"{m:.2f}" for m in months]
            + [growth, repurchase, day.isoformat(), rng.choice(["alice", "bob", "陈静", "dmitri"]),
               rng.choice(["web", "fair", "referral", "partner"])])

def main(count, path, wide=False, export=False):
    rng = random.Random(20240301)
    # The extra columns draw from their own generator, so the policy columns stay the same.
    extra_rng = random.Random(7)
    as_of = datetime.date(2024, 3, 1)
    surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
    companies = ["科技", "贸易, 华东", "物流", "\"金桥\"传媒", "制造", "食品"]
    ascii_names = ["Acme, Inc.", "Blue \"Harbor\" Co", "Orchid Foods", "Kestrel Analytics", "Li & Partners"]
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        if export:
            writer.writerow(EXPORT_HEAD + [f"spend_m{n}" for n in range(1, 7)] + EXPORT_TAIL)
        else:
            writer.writerow(["customer_id", "name", "phone", "last_purchase", "orders_12m", "spend_12m",
                             "industry_growth", "repurchase_rate", "monthly_spend"]
                            + (EXTRA_COLUMNS if wide else []))
        for index in range(count):
            never = rng.random() < 0.03
            if rng.random() < 0.5:
                name = rng.choice(surnames) + rng.choice(companies)
            else:
                name = rng.choice(ascii_names)
            if rng.random() < 0.10:
                name = ""
            phone = "" if rng.random() < 0.10 else f"1{rng.randrange(3, 9)}{rng.randrange(10**9):09d}"
            last = "" if never else (as_of - datetime.timedelta(days=int(rng.expovariate(1 / 80)))).isoformat()
            orders = 0 if never else min(60, int(rng.expovariate(1 / 5)))
            spend = 0 if never else round(rng.paretovariate(1.16) * 8000 - 8000 + rng.random() * 500, 2)
            spend = max(0.0, min(spend, 9_999_999.99))
            growth = f"{rng.uniform(-0.2, 0.3):.4f}"
            repurchase = f"{rng.uniform(0, 1):.4f}"
            base = spend / 12
            months = [round(max(0.0, base * rng.uniform(0.7, 1.3)), 2) for _ in range(6)]
            if rng.random() < 0.05:
                months[4] = round(months[2] * 0.3, 2)
                months[5] = round(months[3] * 0.3, 2)
            policy_values = [f"C{index:08d}", name, phone, last, orders, f"{spend:.2f}", growth, repurchase]
            if export:
                writer.writerow(export_row(policy_values, months, extra_rng, index))
            else:
                writer.writerow(policy_values + [";".join(f"{m:.2f}" for m in months)]
                                + (extra_values(extra_rng, index) if wide else []))

if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], wide="--wide" in sys.argv[3:], export="--export" in sys.argv[3:])
