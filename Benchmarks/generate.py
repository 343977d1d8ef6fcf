#!/usr/bin/env python3
"""Deterministic benchmark data: python3 Benchmarks/generate.py N OUT.csv

Long-tailed spend, Chinese and ASCII names with commas and quotes, ~3% customers who never
purchased, ~10% missing optional values, monthly spend that collapses for ~5%. The same N gives
the same bytes on every machine.
"""
import csv, datetime, random, sys

def main(count, path):
    rng = random.Random(20240301)
    as_of = datetime.date(2024, 3, 1)
    surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
    companies = ["科技", "贸易, 华东", "物流", "\"金桥\"传媒", "制造", "食品"]
    ascii_names = ["Acme, Inc.", "Blue \"Harbor\" Co", "Orchid Foods", "Kestrel Analytics", "Li & Partners"]
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["customer_id", "name", "phone", "last_purchase", "orders_12m", "spend_12m",
                         "industry_growth", "repurchase_rate", "monthly_spend"])
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
            writer.writerow([f"C{index:08d}", name, phone, last, orders, f"{spend:.2f}", growth, repurchase,
                             ";".join(f"{m:.2f}" for m in months)])

if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
