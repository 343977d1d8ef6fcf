#!/usr/bin/env python3
"""Writes b2b-quarters/: four quarterly exports of the B2B example customers (2024-03-01,
2024-06-01, 2024-09-01, 2024-12-01) for the walkthrough in docs/lifecycle.md. Deterministic.

The first quarter is the valid rows of b2b-service-tiers.csv. Each later quarter, a customer
who bought within 100 days of the first assessment goes on buying at the same pace (the same
number of days since its last purchase, the same monthly spend); the others buy nothing more, so
their 12-month spend falls by a quarter each quarter and their recency grows. Five customers
have a story of their own (see STORIES). The ledger remembers reviews, so the files carry no
last_review dates.
"""
import csv, datetime, os

HERE = os.path.dirname(os.path.abspath(__file__))
QUARTERS = ["2024-03-01", "2024-06-01", "2024-09-01", "2024-12-01"]

# customer → quarter index → the fields that change that quarter (and stay changed).
STORIES = {
    # A公司, vip: its monthly spend halves two months running before 2024-06-01 (the scheme's
    # immediate-review trigger) and its repurchase rate falls.
    "C2024001": {1: {"monthly_spend": [125000, 140000, 135000, 150000, 60000, 50000],
                     "spend_12m": "560000.00", "repurchase_rate": "70%"}},
    # B公司, key: doubles its business in the second quarter; in the fourth, fewer of its
    # orders are repeat orders.
    "C2024002": {1: {"days_since": 10, "orders_12m": 11, "spend_12m": "650000.00", "repurchase_rate": "82%",
                     "industry_growth": "12%"},
                 3: {"repurchase_rate": "75%"}},
    # 北方制造, key, reviewed every six months: its orders halve two months running before
    # 2024-06-01 and its year's spend with them; the trigger reviews it at once.
    "C2024006": {1: {"monthly_spend": [100643, 101682, 99696, 100673, 40000, 30000], "spend_12m": "450000.00",
                     "orders_12m": 8}},
    # C公司, watch: comes back in the third quarter, and stops buying again in the fourth.
    "C2024003": {2: {"days_since": 15, "orders_12m": 6, "spend_12m": "240000.00", "repurchase_rate": "55%",
                     "industry_growth": "4%", "active": True, "monthly_spend": [0, 0, 0, 30000, 40000, 35000]},
                 3: {"active": False, "repurchase_rate": "25%", "orders_12m": 3}},
}


def date(text):
    return datetime.date.fromisoformat(text)


def main():
    # The file's last rows are deliberately bad (one is not UTF-8): read only the valid ones.
    with open(os.path.join(HERE, "b2b-service-tiers.csv"), "rb") as f:
        lines = f.read().split(b"\n")[:34]
    rows = list(csv.reader(line.decode("utf-8") for line in lines))
    header, customers = rows[0], rows[1:]
    first = date(QUARTERS[0])
    state = []
    for row in customers:
        record = dict(zip(header, row))
        since = (first - date(record["last_purchase"])).days if record["last_purchase"] else None
        record["days_since"] = since
        record["active"] = since is not None and since <= 100 and int(record["orders_12m"]) > 0
        record["monthly_spend"] = [int(m) for m in record["monthly_spend"].split(";")]
        record["last_review"] = ""
        state.append(record)
    os.makedirs(os.path.join(HERE, "b2b-quarters"), exist_ok=True)
    for index, quarter in enumerate(QUARTERS):
        as_of = date(quarter)
        for record in state:
            story = STORIES.get(record["customer_id"], {}).get(index, {})
            record["active"] = story.get("active", record["active"])
            if index > 0 and "monthly_spend" not in story:
                months = record["monthly_spend"]
                if record["active"]:
                    pace = sum(months[-3:]) // 3
                    record["monthly_spend"] = months[3:] + [pace, pace, pace]
                else:
                    record["monthly_spend"] = months[3:] + [0, 0, 0]
                    record["spend_12m"] = f"{int(float(record['spend_12m']) * 0.75)}.00"
            for field, value in story.items():
                record[field] = value
            if record["days_since"] is not None:
                if record["active"]:
                    record["last_purchase"] = (as_of - datetime.timedelta(days=record["days_since"])).isoformat()
        path = os.path.join(HERE, "b2b-quarters", f"{quarter}.csv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            for record in state:
                row = dict(record)
                row["monthly_spend"] = ";".join(str(m) for m in record["monthly_spend"])
                writer.writerow([row[name] for name in header])


if __name__ == "__main__":
    main()
