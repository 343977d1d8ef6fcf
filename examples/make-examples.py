#!/usr/bin/env python3
"""Writes the example record files in this folder. Deterministic: the same files every run.

The first rows of b2b-service-tiers.csv are the worked examples C2024001–C2024003 of the domain
brief (assessed 2024-03-01); the last rows are deliberately bad, one problem each.
"""
import json, random

rng = random.Random(20240301)
AS_OF = "2024-03-01"

def days_before(n):
    import datetime
    return (datetime.date(2024, 3, 1) - datetime.timedelta(days=n)).isoformat()

def csv_field(text):
    text = str(text)
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text

companies = ["A公司", "B公司", "C公司", "华东物流, 上海", "Acme \"Premium\" Ltd", "北方制造", "Blue Harbor Co.", "星河科技",
             "Li & Partners", "南山建材", "Orchid Foods", "远航贸易", "Kestrel Analytics", "青松医疗", "Delta Works",
             "海港电子", "Granite, Stone & Co", "金桥传媒", "Nimbus Cloud", "东方纺织", "Vela Marine", "长河能源",
             "Polar Retail", "锦绣服饰", "Summit Tools", "天成食品", "Ivy Logistics", "明德教育", "Quartz Labs", "和信咨询"]

header = ["customer_id", "company_name", "contact_phone", "last_purchase", "orders_12m", "spend_12m",
          "industry_growth", "repurchase_rate", "monthly_spend", "last_review"]
rows = [
    # The worked examples: 30, 60 and 120 days since the last purchase.
    ["C2024001", "A公司", "13800138001", days_before(30), 12, "800000.00", "15%", "85%",
     "120000;130000;125000;140000;135000;150000", "2023-12-01"],
    ["C2024002", "B公司", "13800138002", days_before(60), 6, "300000.00", "8%", "60%",
     "50000;52000;48000;51000;49000;50000", "2023-10-15"],
    ["C2024003", "C公司", "", days_before(120), 2, "80000.00", "-3%", "30%",
     "20000;15000;10000;12000;0;0", ""],
]
for index in range(4, 34):
    name = companies[(index - 1) % len(companies)]
    never = index % 11 == 0
    recency = rng.choice([5, 20, 45, 75, 100, 150, 200, 400])
    orders = rng.choice([0, 1, 2, 4, 7, 13, 20])
    spend = rng.choice([5_000, 12_500, 60_000, 95_000, 210_000, 350_000, 520_000, 1_200_000]) + rng.randint(0, 999)
    growth = rng.choice(["-5%", "0%", "3%", "6%", "0.12", "20%"])
    repurchase = rng.choice(["10%", "35%", "55%", "70%", "82%", "0.95"])
    base = spend // 12
    months = [base + rng.randint(-base // 10, base // 10) for _ in range(6)]
    if index % 9 == 0:  # spend collapsing two months running
        months[4] = months[2] // 3
        months[5] = months[3] // 3
    phone = "" if index % 5 == 0 else f"139{index:08d}"
    review = "" if index % 4 == 0 else rng.choice(["2023-06-30", "2023-09-01", "2023-12-15", "2024-02-01"])
    rows.append([f"C2024{index:03d}", name, phone, "" if never else days_before(recency), 0 if never else orders,
                 f"{0 if never else spend}.00", growth, repurchase, ";".join(str(m) for m in months), review])

bad_rows = [
    ["C2024901", "Bad Spend", "13900000901", days_before(10), 3, "abc", "5%", "50%", "1;2;3;4;5;6", ""],
    ["C2024902", "Missing Orders", "13900000902", days_before(10), "", "1000.00", "5%", "50%", "1;2;3;4;5;6", ""],
    ["C2024903", "Negative Orders", "13900000903", days_before(10), -2, "1000.00", "5%", "50%", "1;2;3;4;5;6", ""],
    ["C2024904", "Rate Too High", "13900000904", days_before(10), 3, "1000.00", "5%", "120%", "1;2;3;4;5;6", ""],
    ["C2024905", "Five Months", "13900000905", days_before(10), 3, "1000.00", "5%", "50%", "1;2;3;4;5", ""],
    ["C2024906", "Bad Date", "13900000906", "2024-02-30", 3, "1000.00", "5%", "50%", "1;2;3;4;5;6", ""],
]

with open("b2b-service-tiers.csv", "wb") as out:
    out.write((",".join(header) + "\n").encode())
    for row in rows + bad_rows:
        out.write((",".join(csv_field(c) for c in row) + "\n").encode())
    # A row with too few fields, and one with a byte that is not UTF-8.
    out.write(b"C2024907,Short Row,13900000907\n")
    out.write(b"C2024908,Bad \xff Bytes,13900000908," + days_before(10).encode() + b",3,1000.00,5%,50%,1;2;3;4;5;6,\n")

def jsonl_value(column, value):
    if value == "":
        return None
    if column == "orders_12m":
        return int(value)
    if column == "monthly_spend":
        return [int(v) for v in value.split(";")]
    return value

with open("b2b-service-tiers.jsonl", "w", encoding="utf-8") as out:
    for row in rows[:10]:
        record = {c: jsonl_value(c, v) for c, v in zip(header, row)}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    # An export's own keys are ignored (crm_segment); a misspelt input is not (spend12m).
    out.write(json.dumps({"customer_id": "C2024909", "orders_12m": 1, "industry_growth": "1%",
                          "repurchase_rate": "1%", "monthly_spend": [1, 2, 3, 4, 5, 6], "spend12m": 5,
                          "crm_segment": "B"},
                         ensure_ascii=False) + "\n")
    out.write('{"customer_id": "C2024910", "orders_12m": \n')

# Scheme 3: loyalty members.
with open("loyalty-tiers.csv", "w", encoding="utf-8") as out:
    out.write("member_id,phone,email,birthday,spend_12m,repurchases_12m,member_since,successful_referrals_12m\n")
    for index in range(1, 31):
        spend = rng.choice([800, 4_500, 9_999, 10_000, 23_000, 49_000, 50_000, 50_001, 88_000, 150_000])
        repurchases = rng.choice([0, 1, 2, 3, 5])
        since = rng.choice(["2015-05-20", "2018-03-01", "2019-02-28", "2021-07-07", "2023-11-11"])
        referrals = "" if index % 3 == 0 else str(rng.choice([0, 1, 2]))
        out.write(f"M{index:04d},1370000{index:04d},member{index}@example.com,1990-0{index % 9 + 1}-15,"
                  f"{spend}.00,{repurchases},{since},{referrals}\n")
    out.write("M0901,13700000901,x@example.com,1990-01-01,lots,2,2020-01-01,\n")
    out.write("M0902,13700000902,y@example.com,1990-01-01,100.00,-1,2020-01-01,\n")

# Scheme 4: requests, around the Spring Festival of 2024 (holidays 10–17 February, make-up working
# Sundays 4 and 18 February), as of 2024-03-01. The first five are the stories of
# docs/service-levels.md; the others draw the same random numbers as before (so the files below
# stay the same) and take their times from a generator of their own.
with open("request-response.csv", "w", encoding="utf-8") as out:
    out.write("request_id,customer_id,contact,channel,category,customer_tier,received_at,"
              "first_response_at,specialist_at,resolved_at,contacts_so_far\n")
    stories = [
        # Friday 17:40 before the holiday week: 20 minutes on Friday, then the make-up Sunday.
        "R00001,C2024012,user1@example.com,email,product_question,standard,2024-02-09T17:40+08:00,2024-02-18T10:05+08:00,,2024-02-19T16:00+08:00,1",
        # A VIP fault on a holiday night: 2 hours around the clock, answered in 40 minutes.
        "R00002,C2024001,user2@example.com,phone,after_sales_fault,vip,2024-02-11T21:30+08:00,2024-02-11T22:10+08:00,,2024-02-12T00:20+08:00,1",
        # A key customer's complex problem at 17:59 on Thursday: still open on 1 March.
        "R00003,C2024005,user3@example.com,app,complex_technical,key,2024-02-29T17:59+08:00,,,,1",
        # A standard customer's fault at 15:00: nobody answered by 17:00.
        "R00004,C2024028,user4@example.com,social,after_sales_fault,standard,2024-02-29T15:00+08:00,,,,2",
        # A question at 14:50 with 3 h 10 min left on Thursday: 50 minutes left on Friday morning.
        "R00005,C2024017,user5@example.com,chat,product_question,key,2024-02-29 14:50,,,,1",
    ]
    channels = ["phone", "chat", "email", "app", "social", "onsite"]
    categories = ["after_sales_fault", "product_question", "complex_technical"]
    tiers = ["vip", "key", "standard", "watch"]
    clock = random.Random(15)
    import datetime
    for index in range(1, 31):
        customer = rng.randint(1, 33)
        channel, category, tier = rng.choice(channels), rng.choice(categories), rng.choice(tiers)
        day, contacts = rng.randint(1, 29), rng.choice([1, 1, 1, 2, 3, 4])
        if index <= len(stories):
            out.write(stories[index - 1] + "\n")
            continue
        received = datetime.datetime(2024, 2, day, clock.choice([8, 9, 10, 11, 14, 16, 17, 20, 23]), clock.randint(0, 59))
        def stamp(moment):
            return moment.strftime("%Y-%m-%dT%H:%M+08:00")
        answered = stamp(received + datetime.timedelta(minutes=clock.randint(5, 900))) if clock.random() < 0.8 else ""
        specialist = ""
        if category == "complex_technical" and clock.random() < 0.6:
            specialist = stamp(received + datetime.timedelta(hours=clock.randint(1, 60)))
        resolved = stamp(received + datetime.timedelta(hours=clock.randint(2, 120))) if answered and clock.random() < 0.6 else ""
        # Every seventh request's time is written without an offset: read in the policy's time zone.
        written = received.strftime("%Y-%m-%d %H:%M") if index % 7 == 0 else stamp(received)
        out.write(f"R{index:05d},C2024{customer:03d},user{index}@example.com,{channel},{category},{tier},"
                  f"{written},{answered},{specialist},{resolved},{contacts}\n")
    out.write("R09001,C2024001,z@example.com,fax,product_question,vip,2024-02-01T10:00+08:00,,,,1\n")
    out.write("R09002,C2024001,z@example.com,phone,product_question,platinum,2024-02-01T10:00+08:00,,,,1\n")
    out.write("R09003,C2024001,z@example.com,phone,product_question,vip,2024-02-30T10:00+08:00,,,,1\n")

# Other schemes: airline status.
with open("airline-status.csv", "w", encoding="utf-8") as out:
    out.write("member_id,name,miles_12m,segments_12m,spend_12m,last_status_review\n")
    names = ["王伟", "李娜", "张敏", "Chen, Wei", "O'Brien", "刘洋", "Smith \"Jr\"", "赵磊", "Garcia", "孙丽"]
    for index in range(1, 31):
        miles = rng.choice([3_000, 18_000, 26_000, 49_999, 52_000, 91_000, 120_000])
        segments = rng.choice([2, 12, 31, 55, 104])
        spend = rng.choice([4_000, 30_000, 81_000, 160_000])
        review = "" if index % 6 == 0 else rng.choice(["2023-01-15", "2023-06-01", "2023-12-01"])
        out.write(f"FF{index:05d},{csv_field(names[index % len(names)])},{miles},{segments},{spend}.00,{review}\n")
    out.write("FF90001,坏数据,many,3,100.00,\n")
# Other schemes: fintech risk grades (its own generator, so the files above stay the same).
fin = random.Random(7)
with open("fintech-risk-grades.csv", "w", encoding="utf-8") as out:
    out.write("customer_id,id_number,credit_score,months_of_history,late_payments_12m,chargebacks_12m,"
              "risk_appetite,last_review\n")
    for index in range(1, 31):
        score = fin.choice([560, 579, 600, 640, 650, 690, 719, 720, 760, 805, 840])
        months = fin.choice([2, 5, 8, 11, 18, 30, 48, 96])
        late = fin.choice([0, 0, 0, 1, 2, 3])
        chargebacks = "" if index % 7 == 0 else str(fin.choice([0, 0, 0, 1, 2]))
        appetite = fin.choice(["conservative", "balanced", "aggressive"])
        review = "" if index % 5 == 0 else fin.choice(["2023-03-01", "2023-12-01", "2024-02-01"])
        out.write(f"F{index:05d},11010119{fin.randint(60, 99)}0{fin.randint(1, 9)}0{fin.randint(1, 9)}{fin.randint(1000, 9999)},"
                  f"{score},{months},{late},{chargebacks},{appetite},{review}\n")
    out.write("F90001,110101199001011234,900,12,0,0,balanced,\n")
    out.write("F90002,110101199001011235,700,12,0,0,reckless,\n")
print("written")
